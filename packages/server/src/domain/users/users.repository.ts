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

export function updateUserMeta(db: Db, id: string, meta: string, at: string, search: { search_name: string | null; search_email: string | null }) {
  return db.updateTable('connected_users').set({ meta, updated_at: at, last_active_at: at, ...search }).where('id', '=', id).execute();
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
