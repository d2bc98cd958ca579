import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Database, DialectName } from '../database.ts';
import { searchText } from './search-keys.ts';
import type { ConnectedUserTable } from './users.table.ts';
import type { UserSearch } from './user-search.ts';

export const SORT_COLUMNS = { created: 'created_at', lastActive: 'last_active_at', name: 'search_name' } as const;
export type SortColumn = (typeof SORT_COLUMNS)[keyof typeof SORT_COLUMNS];

/**
 * Where a search starts (decision 35): the users index of its email or sort order, or the
 * `user_meta_values` list of one `meta.KEY=VALUE` (the shortest), walked in creation order
 * (index `user_meta_values_sorted`) when the search is sorted by creation, so a page stops after
 * `limit` matches. Every other filter is checked per candidate through an index.
 */
export type Driver = { kind: 'users' } | { kind: 'meta'; key: string; value: string };

type UserExpressions = ExpressionBuilder<Database & { u: ConnectedUserTable }, 'u'>;

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const prefixUpperBound = (prefix: string) => `${prefix}\u{10FFFF}`;

/**
 * The `meta.KEY=VALUE` filters but the driver's own, each an index probe for the candidate `idRef`
 * (the driver list's `m0.user_id`, so a candidate is dropped before its user row is read).
 */
function metaProbes(eb: UserExpressions, projectId: string, search: UserSearch, driver: Driver, idRef: 'u.id' | 'm0.user_id'): Array<Expression<SqlBool>> {
  const where: Array<Expression<SqlBool>> = [];
  let driverSkipped = false;
  for (const [key, value] of search.meta) {
    if (driver.kind === 'meta' && !driverSkipped && key === driver.key && value === driver.value) {
      driverSkipped = true;
      continue;
    }
    where.push(eb.exists(eb.selectFrom('user_meta_values as mv').select('mv.user_id')
      .where('mv.project_id', '=', projectId).where('mv.key', '=', key).where('mv.value', '=', value).whereRef('mv.user_id', '=', idRef as 'u.id')));
  }
  return where;
}

/** The conditions on a candidate's user row `u`: every filter but the metadata ones. */
function rowConditions(eb: UserExpressions, projectId: string, search: UserSearch, column: SortColumn): Array<Expression<SqlBool>> {
  const where: Array<Expression<SqlBool>> = [];
  if (search.email !== undefined) where.push(eb('u.search_email', '=', searchText(search.email.trim())));
  if (search.name !== undefined) {
    const prefix = searchText(search.name.trim());
    where.push(eb('u.search_name', '>=', prefix), eb('u.search_name', '<', prefixUpperBound(prefix)));
  }
  if (search.q !== undefined && search.q.trim() !== '') {
    const text = searchText(search.q.trim());
    where.push(eb.or([
      eb('u.search_name', 'like', sql<string>`${likePattern(text)} escape '\\'`),
      eb('u.search_email', 'like', sql<string>`${likePattern(text)} escape '\\'`),
      eb('u.external_id', 'like', sql<string>`${likePattern(search.q.trim())} escape '\\'`),
    ]));
  }
  if (search.status !== undefined) {
    const status = search.status === 'account_errors' ? 'INVALID' : 'VALID';
    where.push(eb('u.id', 'in', eb.selectFrom('credentials').select('user_id').where('project_id', '=', projectId).where('status', '=', status)));
  }
  if (search.integrationId !== undefined) {
    const integrationId = search.integrationId;
    where.push(eb.exists(eb.selectFrom('credentials as c').select('c.id').whereRef('c.user_id', '=', 'u.id').where('c.integration_id', '=', integrationId)));
  }
  if (search.active !== undefined) where.push(eb('u.disabled_at', search.active ? 'is' : 'is not', null));
  if (search.createdAfter !== undefined) where.push(eb('u.created_at', '>', search.createdAfter));
  if (search.createdBefore !== undefined) where.push(eb('u.created_at', '<', search.createdBefore));
  if (search.activeAfter !== undefined) where.push(eb('u.last_active_at', '>', search.activeAfter));
  // Sorting by name lists users without one after those with one.
  if (column === 'search_name') where.push(eb('u.search_name', 'is not', null));
  return where;
}

/** Whether any filter needs the candidate's user row (beyond the metadata lists). */
function readsUserRow(search: UserSearch, column: SortColumn): boolean {
  return search.email !== undefined || search.name !== undefined || (search.q !== undefined && search.q.trim() !== '') || search.status !== undefined
    || search.integrationId !== undefined || search.active !== undefined || search.createdAfter !== undefined || search.createdBefore !== undefined
    || search.activeAfter !== undefined || column === 'search_name';
}

/** The driver's metadata list, every other metadata filter probed on it. */
function metaList(db: Kysely<Database>, projectId: string, search: UserSearch, driver: Extract<Driver, { kind: 'meta' }>) {
  return db.selectFrom('user_meta_values as m0')
    .where('m0.project_id', '=', projectId).where('m0.key', '=', driver.key).where('m0.value', '=', driver.value)
    .where((eb) => eb.and(metaProbes(eb as unknown as UserExpressions, projectId, search, driver, 'm0.user_id')));
}

/** The driver's candidates joined to their user rows; `cross join`: SQLite keeps the list as the outer loop, PostgreSQL plans it as a join. */
function metaCandidates(db: Kysely<Database>, projectId: string, search: UserSearch, column: SortColumn, driver: Extract<Driver, { kind: 'meta' }>) {
  return metaList(db, projectId, search, driver).crossJoin('connected_users as u').whereRef('u.id', '=', 'm0.user_id')
    .where((eb) => eb.and(rowConditions(eb as unknown as UserExpressions, projectId, search, column)));
}

function usersMatching(db: Kysely<Database>, projectId: string, search: UserSearch, column: SortColumn, driver: Driver) {
  return db.selectFrom('connected_users as u').where('u.project_id', '=', projectId)
    .where((eb) => eb.and([...rowConditions(eb, projectId, search, column), ...metaProbes(eb, projectId, search, driver, 'u.id')]));
}

export interface Ordering {
  column: SortColumn;
  descending: boolean;
  cursor?: { v: string | null; id: string } | undefined;
}

/**
 * The page query: the project's users matching every filter, in the sort order then by id, from
 * the cursor on, `limit` rows. With a metadata driver sorted by creation the order (and cursor)
 * is the list's own (`created_at`, `user_id`), which is the users' (`created_at`, `id`).
 */
function pageQuery(db: Kysely<Database>, projectId: string, search: UserSearch, ordering: Ordering, driver: Driver, limit: number) {
  const { column, descending, cursor } = ordering;
  const direction = descending ? 'desc' : 'asc';
  const op = descending ? '<' : '>';
  if (driver.kind === 'users') {
    let query = usersMatching(db, projectId, search, column, driver).selectAll('u');
    if (cursor) {
      query = query.where((eb) => eb.or([
        eb(`u.${column}`, op, cursor.v as never),
        eb.and([eb(`u.${column}`, '=', cursor.v as never), eb('u.id', op, cursor.id)]),
      ]));
    }
    return query.orderBy(`u.${column}`, direction).orderBy('u.id', direction).limit(limit);
  }
  let query = metaCandidates(db, projectId, search, column, driver).selectAll('u');
  if (column === 'created_at') {
    if (cursor) {
      query = query.where((eb) => eb.or([
        eb('m0.created_at', op, cursor.v as never),
        eb.and([eb('m0.created_at', '=', cursor.v as never), eb('m0.user_id', op, cursor.id)]),
      ]));
    }
    return query.orderBy('m0.created_at', direction).orderBy('m0.user_id', direction).limit(limit);
  }
  if (cursor) {
    query = query.where((eb) => eb.or([
      eb(`u.${column}`, op, cursor.v as never),
      eb.and([eb(`u.${column}`, '=', cursor.v as never), eb('u.id', op, cursor.id)]),
    ]));
  }
  return query.orderBy(`u.${column}`, direction).orderBy('u.id', direction).limit(limit);
}

/** How many users match, counting at most `limit`: the driver's list, each candidate checked (its user row only when a filter needs it). */
export async function countUpTo(db: Kysely<Database>, projectId: string, search: UserSearch, column: SortColumn, driver: Driver, limit: number): Promise<number> {
  const matching = driver.kind === 'users'
    ? usersMatching(db, projectId, search, column, driver).select(sql`1`.as('one'))
    : readsUserRow(search, column)
      ? metaCandidates(db, projectId, search, column, driver).select(sql`1`.as('one'))
      : metaList(db, projectId, search, driver).select(sql`1`.as('one'));
  const row = await db.selectFrom(matching.limit(limit).as('m')).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** PostgreSQL's estimate of the matches (for a total above the exact limit). */
export async function plannerEstimate(db: Kysely<Database>, projectId: string, search: UserSearch, column: SortColumn): Promise<number> {
  const matching = usersMatching(db, projectId, search, column, { kind: 'users' }).select(sql`1`.as('one'));
  const explained = await sql<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>`explain (format json) ${matching}`.execute(db);
  return Math.round(explained.rows[0]!['QUERY PLAN'][0]!.Plan['Plan Rows']);
}

/** Users with `key` = `value` in their metadata, counting at most `limit`. */
export async function metaListLength(db: Kysely<Database>, projectId: string, key: string, value: string, limit: number): Promise<number> {
  const list = db.selectFrom('user_meta_values').select('user_id').where('project_id', '=', projectId).where('key', '=', key).where('value', '=', value).limit(limit);
  const row = await db.selectFrom(list.as('m')).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Runs the page query. On PostgreSQL a metadata list walked in order is read without parallel
 * workers: the walk stops after a page of matches (a few hundred index entries), and starting a
 * worker for it costs more (25 ms instead of 9 ms at 1,000,000 users on two cores).
 */
export async function readPage(db: Kysely<Database>, dialect: DialectName, projectId: string, search: UserSearch, ordering: Ordering, driver: Driver, limit: number) {
  if (dialect !== 'postgres' || driver.kind !== 'meta') return pageQuery(db, projectId, search, ordering, driver, limit).execute();
  return db.transaction().execute(async (trx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return pageQuery(trx, projectId, search, ordering, driver, limit).execute();
  });
}
