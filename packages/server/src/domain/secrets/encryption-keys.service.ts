import type { Db } from '../database.ts';
import { ConfigError } from '../../platform/config.ts';
import type { KeyFingerprint, SecretBinding, SecretBox } from '../../platform/crypto/secret-box.ts';
import { nowIso } from '../../platform/ids.ts';
import * as repo from './encryption-keys.repository.ts';

/** A sealed value and where it lives, for checking that the configured keys open it. */
export interface SealedSample {
  envelope: string;
  binding: SecretBinding;
}

/** The newest sealed secret in the database, if any. */
export type SealedSampleProbe = () => Promise<SealedSample | undefined>;

/**
 * Seals `plaintext` for its row and field, recording the sealing key's fingerprint in the same
 * transaction: the database then knows every key its secrets need.
 */
export async function sealSecret(trx: Db, box: SecretBox, binding: SecretBinding, plaintext: string): Promise<string> {
  await recordKey(trx, box.currentFingerprint);
  return box.seal(plaintext, binding);
}

function recordKey(db: Db, key: KeyFingerprint) {
  return repo.insertKeyIfMissing(db, { fingerprint: key.fingerprint, version: key.version, first_sealed_at: nowIso(), retired_at: null });
}

const short = (key: KeyFingerprint) => `${key.version} (fingerprint ${key.fingerprint})`;

/**
 * Refuses to start when secrets in the database were sealed with a key that is not configured: a
 * lost `encryption-keys` file, a wrong `PORTICO_ENCRYPTION_KEYS`, a node not yet given a rotated
 * key. Every key recorded as in use must be configured; more keys (a new one prepended for
 * rotation) are fine. A database whose secrets predate the fingerprints (none recorded) is checked
 * by opening its newest secret, and the key that opens it is recorded.
 * @param keySource what the configured keys are, for the message
 */
export async function checkEncryptionKeys(db: Db, box: SecretBox, newestSealed: SealedSampleProbe, keySource: string): Promise<void> {
  const configured = box.fingerprints();
  const configuredPrints = new Set(configured.map((k) => k.fingerprint));
  const recorded = await repo.listKeys(db);
  const inUse = recorded.filter((k) => k.retired_at === null);

  if (recorded.length === 0) {
    const sample = await newestSealed();
    if (!sample) return;
    try {
      box.open(sample.envelope, sample.binding);
    } catch {
      throw new ConfigError(
        `The database holds secrets that none of the configured encryption keys opens (${keySource}: ${configured.map(short).join(', ')}); ` +
          `the newest, in ${sample.binding.table}.${sample.binding.field} of row ${sample.binding.rowId}, was sealed with a key named ${box.versionOf(sample.envelope)}. ${RESTORE}`,
      );
    }
    const opener = configured.find((k) => k.version === box.versionOf(sample.envelope));
    if (opener) await recordKey(db, opener);
    return;
  }

  const missing = inUse.filter((k) => !configuredPrints.has(k.fingerprint));
  if (missing.length > 0) {
    if (await newestSealed()) {
      throw new ConfigError(
        `The database holds secrets sealed with encryption key ${missing.map(short).join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not configured ` +
          `(${keySource}: ${configured.map(short).join(', ')}). ${RESTORE} If a key is lost for good, ` +
          `\`portico secrets forget-key --fingerprint <fingerprint>\` lets Portico start; the secrets it sealed stay unreadable until their users reconnect.`,
      );
    }
    // Nothing sealed remains: nothing needs those keys any more.
    await repo.retireKeys(db, missing.map((k) => k.fingerprint), nowIso());
  }
  const current = recorded.find((k) => k.fingerprint === box.currentFingerprint.fingerprint);
  if (current?.retired_at) await repo.reinstateKey(db, current.fingerprint);
}

const RESTORE =
  'Restore the key that sealed them (PORTICO_ENCRYPTION_KEYS, or the encryption-keys file of the data directory). ' +
  'To rotate, list the new key first and keep the old one after it ("v2:…,v1:…"), then run `portico secrets reseal`.';

/**
 * After every secret was re-sealed with the current key: records it, and retires every other
 * recorded key, which no secret needs any more.
 */
export async function retireKeysOtherThanCurrent(db: Db, box: SecretBox): Promise<string[]> {
  const current = box.currentFingerprint;
  await recordKey(db, current);
  const others = (await repo.listKeysInUse(db)).filter((k) => k.fingerprint !== current.fingerprint).map((k) => k.fingerprint);
  await repo.retireKeys(db, others, nowIso());
  return others;
}

/** Gives up a lost key: the boot check stops asking for it; what it sealed stays unreadable. */
export async function forgetEncryptionKey(db: Db, box: SecretBox, fingerprint: string): Promise<void> {
  if (box.fingerprints().some((k) => k.fingerprint === fingerprint)) {
    throw new ConfigError(`Key ${fingerprint} is configured; only a key that is lost can be forgotten.`);
  }
  const known = (await repo.listKeys(db)).find((k) => k.fingerprint === fingerprint);
  if (!known) throw new ConfigError(`No encryption key with fingerprint ${fingerprint} is recorded in this database.`);
  await repo.retireKeys(db, [fingerprint], nowIso());
}

export interface RecordedKey extends KeyFingerprint {
  firstSealedAt: string;
  retiredAt: string | null;
  configured: boolean;
}

export async function listEncryptionKeys(db: Db, box: SecretBox): Promise<RecordedKey[]> {
  const configured = new Set(box.fingerprints().map((k) => k.fingerprint));
  return (await repo.listKeys(db)).map((row) => ({
    version: row.version, fingerprint: row.fingerprint, firstSealedAt: row.first_sealed_at, retiredAt: row.retired_at, configured: configured.has(row.fingerprint),
  }));
}
