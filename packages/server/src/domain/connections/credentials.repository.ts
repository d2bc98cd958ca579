import type { RawBuilder } from 'kysely';
import type { Db, DialectName } from '../database.ts';
import { isoTextOf, jsonTextOf, rowsAsJson } from '../../platform/db/rows-json.ts';
import { lockForUpdate } from '../../platform/db/store.ts';
import type { CredentialConfigTable, CredentialTable } from './credentials.table.ts';

/** Every column but the encrypted secrets, which only the code that uses a token reads. */
const PUBLIC_COLUMNS = [
  'id', 'project_id', 'user_id', 'integration_id', 'status', 'provider_id', 'provider_data', 'external_id',
  'expires_at', 'refresh_failure_count', 'refreshed_at', 'status_reason', 'status_changed_at', 'token_issued_at',
  'created_at', 'updated_at',
] as const;

export type CredentialRow = Omit<CredentialTable, 'secrets'>;

/**
 * The user's credentials (public columns, oldest first) and their configurations, each a JSON
 * array of rows shaped like {@link listCredentialsOfUser}'s and {@link listConfigsOfUser}'s, for
 * the column `userIdRef` of an outer query (see `connectionsJson`).
 */
export function credentialsJson(dialect: DialectName, userIdRef: string): { credentials: RawBuilder<string>; configs: RawBuilder<string> } {
  const iso = (column: string) => isoTextOf(dialect, column);
  const credentials = rowsAsJson(dialect, {
    table: 'credentials',
    alias: 'cr',
    fields: {
      id: 'id', project_id: 'project_id', user_id: 'user_id', integration_id: 'integration_id', status: 'status', provider_id: 'provider_id',
      provider_data: jsonTextOf(dialect, 'cr.provider_data'), external_id: 'external_id', expires_at: iso('cr.expires_at'),
      refresh_failure_count: 'refresh_failure_count', refreshed_at: iso('cr.refreshed_at'), status_reason: 'status_reason',
      status_changed_at: iso('cr.status_changed_at'), token_issued_at: iso('cr.token_issued_at'),
      created_at: iso('cr.created_at'), updated_at: iso('cr.updated_at'),
    },
    where: { column: 'user_id', equalsRef: userIdRef },
    orderBy: ['created_at', 'id'],
  });
  const configs = rowsAsJson(dialect, {
    table: 'credential_configs',
    alias: 'cc',
    fields: {
      id: 'id', credential_id: 'credential_id', user_id: 'user_id', is_default: 'is_default', external_id: 'external_id',
      shared_settings: jsonTextOf(dialect, 'cc.shared_settings'), config_meta: jsonTextOf(dialect, 'cc.config_meta'),
      created_at: iso('cc.created_at'), updated_at: iso('cc.updated_at'),
    },
    where: { column: 'user_id', equalsRef: userIdRef },
    orderBy: ['created_at', 'id'],
  });
  return { credentials, configs };
}

/** A new credential row; the health columns start empty unless given. */
export type NewCredentialRow = Omit<CredentialTable, 'status_reason' | 'status_changed_at' | 'token_issued_at'>
  & Partial<Pick<CredentialTable, 'status_reason' | 'status_changed_at' | 'token_issued_at'>>;

export function insertCredential(db: Db, row: NewCredentialRow) {
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

/** The credentials of several users in one query, each user's oldest first (as listCredentialsOfUser). */
export function listCredentialsOfUsers(db: Db, userIds: readonly string[]): Promise<CredentialRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('credentials').select(PUBLIC_COLUMNS).where('user_id', 'in', userIds).orderBy('created_at').orderBy('id').execute();
}

/** The credential configurations of several users in one query, each user's oldest first (as listConfigsOfUser). */
export function listConfigsOfUsers(db: Db, userIds: readonly string[]) {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('credential_configs').selectAll().where('user_id', 'in', userIds).orderBy('created_at').orderBy('id').execute();
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
  secrets: string;
  provider_id: string | null;
  provider_data: string;
  expires_at: string | null;
  refreshed_at: string | null;
  token_issued_at: string | null;
  refresh_failure_count: number;
  updated_at: string;
}

/** Replaces the connected account of a credential, keeping its id, configurations and workflow states (its status changes through transitionCredential). */
export function replaceAccount(db: Db, credentialId: string, change: AccountChange) {
  return db.updateTable('credentials').set(change).where('id', '=', credentialId).execute();
}

/** The integrations the user has at least one credential of. */
export async function connectedIntegrationIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('credentials').select('integration_id').distinct().where('user_id', '=', userId).execute();
  return rows.map((row) => row.integration_id);
}

/** What the refresher and `usableSecrets` read of a credential: its row with the sealed secrets, and its owner's external id (the `sub` events carry). */
export interface CredentialState {
  id: string;
  project_id: string;
  integration_id: string;
  status: CredentialTable['status'];
  status_reason: string | null;
  secrets: string;
  expires_at: string | null;
  token_issued_at: string | null;
  refreshed_at: string | null;
  refresh_failure_count: number;
  provider_data: string;
  created_at: string;
  /** connected_users.external_id of the owner. */
  user_sub: string;
}

function credentialStateQuery(db: Db, credentialId: string) {
  // The owner's external id comes along: events name users by it (joined here rather than asking the users room, which depends on this one).
  return db.selectFrom('credentials')
    .innerJoin('connected_users', 'connected_users.id', 'credentials.user_id')
    .select([
      'credentials.id', 'credentials.project_id', 'credentials.integration_id', 'credentials.status', 'credentials.status_reason', 'credentials.secrets',
      'credentials.expires_at', 'credentials.token_issued_at', 'credentials.refreshed_at', 'credentials.refresh_failure_count',
      'credentials.provider_data', 'credentials.created_at', 'connected_users.external_id as user_sub',
    ])
    .where('credentials.id', '=', credentialId);
}

export function findCredentialState(db: Db, credentialId: string): Promise<CredentialState | undefined> {
  return credentialStateQuery(db, credentialId).executeTakeFirst();
}

/** `findCredentialState`, the credential row locked until the transaction ends (PostgreSQL; SQLite transactions are serial). */
export function lockCredentialState(trx: Db, dialect: DialectName, credentialId: string): Promise<CredentialState | undefined> {
  const query = credentialStateQuery(trx, credentialId);
  return (dialect === 'postgres' ? query.forUpdate('credentials') : query).executeTakeFirst();
}

export interface TokenChange {
  secrets: string;
  expires_at: string | null;
  token_issued_at: string;
  refreshed_at: string;
  updated_at: string;
}

/** Stores renewed tokens (the failure count starts over). */
export function storeRefreshedTokens(db: Db, credentialId: string, change: TokenChange) {
  return db.updateTable('credentials').set({ ...change, refresh_failure_count: 0 }).where('id', '=', credentialId).execute();
}

/** Counts a failed refresh; the new count. */
export async function countRefreshFailure(db: Db, credentialId: string, at: string): Promise<number> {
  await db.updateTable('credentials')
    .set((eb) => ({ refresh_failure_count: eb('refresh_failure_count', '+', 1), updated_at: at }))
    .where('id', '=', credentialId).execute();
  const row = await db.selectFrom('credentials').select('refresh_failure_count').where('id', '=', credentialId).executeTakeFirst();
  return row?.refresh_failure_count ?? 0;
}

export interface StatusChange {
  status: CredentialTable['status'];
  status_reason: string | null;
  status_changed_at: string;
  refresh_failure_count?: number;
  updated_at: string;
}

export function setCredentialStatus(db: Db, credentialId: string, change: StatusChange) {
  return db.updateTable('credentials').set(change).where('id', '=', credentialId).execute();
}

/** VALID credentials whose access token expires before `before` (or has expired), soonest first. */
export function listExpiringCredentials(db: Db, before: string, limit: number) {
  return db.selectFrom('credentials')
    .select(['id', 'expires_at', 'token_issued_at', 'refreshed_at', 'created_at'])
    .where('status', '=', 'VALID').where('expires_at', 'is not', null).where('expires_at', '<=', before)
    .orderBy('expires_at').limit(limit).execute();
}

/** Erasure: the user's credentials with their sealed secrets, to schedule revocations with. */
export function listSealedCredentialsOfUser(db: Db, userId: string) {
  return db.selectFrom('credentials').select(['id', 'integration_id', 'provider_data', 'secrets']).where('user_id', '=', userId).execute();
}

/** Erasure: the user's configurations, OAuth flows and credentials; how many credentials went. */
export async function deleteConnectionsOfUser(db: Db, userId: string): Promise<number> {
  await db.deleteFrom('credential_configs').where('user_id', '=', userId).execute();
  await db.deleteFrom('oauth_flows').where('user_id', '=', userId).execute();
  const deleted = await db.deleteFrom('credentials').where('user_id', '=', userId).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}
