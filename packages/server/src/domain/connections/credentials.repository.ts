import type { Db, DialectName } from '../database.ts';
import { lockForUpdate } from '../../platform/db/store.ts';
import type { CredentialConfigTable, CredentialTable } from './credentials.table.ts';

/** Every column but the encrypted secrets, which only the code that uses a token reads. */
const PUBLIC_COLUMNS = [
  'id', 'project_id', 'user_id', 'integration_id', 'status', 'provider_id', 'provider_data', 'external_id',
  'expires_at', 'refresh_failure_count', 'refreshed_at', 'created_at', 'updated_at',
] as const;

export type CredentialRow = Omit<CredentialTable, 'secrets'>;

export function insertCredential(db: Db, row: CredentialTable) {
  return db.insertInto('credentials').values(row).execute();
}

export function insertConfig(db: Db, row: CredentialConfigTable) {
  return db.insertInto('credential_configs').values(row).execute();
}

export function listCredentialsOfUser(db: Db, userId: string): Promise<CredentialRow[]> {
  return db.selectFrom('credentials').select(PUBLIC_COLUMNS).where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

export function listConfigsOfUser(db: Db, userId: string) {
  return db.selectFrom('credential_configs').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

export function findSecrets(db: Db, credentialId: string) {
  return db.selectFrom('credentials').select('secrets').where('id', '=', credentialId).executeTakeFirst();
}

export function deleteCredentials(db: Db, userId: string, ids: readonly string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.deleteFrom('credentials').where('user_id', '=', userId).where('id', 'in', ids).execute();
}

export function updateSharedSettings(db: Db, configId: string, sharedSettings: string, at: string) {
  return db.updateTable('credential_configs').set({ shared_settings: sharedSettings, updated_at: at }).where('id', '=', configId).execute();
}

export function touchCredential(db: Db, credentialId: string, at: string) {
  return db.updateTable('credentials').set({ updated_at: at }).where('id', '=', credentialId).execute();
}

/**
 * Locks a credential, then one of its configurations, until the transaction ends: the order an
 * uninstall takes them in (credential row, then its configurations by cascade), so the two wait
 * for each other instead of deadlocking. SQLite transactions are serial; there it only re-reads.
 * Undefined when either was deleted meanwhile.
 */
export async function lockCredentialConfig(trx: Db, dialect: DialectName, credentialId: string, configId: string) {
  const credential = await lockForUpdate(dialect, trx.selectFrom('credentials').select('id').where('id', '=', credentialId)).executeTakeFirst();
  if (!credential) return undefined;
  return lockForUpdate(dialect, trx.selectFrom('credential_configs').select('id').where('id', '=', configId).where('credential_id', '=', credentialId)).executeTakeFirst();
}

export function newestSecrets(db: Db) {
  return db.selectFrom('credentials').select(['id', 'secrets']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** A page of sealed secrets in id order, after `afterId`. */
export function pageOfSecrets(db: Db, afterId: string, limit: number) {
  return db.selectFrom('credentials').select(['id', 'secrets']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** Replaces a sealed value unless the row changed since it was read; the number of rows updated. */
export async function replaceSecrets(db: Db, id: string, expected: string, sealed: string): Promise<number> {
  const result = await db.updateTable('credentials').set({ secrets: sealed }).where('id', '=', id).where('secrets', '=', expected).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A credential of the user for the integration, locked until the transaction ends (PostgreSQL), with its sealed secrets. */
export function findCredentialForUpdate(trx: Db, dialect: DialectName, userId: string, integrationId: string, credentialId: string) {
  const query = trx.selectFrom('credentials').select(['id', 'status', 'secrets', 'provider_data'])
    .where('id', '=', credentialId).where('user_id', '=', userId).where('integration_id', '=', integrationId);
  return lockForUpdate(dialect, query).executeTakeFirst();
}

export interface AccountChange {
  status: CredentialTable['status'];
  secrets: string;
  provider_id: string | null;
  provider_data: string;
  expires_at: string | null;
  refreshed_at: string | null;
  refresh_failure_count: number;
  updated_at: string;
}

/** Replaces the connected account of a credential, keeping its id, configurations and workflow states. */
export function replaceAccount(db: Db, credentialId: string, change: AccountChange) {
  return db.updateTable('credentials').set(change).where('id', '=', credentialId).execute();
}

/** The integrations the user has at least one credential of. */
export async function connectedIntegrationIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('credentials').select('integration_id').distinct().where('user_id', '=', userId).execute();
  return rows.map((row) => row.integration_id);
}
