import { sql, type Selectable, type CompiledQuery, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { AppStore, Database, DialectName } from '../database.ts';
import { searchText } from './search-keys.ts';
import { SQLITE_TEXT_TABLE } from './migrations/0061-user-search-text.ts';
import { PG_TEXT_TABLE } from './migrations/0062-user-search-text-table.ts';
import type { ConnectedUserTable } from './users.table.ts';
import { usersAs } from './users.repository.ts';
import { dialectOf } from '../../platform/db/store.ts';
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

/**
 * How `q` is matched (decision 42): `text` is the normalized substring. On SQLite a substring of
 * three characters or more found in at most {@link TEXT_INDEX_MAX_MATCHES} users is looked up in
 * the trigram index (`index`: those users, sorted); a shorter one, or one so common that walking
 * the users in the sort order usually fills a page sooner than sorting every match, is checked per
 * user with `like`.
 * PostgreSQL always writes `like`, on the user row and on `user_search_text` (decision 45), and
 * its planner picks the `pg_trgm` indexes when they pay.
 */
export interface TextPlan {
  text: string;
  /** `ids`: PostgreSQL, the users holding the text were listed from `user_search_text` (at most {@link PG_TEXT_IDS_LIMIT}). */
  via: 'index' | 'like' | 'ids';
  /** With `ids`: Portico's ids of every user (of any project) whose name, email or id holds the text. */
  ids?: string[];
  /** SQLite and three characters or more: the trigram index can list the matches (for counting them). */
  indexed: boolean;
  /** PostgreSQL reads the text from `user_search_text` (decision 45); SQLite from the user row. */
  dialect: DialectName;
}

/** A search with its `q` planned. */
export interface PlannedSearch extends UserSearch {
  text: TextPlan | undefined;
}

/** The trigram tokenizer indexes three characters at a time. */
export const TEXT_INDEX_MIN_LENGTH = 3;
export const TEXT_INDEX_MAX_MATCHES = 20_000;
/**
 * PostgreSQL: up to this many users holding a `q` are listed by id from the trigram indexes and a
 * page is sorted from their rows; above, the sort order is walked with a check per row (a text that
 * common fills a page soon).
 */
export const PG_TEXT_IDS_LIMIT = 10_000;
/** Up to this many index matches a count walks the index (each match one user row); above, reading every user is cheaper. */
const TEXT_INDEX_COUNT_LIMIT = 100_000;

/** `q` as one FTS5 phrase: with the trigram tokenizer, a phrase matches a substring of a column. */
const ftsPhrase = (text: string) => `"${text.replace(/"/g, '""')}"`;

export function usesTextIndex(dialect: DialectName, text: string): boolean {
  return dialect === 'sqlite' && [...text].length >= TEXT_INDEX_MIN_LENGTH;
}

/** What counting needs of the store: its query builder and its reads aside (counts run off the event loop, decision 43). */
export type Reads = Pick<AppStore, 'db' | 'readAside' | 'dialect'>;

/** Runs a `select count(*) as n …` aside. */
async function countAside(store: Reads, query: { compile(): CompiledQuery<{ n: number | string }> }): Promise<number> {
  const rows = await store.readAside(query.compile());
  return Number(rows[0]?.n ?? 0);
}

/** SQLite: how many users' name, email or id hold `text`, counting at most `limit` (every project). */
function textIndexMatches(store: Reads, text: string, limit: number): Promise<number> {
  return countAside(store, {
    compile: () => sql<{ n: number }>`select count(*) as n from (select rowid from ${sql.table(SQLITE_TEXT_TABLE)} where ${sql.table(SQLITE_TEXT_TABLE)} match ${ftsPhrase(text)} limit ${limit})`.compile(store.db),
  });
}

export async function planText(store: Reads, dialect: DialectName, q: string | undefined): Promise<TextPlan | undefined> {
  if (q === undefined || q.trim() === '') return undefined;
  const text = searchText(q.trim());
  if (dialect === 'postgres' && [...text].length >= TEXT_INDEX_MIN_LENGTH) {
    const ids = await pgTextIds(store, text, PG_TEXT_IDS_LIMIT + 1);
    return ids.length <= PG_TEXT_IDS_LIMIT ? { text, via: 'ids', ids, indexed: false, dialect } : { text, via: 'like', indexed: false, dialect };
  }
  if (!usesTextIndex(dialect, text)) return { text, via: 'like', indexed: false, dialect };
  const matches = await textIndexMatches(store, text, TEXT_INDEX_MAX_MATCHES + 1);
  return { text, via: matches <= TEXT_INDEX_MAX_MATCHES ? 'index' : 'like', indexed: true, dialect };
}

/**
 * PostgreSQL: the users (of every project) whose name, email or id holds `text`, at most `limit`,
 * from `user_search_text`'s trigram indexes. Without `pg_trgm` this reads the table.
 */
async function pgTextIds(store: Reads, text: string, limit: number): Promise<string[]> {
  const pattern = sql<string>`${likePattern(text)} escape '\\'`;
  const rows = await store.readAside(sql<{ user_id: string }>`select s.user_id from ${sql.table(PG_TEXT_TABLE)} as s
    where s.search_name like ${pattern} or s.search_email like ${pattern} or s.external_id ilike ${pattern} limit ${limit}`.compile(store.db));
  return rows.map((row) => row.user_id);
}

function textCondition(eb: UserExpressions, text: TextPlan): Expression<SqlBool> {
  if (text.via === 'ids') return eb('u.id', '=', sql<string>`any(${text.ids ?? []}::text[])`);
  if (text.via === 'index') {
    return sql<SqlBool>`u.rowid in (select rowid from ${sql.table(SQLITE_TEXT_TABLE)} where ${sql.table(SQLITE_TEXT_TABLE)} match ${ftsPhrase(text.text)})`;
  }
  const pattern = sql<string>`${likePattern(text.text)} escape '\\'`;
  // The user id case-insensitively on both stores (SQLite's like folds ASCII case).
  const idOperator = text.dialect === 'postgres' ? 'ilike' : 'like';
  const onRow = eb.or([eb('u.search_name', 'like', pattern), eb('u.search_email', 'like', pattern), eb('u.external_id', idOperator, pattern)]);
  if (text.dialect === 'sqlite') return onRow;
  // PostgreSQL: the trigram indexes are on user_search_text (decision 45). The same test on the row
  // as well lets the planner pick either way and pay little for it: from the index for a rare
  // text, or walking the sort order with a cheap check per row (and a lookup only per match) for a
  // common one, where a lookup per row walked cost 3-7x more.
  return eb.and([onRow, sql<SqlBool>`u.id in (select s.user_id from ${sql.table(PG_TEXT_TABLE)} as s
    where s.search_name like ${pattern} or s.search_email like ${pattern} or s.external_id ilike ${pattern})`]);
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const prefixUpperBound = (prefix: string) => `${prefix}\u{10FFFF}`;

/**
 * How a page walk and a count test the other metadata filters. A page walks its driver in sort
 * order and stops after a page: each filter is the candidate's own value, read by the primary key
 * `(user_id, key)` — a scalar subquery, which PostgreSQL runs per candidate. As `EXISTS` PostgreSQL
 * planned it as a hash semi-join instead, reading the filter's whole list first (every `plan=pro`
 * user, a third of the project, for a page of 50: 17 ms at 100,000 users, 4 ms now). A count reads
 * the whole driver list anyway, where that join is the planner's to choose: `EXISTS`.
 */
type ProbeForm = 'walk' | 'count';

/**
 * The `meta.KEY=VALUE` filters but the driver's own, each an index probe for the candidate `idRef`
 * (the driver list's `m0.user_id`, so a candidate is dropped before its user row is read).
 */
function metaProbes(eb: UserExpressions, projectId: string, search: PlannedSearch, driver: Driver, idRef: 'u.id' | 'm0.user_id', form: ProbeForm): Array<Expression<SqlBool>> {
  const where: Array<Expression<SqlBool>> = [];
  let driverSkipped = false;
  for (const [key, value] of search.meta) {
    if (driver.kind === 'meta' && !driverSkipped && key === driver.key && value === driver.value) {
      driverSkipped = true;
      continue;
    }
    if (form === 'walk') {
      // A user id belongs to one project: the key alone finds the candidate's value.
      where.push(eb(eb.selectFrom('user_meta_values as mv').select('mv.value').whereRef('mv.user_id', '=', idRef as 'u.id').where('mv.key', '=', key), '=', value));
      continue;
    }
    where.push(eb.exists(eb.selectFrom('user_meta_values as mv').select('mv.user_id')
      .where('mv.project_id', '=', projectId).where('mv.key', '=', key).where('mv.value', '=', value).whereRef('mv.user_id', '=', idRef as 'u.id')));
  }
  return where;
}

/** The conditions on a candidate's user row `u`: every filter but the metadata ones. */
function rowConditions(eb: UserExpressions, projectId: string, search: PlannedSearch, column: SortColumn): Array<Expression<SqlBool>> {
  const where: Array<Expression<SqlBool>> = [];
  if (search.email !== undefined) where.push(eb('u.search_email', '=', searchText(search.email.trim())));
  if (search.name !== undefined) {
    const prefix = searchText(search.name.trim());
    where.push(eb('u.search_name', '>=', prefix), eb('u.search_name', '<', prefixUpperBound(prefix)));
  }
  if (search.text) where.push(textCondition(eb, search.text));
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
export function readsUserRow(search: PlannedSearch, column: SortColumn): boolean {
  return search.email !== undefined || search.name !== undefined || search.text !== undefined || search.status !== undefined
    || search.integrationId !== undefined || search.active !== undefined || search.createdAfter !== undefined || search.createdBefore !== undefined
    || search.activeAfter !== undefined || column === 'search_name';
}

/** In which order a driver's list is read: creation (a page sorted by it) or user id (anything else). */
type ListOrder = 'created' | 'user';

/**
 * The driver's list `m0` as a FROM item. SQLite is told which of the list's two indexes to walk
 * (`indexed by`): with `sqlite_stat4` samples its planner estimated some values' lists (`seats=15`)
 * shorter than others of the same length and, for those, read the whole list through
 * `user_meta_values_lookup` and sorted it (130-800 ms at 1,000,000 users instead of 1-20 ms). A
 * page sorted by creation walks `user_meta_values_sorted` (it stops after a page); anything else
 * `user_meta_values_lookup`, in user id order, so its probes of another filter's list (the same
 * index) move forward through it instead of jumping about (17 ms warm instead of 28 ms).
 * PostgreSQL plans its own.
 */
export function metaListTable(dialect: DialectName, order: ListOrder): 'user_meta_values as m0' {
  if (dialect !== 'sqlite') return 'user_meta_values as m0';
  const index = order === 'created' ? 'user_meta_values_sorted' : 'user_meta_values_lookup';
  // A raw FROM item; typed as the table it names, whose columns it has.
  return sql`user_meta_values as m0 indexed by ${sql.id(index)}` as unknown as 'user_meta_values as m0';
}

/** The driver's metadata list, every other metadata filter probed on it. */
function metaList(db: Kysely<Database>, dialect: DialectName, projectId: string, search: PlannedSearch, driver: Extract<Driver, { kind: 'meta' }>, form: ProbeForm, order: ListOrder) {
  return db.selectFrom(metaListTable(dialect, order))
    .where('m0.project_id', '=', projectId).where('m0.key', '=', driver.key).where('m0.value', '=', driver.value)
    .where((eb) => eb.and(metaProbes(eb as unknown as UserExpressions, projectId, search, driver, 'm0.user_id', form)));
}

/** The driver's candidates joined to their user rows; `cross join`: SQLite keeps the list as the outer loop, PostgreSQL plans it as a join. */
function metaCandidates(db: Kysely<Database>, dialect: DialectName, projectId: string, search: PlannedSearch, column: SortColumn, driver: Extract<Driver, { kind: 'meta' }>, form: ProbeForm, order: ListOrder) {
  return metaList(db, dialect, projectId, search, driver, form, order).crossJoin(usersAs(dialect, needsActivity(search, column))).whereRef('u.id', '=', 'm0.user_id')
    .where((eb) => eb.and(rowConditions(eb as unknown as UserExpressions, projectId, search, column)));
}

/**
 * Whether the query itself needs the activity time (PostgreSQL joins it in): only to sort or filter
 * on it. Otherwise the statement is the one it was before migration 0063, whose plans at 1,000,000
 * users are known, and a page's few rows get their times after (`withActivityTimes`).
 */
function needsActivity(search: PlannedSearch, column: SortColumn): boolean {
  return column === 'last_active_at' || search.activeAfter !== undefined;
}

/** PostgreSQL: the activity times of these users (one primary-key probe each, one statement); none elsewhere. */
export async function activityTimesOf(db: Kysely<Database>, userIds: readonly string[]): Promise<Map<string, string>> {
  if (dialectOf(db) !== 'postgres' || userIds.length === 0) return new Map();
  const times = await db.selectFrom('user_activity').select(['user_id', 'last_active_at']).where('user_id', 'in', userIds).execute();
  return new Map(times.map((row) => [row.user_id, row.last_active_at]));
}

/** Rows read without their activity times, given them (PostgreSQL; elsewhere rows have them already). */
export function withTimes<R extends { id: string; last_active_at?: string }>(rows: R[], times: ReadonlyMap<string, string>): R[] {
  if (rows.every((row) => row.last_active_at !== undefined)) return rows;
  return rows.map((row) => ({ ...row, last_active_at: row.last_active_at ?? times.get(row.id) }));
}

/** PostgreSQL: the activity times of a page's rows read without them. */
export async function withActivityTimes<R extends { id: string; last_active_at?: string }>(db: Kysely<Database>, rows: R[]): Promise<R[]> {
  if (dialectOf(db) !== 'postgres' || rows.length === 0 || rows.every((row) => row.last_active_at !== undefined)) return rows;
  return withTimes(rows, await activityTimesOf(db, rows.map((row) => row.id)));
}

function usersMatching(db: Kysely<Database>, projectId: string, search: PlannedSearch, column: SortColumn, driver: Driver, form: ProbeForm) {
  return db.selectFrom(usersAs(dialectOf(db), needsActivity(search, column))).where('u.project_id', '=', projectId)
    .where((eb) => eb.and([...rowConditions(eb, projectId, search, column), ...metaProbes(eb, projectId, search, driver, 'u.id', form)]));
}

/**
 * Keyset pagination: the rows after `position` in (`value`, `id`) order, descending or ascending.
 * A null `v` (a user without a name in name order) compares as nothing, as before.
 */
export function afterPosition(value: string, id: string, descending: boolean, position: { v: string | null; id: string }): Expression<SqlBool> {
  const op = sql.raw(descending ? '<' : '>');
  return sql<SqlBool>`(${sql.ref(value)} ${op} ${position.v} or (${sql.ref(value)} = ${position.v} and ${sql.ref(id)} ${op} ${position.id}))`;
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
function pageQuery(db: Kysely<Database>, dialect: DialectName, projectId: string, search: PlannedSearch, ordering: Ordering, driver: Driver, limit: number) {
  const { column, descending, cursor } = ordering;
  const direction = descending ? 'desc' : 'asc';
  if (driver.kind === 'users') {
    let query = usersMatching(db, projectId, search, column, driver, 'walk').selectAll('u');
    if (cursor) query = query.where(afterPosition(`u.${column}`, 'u.id', descending, cursor));
    return query.orderBy(`u.${column}`, direction).orderBy('u.id', direction).limit(limit);
  }
  let query = metaCandidates(db, dialect, projectId, search, column, driver, 'walk', column === 'created_at' ? 'created' : 'user').selectAll('u');
  if (column === 'created_at') {
    if (cursor) query = query.where(afterPosition('m0.created_at', 'm0.user_id', descending, cursor));
    return query.orderBy('m0.created_at', direction).orderBy('m0.user_id', direction).limit(limit);
  }
  if (cursor) query = query.where(afterPosition(`u.${column}`, 'u.id', descending, cursor));
  return query.orderBy(`u.${column}`, direction).orderBy('u.id', direction).limit(limit);
}

/** How many users match, counting at most `limit`: the driver's list, each candidate checked (its user row only when a filter needs it). */
export async function countUpTo(store: Reads, projectId: string, search: PlannedSearch, column: SortColumn, driver: Driver, limit: number): Promise<number> {
  const db = store.db;
  if (driver.kind === 'users' && search.text?.indexed && search.text.via === 'like'
    && await textIndexMatches(store, search.text.text, TEXT_INDEX_COUNT_LIMIT + 1) <= TEXT_INDEX_COUNT_LIMIT) {
    return countThroughTextIndex(store, projectId, search, column, search.text.text, limit);
  }
  const matching = driver.kind === 'users'
    ? usersMatching(db, projectId, search, column, driver, 'count').select(sql`1`.as('one'))
    : readsUserRow(search, column)
      ? metaCandidates(db, store.dialect, projectId, search, column, driver, 'count', 'user').select(sql`1`.as('one'))
      : metaList(db, store.dialect, projectId, search, driver, 'count', 'user').select(sql`1`.as('one'));
  return countAside(store, db.selectFrom(matching.limit(limit).as('m')).select((eb) => eb.fn.countAll<number | string>().as('n')));
}

/**
 * SQLite: the users whose name, email or id hold `text` (from the trigram index, in its order) that
 * pass every other filter, counting at most `limit`. Each index match costs one user row.
 */
function countThroughTextIndex(store: Reads, projectId: string, search: PlannedSearch, column: SortColumn, text: string, limit: number): Promise<number> {
  const db = store.db;
  return countAside(store, { compile: () => sql<{ n: number }>`select count(*) as n from (select 1 from ${sql.table(SQLITE_TEXT_TABLE)} as f
    where f.${sql.ref(SQLITE_TEXT_TABLE)} match ${ftsPhrase(text)}
    and exists ${usersMatching(db, projectId, { ...search, text: undefined }, column, { kind: 'users' }, 'count').select(sql`1`.as('one')).whereRef(sql.ref('u.rowid') as never, '=', sql.ref('f.rowid') as never)}
    limit ${limit})`.compile(db) });
}

/** PostgreSQL's estimate of the matches (for a total above the exact limit). */
export async function plannerEstimate(db: Kysely<Database>, projectId: string, search: PlannedSearch, column: SortColumn): Promise<number> {
  const matching = usersMatching(db, projectId, search, column, { kind: 'users' }, 'count').select(sql`1`.as('one'));
  // The driver hands json columns over as text (store.ts), so the plan arrives as a string.
  const explained = await sql<{ 'QUERY PLAN': string | Array<{ Plan: { 'Plan Rows': number } }> }>`explain (format json) ${matching}`.execute(db);
  const raw = explained.rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan?: { 'Plan Rows'?: unknown } }> | undefined;
  const rows = Number(plan?.[0]?.Plan?.['Plan Rows']);
  if (!Number.isFinite(rows)) throw new Error('PostgreSQL gave no row estimate for a user search');
  return Math.round(rows);
}

/** Users with `key` = `value` in their metadata, counting at most `limit`. */
export function metaListLength(store: Reads, projectId: string, key: string, value: string, limit: number): Promise<number> {
  const list = store.db.selectFrom('user_meta_values').select('user_id').where('project_id', '=', projectId).where('key', '=', key).where('value', '=', value).limit(limit);
  return countAside(store, store.db.selectFrom(list.as('m')).select((eb) => eb.fn.countAll<number | string>().as('n')));
}

/**
 * PostgreSQL, a `q` listed by id (`via: 'ids'`, at most PG_TEXT_IDS_LIMIT users) without a metadata
 * driver: every listed user's row is read once, which gives the page (sorted here) and the exact
 * total together. Walking the sort order instead, which PostgreSQL prefers when it expects the
 * matches spread evenly, read 876,000 rows when they were created together (`pop123…`: 1,111 users
 * in the middle of a million), and counting read each listed row a second time.
 */
export async function readTextPage(db: Kysely<Database>, projectId: string, search: PlannedSearch, ordering: Ordering, limit: number) {
  const { column, descending, cursor } = ordering;
  const direction = descending ? 'desc' : 'asc';
  const matches = usersMatching(db, projectId, search, column, { kind: 'users' }, 'walk').selectAll('u');
  let page = db.with((cte) => cte('m').materialized(), () => matches).selectFrom('m').selectAll('m')
    .select((eb) => eb.selectFrom('m as all_matches').select(eb.fn.countAll<string | number>().as('n')).as('match_count'));
  if (cursor) page = page.where(afterPosition(`m.${column}`, 'm.id', descending, cursor));
  // The CTE's columns are the user row's (Kysely does not carry `selectAll` through `with`).
  const rows = await page.orderBy(`m.${column}`, direction).orderBy('m.id', direction).limit(limit).execute() as unknown as Array<Selectable<ConnectedUserTable> & { match_count: string | number }>;
  if (rows.length > 0) return { rows, total: Number(rows[0]!.match_count) };
  // Past the last match a page is empty and says nothing of the total: counted alone.
  const counted = await db.selectFrom(matches.as('x')).select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst();
  return { rows, total: Number(counted?.n ?? 0) };
}

/**
 * Runs the page query. On PostgreSQL a metadata list walked in order is read without parallel
 * workers: the walk stops after a page of matches (a few hundred index entries), and starting a
 * worker for it costs more (25 ms instead of 9 ms at 1,000,000 users on two cores).
 */
export async function readPage(db: Kysely<Database>, dialect: DialectName, projectId: string, search: PlannedSearch, ordering: Ordering, driver: Driver, limit: number) {
  if (dialect !== 'postgres' || driver.kind !== 'meta') return pageQuery(db, dialect, projectId, search, ordering, driver, limit).execute();
  return db.transaction().execute(async (trx) => {
    await sql`set local max_parallel_workers_per_gather = 0`.execute(trx);
    return pageQuery(trx, dialect, projectId, search, ordering, driver, limit).execute();
  });
}
