import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { AppContext } from '../context.ts';
import type { Database } from '../database.ts';
import type { ProjectState } from '../projects/index.ts';
import { AppError } from '../../platform/errors.ts';
import { connectedUsersDetails } from './sdk-me.ts';
import type { ConnectedUserDetails } from './user.schema.ts';
import { searchText } from './search-keys.ts';
import { toConnectedUser } from './users.service.ts';

export const USER_SORTS = ['-created', 'created', '-lastActive', 'lastActive', 'name'] as const;
export type UserSort = (typeof USER_SORTS)[number];

/** Above this many matches `total` is the planner's estimate (PostgreSQL) or a count that stops there (SQLite). */
export const EXACT_TOTAL_LIMIT = 10_000;

export interface UserSearch {
  /** Exact, case- and Unicode-insensitive. */
  email?: string | undefined;
  /** Prefix of `meta.Name`, case- and Unicode-insensitive. */
  name?: string | undefined;
  /** Substring of name, email or user id. */
  q?: string | undefined;
  /** Top-level metadata values, all of which must match exactly. */
  meta: ReadonlyArray<readonly [key: string, value: string]>;
  status?: 'account_errors' | 'connected' | undefined;
  /** Integration id (the API resolves the type). */
  integrationId?: string | undefined;
  active?: boolean | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  activeAfter?: string | undefined;
  sort: UserSort;
  limit: number;
  cursor?: string | undefined;
}

export interface UserSearchPage {
  data: ConnectedUserDetails[];
  nextCursor: string | null;
  total: number;
  totalIsEstimate: boolean;
}

const SORT_COLUMNS = { created: 'created_at', lastActive: 'last_active_at', name: 'search_name' } as const;

interface Cursor {
  s: UserSort;
  v: string | null;
  id: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string, sort: UserSort): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Cursor;
    if (cursor.s === sort && typeof cursor.id === 'string' && (cursor.v === null || typeof cursor.v === 'string')) return cursor;
  } catch {
    // Falls through to the error below.
  }
  throw AppError.from('VALIDATION_FAILED', 'The cursor is not one this search returned (it is opaque, and belongs to one sort order); start again without it.', {
    errors: [{ in: 'querystring', path: '/cursor', message: 'unknown cursor' }],
  });
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const prefixUpperBound = (prefix: string) => `${prefix}\u{10FFFF}`;

/**
 * The Admin API's user search. Every filter is an index range or lookup on both stores
 * (migration 0031): email and name prefix on the normalized columns, `meta.KEY=VALUE` on
 * `user_meta_values`, status and integration on credentials; `q` (substring) scans the project's
 * users and is the one filter whose cost grows with them. Keyset pagination on (sort column, id).
 */
export async function searchUsers(ctx: AppContext, state: ProjectState, search: UserSearch): Promise<UserSearchPage> {
  const db = ctx.store.db;
  const projectId = state.project.id;
  const descending = search.sort.startsWith('-');
  const column = SORT_COLUMNS[search.sort.replace('-', '') as keyof typeof SORT_COLUMNS];

  const base = filteredUsers(db, projectId, search, column);

  let page = base.selectAll('u');
  if (search.cursor !== undefined) {
    const cursor = decodeCursor(search.cursor, search.sort);
    const op = descending ? '<' : '>';
    page = page.where((eb) =>
      eb.or([
        eb(`u.${column}`, op, cursor.v as never),
        eb.and([eb(`u.${column}`, '=', cursor.v as never), eb('u.id', op, cursor.id)]),
      ]) as Expression<SqlBool>,
    );
  }
  const direction = descending ? 'desc' : 'asc';
  const rows = await page.orderBy(`u.${column}`, direction).orderBy('u.id', direction).limit(search.limit + 1).execute();
  const more = rows.length > search.limit;
  const shown = rows.slice(0, search.limit);
  const last = shown.at(-1);
  const nextCursor = more && last ? encodeCursor({ s: search.sort, v: sortValue(last[column]), id: last.id }) : null;

  const [data, counted] = await Promise.all([
    connectedUsersDetails(ctx, state, shown.map(toConnectedUser)),
    countMatches(ctx, base),
  ]);
  return { data, nextCursor, ...counted };
}

/** The project's users that match every filter of `search`, before sorting and paging. */
function filteredUsers(db: Kysely<Database>, projectId: string, search: UserSearch, column: (typeof SORT_COLUMNS)[keyof typeof SORT_COLUMNS]) {
  let base = db.selectFrom('connected_users as u').where('u.project_id', '=', projectId);
  if (search.email !== undefined) base = base.where('u.search_email', '=', searchText(search.email.trim()));
  if (search.name !== undefined) {
    const prefix = searchText(search.name.trim());
    base = base.where('u.search_name', '>=', prefix).where('u.search_name', '<', prefixUpperBound(prefix));
  }
  if (search.q !== undefined && search.q.trim() !== '') {
    const text = searchText(search.q.trim());
    base = base.where((eb) =>
      eb.or([
        eb('u.search_name', 'like', sql<string>`${likePattern(text)} escape '\\'`),
        eb('u.search_email', 'like', sql<string>`${likePattern(text)} escape '\\'`),
        eb('u.external_id', 'like', sql<string>`${likePattern(search.q!.trim())} escape '\\'`),
      ]),
    );
  }
  for (const [key, value] of search.meta) {
    base = base.where('u.id', 'in', (eb) =>
      eb.selectFrom('user_meta_values').select('user_id').where('project_id', '=', projectId).where('key', '=', key).where('value', '=', value),
    );
  }
  if (search.status !== undefined) {
    const status = search.status === 'account_errors' ? 'INVALID' : 'VALID';
    base = base.where('u.id', 'in', (eb) => eb.selectFrom('credentials').select('user_id').where('project_id', '=', projectId).where('status', '=', status));
  }
  if (search.integrationId !== undefined) {
    const integrationId = search.integrationId;
    base = base.where((eb) => eb.exists(eb.selectFrom('credentials as c').select('c.id').whereRef('c.user_id', '=', 'u.id').where('c.integration_id', '=', integrationId)));
  }
  if (search.active !== undefined) base = base.where('u.disabled_at', search.active ? 'is' : 'is not', null);
  if (search.createdAfter !== undefined) base = base.where('u.created_at', '>', search.createdAfter);
  if (search.createdBefore !== undefined) base = base.where('u.created_at', '<', search.createdBefore);
  if (search.activeAfter !== undefined) base = base.where('u.last_active_at', '>', search.activeAfter);
  // Sorting by name lists users without one after those with one.
  if (column === 'search_name') base = base.where('u.search_name', 'is not', null);

  return base;
}

type FilteredUsers = ReturnType<typeof filteredUsers>;

function sortValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Exact up to EXACT_TOTAL_LIMIT; above it PostgreSQL's row estimate for the same filters. */
async function countMatches(ctx: AppContext, base: FilteredUsers): Promise<{ total: number; totalIsEstimate: boolean }> {
  const db = ctx.store.db;
  const bounded = await db
    .selectFrom(base.select(sql`1`.as('one')).limit(EXACT_TOTAL_LIMIT + 1).as('m'))
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(bounded.n);
  if (n <= EXACT_TOTAL_LIMIT) return { total: n, totalIsEstimate: false };
  if (ctx.store.dialect === 'postgres') {
    const explained = await sql<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>`explain (format json) ${base.select(sql`1`.as('one'))}`.execute(db);
    const estimate = Math.round(explained.rows[0]!['QUERY PLAN'][0]!.Plan['Plan Rows']);
    return { total: Math.max(estimate, n), totalIsEstimate: true };
  }
  const counted = await db.selectFrom(base.select(sql`1`.as('one')).as('m')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { total: Number(counted.n), totalIsEstimate: false };
}

