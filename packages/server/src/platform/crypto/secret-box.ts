import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest. Keys are versioned: the newest encrypts, every listed key
 * decrypts, so a key can be rotated by prepending a new one. Envelope: `v<n>.<iv>.<tag>.<data>`
 * (base64url parts).
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

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.current)!, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [this.current, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  open(envelope: string): string {
    const [version, iv, tag, data] = envelope.split('.');
    const key = version ? this.keys.get(version) : undefined;
    if (!key || iv === undefined || tag === undefined || data === undefined) {
      throw new SecretBoxError(`Cannot decrypt a secret sealed with key "${version}"; add that key to PORTICO_ENCRYPTION_KEYS.`);
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}
