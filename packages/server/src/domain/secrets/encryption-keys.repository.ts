import type { Db } from '../database.ts';
import type { EncryptionKeyTable } from './encryption-keys.table.ts';

/** Records a key unless it is known already (kept as it is, retired or not). */
export function insertKeyIfMissing(db: Db, row: EncryptionKeyTable) {
  return db.insertInto('encryption_keys').values(row).onConflict((oc) => oc.column('fingerprint').doNothing()).execute();
}

export function listKeys(db: Db) {
  return db.selectFrom('encryption_keys').selectAll().orderBy('first_sealed_at').orderBy('fingerprint').execute();
}

/** Keys that may still have sealed secrets in the database. */
export function listKeysInUse(db: Db) {
  return db.selectFrom('encryption_keys').selectAll().where('retired_at', 'is', null).orderBy('first_sealed_at').execute();
}

export function retireKeys(db: Db, fingerprints: readonly string[], at: string) {
  if (fingerprints.length === 0) return Promise.resolve([]);
  return db.updateTable('encryption_keys').set({ retired_at: at }).where('fingerprint', 'in', fingerprints).where('retired_at', 'is', null).execute();
}

export function reinstateKey(db: Db, fingerprint: string) {
  return db.updateTable('encryption_keys').set({ retired_at: null }).where('fingerprint', '=', fingerprint).execute();
}
