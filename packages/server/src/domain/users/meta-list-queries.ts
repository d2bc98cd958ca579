import { sql, type Selectable } from 'kysely';
import { afterPosition, metaListTable, type Reads } from './user-search-query.ts';
import type { ConnectedUserTable } from './users.table.ts';
import { usersAs } from './users.repository.ts';

/**
 * The statements behind searches answered from kept metadata lists (decision 49): a list's ids as
 * one text, a list walked in creation order without probing other lists, and the users changed
 * since a list was read, checked in the database.
 */

/** A Portico user id: a lowercase UUID (ids imported from elsewhere may not be). */
const UUID_SHAPE = sql`l.user_id like '________-____-____-____-____________' and l.user_id = lower(l.user_id)`;

/**
 * The user ids of `key` = `value`, ascending, as one text (decision 49): each lowercase UUID without
 * its dashes, and how many are not such a UUID (a list holding one is not kept). One row instead of
 * up to a million, so that reading `plan=pro` is one value to hand over, not 333,333 rows.
 * Undefined when the list is longer than `limit`, or holds an id that is not a UUID; with
 * `uuidsOnly` such ids are left out instead (a search's candidates: none of them is in a kept list).
 */
export async function metaListIdsText(store: Reads, projectId: string, key: string, value: string, limit: number, uuidsOnly = false): Promise<{ count: number; hex: string } | undefined> {
  const list = sql`select m0.user_id from ${sql.raw(store.dialect === 'sqlite' ? 'user_meta_values as m0 indexed by user_meta_values_lookup' : 'user_meta_values as m0')}
    where m0.project_id = ${projectId} and m0.key = ${key} and m0.value = ${value} order by m0.user_id limit ${limit + 1}`;
  const uuid = sql`case when ${UUID_SHAPE} then replace(l.user_id, '-', '') end`;
  const concat = store.dialect === 'sqlite' ? sql`group_concat(${uuid}, '')` : sql`string_agg(${uuid}, '')`;
  const [row] = await store.readAside(sql<{ n: number | string; odd: number | string | null; hex: string | null }>`select count(*) as n,
    sum(case when ${UUID_SHAPE} then 0 else 1 end) as odd, ${concat} as hex from (${list}) as l`.compile(store.db));
  const total = Number(row?.n ?? 0);
  const odd = Number(row?.odd ?? 0);
  if (total > limit || (odd > 0 && !uuidsOnly)) return undefined;
  const count = total - odd;
  return { count, hex: row?.hex ?? '' };
}

/** Portico's ids of the project's users with these external ids (`sub`); users since erased are not among them. */
export async function userIdsOfSubs(store: Reads, projectId: string, subs: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let at = 0; at < subs.length; at += 500) {
    const rows = await store.readAside(store.db.selectFrom('connected_users').select('id')
      .where('project_id', '=', projectId).where('external_id', 'in', subs.slice(at, at + 500)).compile());
    for (const row of rows) ids.push(row.id);
  }
  return ids;
}

/** Which of `userIds` have every one of `values` (distinct keys) in their metadata, read now. */
export async function usersWithMetaValues(store: Reads, projectId: string, userIds: readonly string[], values: ReadonlyArray<readonly [string, string]>): Promise<Set<string>> {
  const matching = new Set<string>();
  for (let at = 0; at < userIds.length; at += 500) {
    const rows = await store.readAside(store.db.selectFrom('user_meta_values as mv').select('mv.user_id')
      .where('mv.project_id', '=', projectId).where('mv.user_id', 'in', userIds.slice(at, at + 500))
      .where((eb) => eb.or(values.map(([key, value]) => eb.and([eb('mv.key', '=', key), eb('mv.value', '=', value)]))))
      .groupBy('mv.user_id').having((eb) => eb.fn.countAll(), '=', values.length).compile());
    for (const row of rows) matching.add(row.user_id);
  }
  return matching;
}

/** A position in a list walked in creation order: the last entry read. */
export interface ListPosition {
  v: string | null;
  id: string;
}

/**
 * `limit` entries of the list of `key` = `value` in creation order (then user id), after `after`:
 * the list's own index and nothing else (no user row, no other list).
 */
export async function walkMetaList(store: Reads, projectId: string, key: string, value: string, descending: boolean, after: ListPosition | undefined, limit: number): Promise<Array<{ user_id: string; created_at: unknown }>> {
  const direction = descending ? 'desc' : 'asc';
  let query = store.db.selectFrom(metaListTable(store.dialect, 'created')).select(['m0.user_id', 'm0.created_at'])
    .where('m0.project_id', '=', projectId).where('m0.key', '=', key).where('m0.value', '=', value);
  if (after) query = query.where(afterPosition('m0.created_at', 'm0.user_id', descending, after));
  return store.readAside(query.orderBy('m0.created_at', direction).orderBy('m0.user_id', direction).limit(limit).compile());
}

/**
 * The project's user rows of these ids, in the order given (an id since erased is left out). On
 * PostgreSQL without their activity times (`last_active_at` undefined), which the caller reads
 * beside them.
 */
export async function userRowsInOrder(store: Reads, projectId: string, ids: readonly string[]): Promise<Array<Selectable<ConnectedUserTable>>> {
  if (ids.length === 0) return [];
  const rows = await store.readAside(store.db.selectFrom(usersAs(store.dialect, false)).selectAll('u').where('u.project_id', '=', projectId).where('u.id', 'in', ids).compile());
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
