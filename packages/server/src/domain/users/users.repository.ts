import { CompiledQuery, sql, type RawBuilder } from 'kysely';
import type { AppStore, Db, DialectName } from '../database.ts';
import { dialectOf, lockForUpdate } from '../../platform/db/store.ts';
import { TurnBatch } from '../../platform/db/turn-batch.ts';
import type { ConnectedUserTable } from './users.table.ts';

/**
 * The user rows as reads see them, `last_active_at` included, as the FROM item `u`: on PostgreSQL
 * the time lives in `user_activity` (migration 0063, decision 54) and is joined here (PostgreSQL
 * flattens the subquery into a join, so filters and orders on `u` use either table's indexes);
 * on SQLite it is a column of the row.
 */
export function usersAs(dialect: DialectName, withActivity = true): 'connected_users as u' {
  // Without it (a count that does not filter on it), PostgreSQL's rows as they are, without the join.
  if (dialect !== 'postgres' || !withActivity) return 'connected_users as u';
  // A raw FROM item; typed as the table whose columns it has.
  return sql`(select cu.*, ua.last_active_at from connected_users as cu
    join user_activity as ua on ua.user_id = cu.id and ua.project_id = cu.project_id) as u` as unknown as 'connected_users as u';
}

export function findUser(db: Db, projectId: string, externalId: string) {
  return db
    .selectFrom(usersAs(dialectOf(db)))
    .selectAll('u')
    .where('u.project_id', '=', projectId)
    .where('u.external_id', '=', externalId)
    .executeTakeFirst();
}

/** Extra columns computed from the user's row id (`u.id`), each a JSON text: the connections' rows. */
export type UserJsonColumns = Readonly<Record<'credentials' | 'configs' | 'states', RawBuilder<string>>>;

export type UserRowWithJson = ConnectedUserTable & { json_credentials: string; json_configs: string; json_states: string };

const withJsonQueries = new WeakMap<Db, CompiledQuery<UserRowWithJson>>();
/** Per database handle and project: the users of that project asked for in the current turn. */
const withJsonBatches = new WeakMap<Db, Map<string, TurnBatch<string, UserRowWithJson>>>();

/**
 * The user's row and, in the same statement, the `columns` computed from it (what they have
 * connected), so a user not in any cache costs one statement (on PostgreSQL planned once) instead
 * of four. The SQL is compiled once per database handle; only the project and the user ids change.
 * On PostgreSQL the users asked for in one turn of the event loop (concurrent requests) are read by
 * one statement (`external_id = any($2)`, decision 48): each statement is a write to and a read
 * from PostgreSQL's socket, and on this loopback those system calls, not the query, were most of
 * the server's time. SQLite reads in process, one user at a time.
 */
export async function findUserWithJson(store: AppStore, projectId: string, externalId: string, columns: () => UserJsonColumns): Promise<UserRowWithJson | undefined> {
  if (store.dialect !== 'postgres') return (await readUsersWithJson(store, projectId, [externalId], columns))[0];
  let byProject = withJsonBatches.get(store.db);
  if (!byProject) withJsonBatches.set(store.db, (byProject = new Map()));
  let batch = byProject.get(projectId);
  if (!batch) {
    batch = new TurnBatch<string, UserRowWithJson>(
      async (ids) => new Map((await readUsersWithJson(store, projectId, ids, columns)).map((row) => [row.external_id, row])),
      (row) => ({ ...row }),
    );
    byProject.set(projectId, batch);
  }
  return batch.load(externalId);
}

async function readUsersWithJson(store: AppStore, projectId: string, externalIds: readonly string[], columns: () => UserJsonColumns): Promise<UserRowWithJson[]> {
  const db = store.db;
  const many = store.dialect === 'postgres';
  let compiled = withJsonQueries.get(db);
  if (!compiled) {
    const extra = columns();
    const query = db
      .selectFrom(usersAs(store.dialect))
      .selectAll('u')
      .select([extra.credentials.as('json_credentials'), extra.configs.as('json_configs'), extra.states.as('json_states')])
      .where('u.project_id', '=', projectId)
      .where('u.external_id', '=', many ? sql<string>`any(${[...externalIds]}::text[])` : externalIds[0]!)
      .compile();
    if (query.parameters.length !== 2) throw new Error(`findUserWithJson: expected 2 parameters, the SQL has ${query.parameters.length}`);
    compiled = CompiledQuery.raw(query.sql, []) as CompiledQuery<UserRowWithJson>;
    withJsonQueries.set(db, compiled);
  }
  const name = many ? 'portico_users_with_connections' : 'portico_user_with_connections';
  return store.hotRead<UserRowWithJson>(name, { ...compiled, parameters: [projectId, many ? [...externalIds] : externalIds[0]] });
}

/** The user's row locked for a change (PostgreSQL: their activity row too, which the change may write). */
export function findUserForUpdate(db: Db, dialect: DialectName, projectId: string, externalId: string) {
  const query = db.selectFrom(usersAs(dialect)).selectAll('u').where('u.project_id', '=', projectId).where('u.external_id', '=', externalId);
  return lockForUpdate(dialect, query).executeTakeFirst();
}

/** Inserts the user unless they exist; true when this call created them. On PostgreSQL a trigger gives them their activity row. */
export async function insertUserIfMissing(db: Db, row: ConnectedUserTable): Promise<boolean> {
  const dialect = dialectOf(db);
  const { last_active_at: lastActiveAt, ...userRow } = row;
  const result = await db
    .insertInto('connected_users')
    // PostgreSQL's user row has no activity column; its activity row comes from the trigger.
    .values((dialect === 'postgres' ? userRow : row) as ConnectedUserTable)
    .onConflict((oc) => oc.columns(['project_id', 'external_id']).doNothing())
    .executeTakeFirst();
  const created = (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  if (created && dialect === 'postgres' && lastActiveAt !== row.created_at) await setLastActive(db, row.id, lastActiveAt);
  return created;
}

export async function updateUserMeta(db: Db, id: string, meta: string, secretMeta: string | null, at: string, search: { search_name: string | null; search_email: string | null }): Promise<void> {
  if (dialectOf(db) !== 'postgres') {
    await db.updateTable('connected_users').set({ meta, secret_meta: secretMeta, updated_at: at, last_active_at: at, ...search }).where('id', '=', id).execute();
    return;
  }
  await db.updateTable('connected_users').set({ meta, secret_meta: secretMeta, updated_at: at, ...search }).where('id', '=', id).execute();
  await setLastActive(db, id, at);
}

/** Records the user active at `at` (never moving the time back). */
async function setLastActive(db: Db, id: string, at: string): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await db.updateTable('user_activity').set({ last_active_at: at }).where('user_id', '=', id).where('last_active_at', '<', at).execute();
  } else {
    await db.updateTable('connected_users').set({ last_active_at: at }).where('id', '=', id).where('last_active_at', '<', at).execute();
  }
}

/** A change of how metadata is stored (a key made secret or public), not of the metadata: timestamps stay. */
export function restoreUserMeta(db: Db, id: string, meta: string, secretMeta: string | null, search: { search_name: string | null; search_email: string | null }) {
  return db.updateTable('connected_users').set({ meta, secret_meta: secretMeta, ...search }).where('id', '=', id).execute();
}

/** A page of the project's users by id, locked (PostgreSQL) for a rewrite. */
export function pageOfUsersForUpdate(db: Db, dialect: DialectName, projectId: string, afterId: string, limit: number) {
  const query = db.selectFrom(usersAs(dialect)).selectAll('u').where('u.project_id', '=', projectId).where('u.id', '>', afterId).orderBy('u.id').limit(limit);
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

export function touchUser(db: Db, id: string, at: string): Promise<void> {
  return setLastActive(db, id, at);
}

export function findUserById(db: Db, id: string) {
  return db.selectFrom(usersAs(dialectOf(db))).selectAll('u').where('u.id', '=', id).executeTakeFirst();
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
