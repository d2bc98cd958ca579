import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** Where a sealed value lives: its ciphertext opens only there (AES-GCM associated data). */
export interface SecretBinding {
  table: string;
  field: string;
  rowId: string;
}

/** An encryption key as the database may record it: never the key, only an HMAC under it. */
export interface KeyFingerprint {
  version: string;
  fingerprint: string;
}

/** Marks an envelope whose ciphertext is bound to its row and field. */
const BOUND = 'a1';
const FINGERPRINT_LABEL = 'portico/encryption-key-fingerprint/v1';

/**
 * AES-256-GCM for secrets at rest. Keys are versioned: the newest encrypts, every listed key
 * decrypts, so a key can be rotated by prepending a new one. Envelope (base64url parts):
 * - `v<n>.a1.<iv>.<tag>.<data>`: sealed with associated data `portico/<table>/<field>/<rowId>`, so a
 *   ciphertext copied to another row or field fails to open. Every seal makes this form.
 * - `v<n>.<iv>.<tag>.<data>`: the first format, without associated data; still opened.
 */
export class SecretBox {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly current: string;

  constructor(spec: string) {
    const keys = new Map<string, Buffer>();
    let current: string | undefined;
    for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
      const match = /^(v\d+):(.+)$/.exec(part);
      if (!match) throw new SecretBoxError('Each encryption key must look like "v1:<base64 of 32 bytes>".');
      const [, version, encoded] = match as unknown as [string, string, string];
      const key = Buffer.from(encoded, 'base64');
      if (key.length !== 32) throw new SecretBoxError(`Encryption key ${version} must be 32 bytes of base64; it is ${key.length} bytes.`);
      if (keys.has(version)) throw new SecretBoxError(`Encryption key ${version} is listed twice.`);
      keys.set(version, key);
      current ??= version;
    }
    if (!current) throw new SecretBoxError('No encryption key given.');
    this.keys = keys;
    this.current = current;
  }

  static generateKeySpec(version = 'v1'): string {
    return `${version}:${randomBytes(32).toString('base64')}`;
  }

  get currentVersion(): string {
    return this.current;
  }

  /** Every configured key's fingerprint, the sealing (current) key first. */
  fingerprints(): KeyFingerprint[] {
    return [...this.keys].map(([version, key]) => ({ version, fingerprint: fingerprintOf(key) }));
  }

  get currentFingerprint(): KeyFingerprint {
    return { version: this.current, fingerprint: fingerprintOf(this.keys.get(this.current)!) };
  }

  seal(plaintext: string, binding: SecretBinding): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv);
    cipher.setAAD(associatedData(binding));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [this.current, BOUND, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  open(envelope: string, binding: SecretBinding): string {
    const parts = envelope.split('.');
    const bound = parts.length === 5 && parts[1] === BOUND;
    const [version, iv, tag, data] = bound ? [parts[0], parts[2], parts[3], parts[4]] : parts;
    if (!bound && parts.length !== 4) throw new SecretBoxError(`The secret in ${describe(binding)} is not a sealed envelope.`);
    const key = version ? this.keys.get(version) : undefined;
    if (!key || iv === undefined || tag === undefined || data === undefined) {
      throw new SecretBoxError(`Cannot decrypt a secret sealed with key "${version}"; add that key to PORTICO_ENCRYPTION_KEYS.`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      if (bound) decipher.setAAD(associatedData(binding));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretBoxError(`The secret in ${describe(binding)} does not open with key ${version}: it was sealed with another key of that name, for another row, or altered.`);
    }
  }

  /** The key version an envelope was sealed with. */
  versionOf(envelope: string): string {
    return envelope.split('.', 1)[0]!;
  }

  /** True unless the envelope is bound to its row and sealed with the current key. */
  needsReseal(envelope: string): boolean {
    const parts = envelope.split('.');
    return !(parts.length === 5 && parts[0] === this.current && parts[1] === BOUND);
  }
}

function associatedData(binding: SecretBinding): Buffer {
  return Buffer.from(`portico/${binding.table}/${binding.field}/${binding.rowId}`, 'utf8');
}

function describe(binding: SecretBinding): string {
  return `${binding.table}.${binding.field} of row ${binding.rowId}`;
}

function fingerprintOf(key: Buffer): string {
  return createHmac('sha256', key).update(FINGERPRINT_LABEL).digest('hex').slice(0, 32);
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}
