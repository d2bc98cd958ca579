import type { Db, DialectName } from '../database.ts';
import { lockForUpdate } from '../../platform/db/store.ts';
import type { ConnectedUserTable } from './users.table.ts';

export function findUser(db: Db, projectId: string, externalId: string) {
  return db
    .selectFrom('connected_users')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
}

export function findUserForUpdate(db: Db, dialect: DialectName, projectId: string, externalId: string) {
  const query = db.selectFrom('connected_users').selectAll().where('project_id', '=', projectId).where('external_id', '=', externalId);
  return lockForUpdate(dialect, query).executeTakeFirst();
}

/** Inserts the user unless another request just did; the caller reads the row back. */
/** Inserts the user unless they exist; true when this call created them. */
export async function insertUserIfMissing(db: Db, row: ConnectedUserTable): Promise<boolean> {
  const result = await db
    .insertInto('connected_users')
    .values(row)
    .onConflict((oc) => oc.columns(['project_id', 'external_id']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export function updateUserMeta(db: Db, id: string, meta: string, secretMeta: string | null, at: string, search: { search_name: string | null; search_email: string | null }) {
  return db.updateTable('connected_users').set({ meta, secret_meta: secretMeta, updated_at: at, last_active_at: at, ...search }).where('id', '=', id).execute();
}

/** A change of how metadata is stored (a key made secret or public), not of the metadata: timestamps stay. */
export function restoreUserMeta(db: Db, id: string, meta: string, secretMeta: string | null, search: { search_name: string | null; search_email: string | null }) {
  return db.updateTable('connected_users').set({ meta, secret_meta: secretMeta, ...search }).where('id', '=', id).execute();
}

/** A page of the project's users by id, locked (PostgreSQL) for a rewrite. */
export function pageOfUsersForUpdate(db: Db, dialect: DialectName, projectId: string, afterId: string, limit: number) {
  const query = db.selectFrom('connected_users').selectAll().where('project_id', '=', projectId).where('id', '>', afterId).orderBy('id').limit(limit);
  return lockForUpdate(dialect, query).execute();
}

/** Brings a user's `user_meta_values` from `before` to `after` (key → indexed value), touching only what changed. */
export async function updateMetaValues(db: Db, user: { id: string; project_id: string; created_at: string }, before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): Promise<void> {
  const gone = [...before.keys()].filter((key) => after.get(key) !== before.get(key));
  const added = [...after].filter(([key, value]) => before.get(key) !== value);
  if (gone.length > 0) await db.deleteFrom('user_meta_values').where('user_id', '=', user.id).where('key', 'in', gone).execute();
  if (added.length === 0) return;
  const rows = added.map(([key, value]) => ({ user_id: user.id, project_id: user.project_id, key, value, created_at: user.created_at }));
  await db.insertInto('user_meta_values').values(rows).execute();
}

export function touchUser(db: Db, id: string, at: string) {
  return db.updateTable('connected_users').set({ last_active_at: at }).where('id', '=', id).execute();
}

export function findUserById(db: Db, id: string) {
  return db.selectFrom('connected_users').selectAll().where('id', '=', id).executeTakeFirst();
}

export function setDisabledAt(db: Db, id: string, disabledAt: string | null, at: string) {
  return db.updateTable('connected_users').set({ disabled_at: disabledAt, updated_at: at }).where('id', '=', id).execute();
}

/** Erasure: the user's row and the search keys of their metadata. */
export async function deleteUser(db: Db, id: string): Promise<void> {
  await db.deleteFrom('user_meta_values').where('user_id', '=', id).execute();
  await db.deleteFrom('connected_users').where('id', '=', id).execute();
}

/** Users with sealed secret metadata, by id, for `portico secrets reseal`. */
export function pageOfSecretMeta(db: Db, afterId: string, limit: number) {
  return db.selectFrom('connected_users').select(['id', 'secret_meta']).where('secret_meta', 'is not', null).where('id', '>', afterId).orderBy('id').limit(limit).execute();
}

/** Replaces the sealed secret metadata unless it changed since it was read; the number of rows updated. */
export async function replaceSecretMeta(db: Db, id: string, expected: string, sealed: string): Promise<number> {
  const result = await db.updateTable('connected_users').set({ secret_meta: sealed }).where('id', '=', id).where('secret_meta', '=', expected).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Internal ids of the project's users whose normalized `meta.Email` is `searchEmail` (index of migration 0031). */
export async function userIdsWithSearchEmail(db: Db, projectId: string, searchEmail: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('connected_users').select('id').where('project_id', '=', projectId).where('search_email', '=', searchEmail).limit(limit).execute();
  return rows.map((row) => row.id);
}
