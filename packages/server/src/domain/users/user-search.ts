import type { AppContext } from '../context.ts';
import type { ProjectState } from '../projects/index.ts';
import { AppError } from '../../platform/errors.ts';
import { connectedUsersDetails } from './sdk-me.ts';
import type { ConnectedUserDetails } from './user.schema.ts';
import { cachedCount, EXACT_TOTAL_LIMIT, type SearchTotal } from './search-counts.ts';
import { countThroughLists, listLength, pageEntriesThroughLists, positionValue } from './user-search-lists.ts';
import { userRowsInOrder } from './meta-list-queries.ts';
import { credentialsOfUsers, type Credential } from '../connections/index.ts';
import {
  activityTimesOf, countUpTo, planText, readPage, readTextPage, plannerEstimate, SORT_COLUMNS, withActivityTimes, withTimes,
  type Driver, type PlannedSearch, type SortColumn,
} from './user-search-query.ts';
import { toConnectedUser } from './users.service.ts';
import { userIdsWithSearchEmail } from './users.repository.ts';
import { searchText } from './search-keys.ts';

export const USER_SORTS = ['-created', 'created', '-lastActive', 'lastActive', 'name'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export { EXACT_TOTAL_LIMIT } from './search-counts.ts';

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

/**
 * The Admin API's user search (decisions 34 and 35). A page reads only what it shows: it starts
 * from the shortest index list the filters give (an email, a name prefix in name order, one
 * `meta.KEY=VALUE` list walked in creation order) and checks the other filters per candidate
 * through an index; the page's credentials, configurations and workflow states come in three
 * queries. `total` is exact up to EXACT_TOTAL_LIMIT, and kept per node until a change in the
 * project (`ctx.searchCounts`); `q` (substring) is looked up in a trigram index (decision 42).
 * Keyset pagination on (sort column, id).
 */
export async function searchUsers(ctx: AppContext, state: ProjectState, request: UserSearch): Promise<UserSearchPage> {
  const search: PlannedSearch = { ...request, text: await planText(ctx.store, ctx.store.dialect, request.q) };
  const projectId = state.project.id;
  const descending = search.sort.startsWith('-');
  const column = SORT_COLUMNS[search.sort.replace('-', '') as keyof typeof SORT_COLUMNS];
  const cursor = search.cursor === undefined ? undefined : decodeCursor(search.cursor, search.sort);
  const driver = await chooseDriver(ctx, projectId, search, column);

  // The page and its users' connections are read aside (SQLite: on the worker thread), so a search
  // takes 1-2 ms of the event loop instead of 5-6 ms, which other requests wait behind.
  const ordering = { column, descending, cursor };
  let rows: Awaited<ReturnType<typeof readPage>> | undefined;
  let listedTotal: number | undefined;
  let credentials: Map<string, Credential[]> | undefined;
  const textIds = search.text?.via === 'ids' && driver.kind === 'users';
  const walked = textIds ? undefined : await pageEntriesThroughLists(ctx, projectId, search, ordering, driver, search.limit + 1);
  const pageIds = walked?.map((entry) => entry.user_id);
  if (pageIds) {
    // The page's users are known before their rows are read: rows, activity times and credentials
    // are read at once (on PostgreSQL at 1,000,000 users each is ~100 random page reads).
    // All of them, the one after the page too: if a user is erased meanwhile, it is shown instead.
    let times: Map<string, string>;
    [rows, times, credentials] = await Promise.all([
      userRowsInOrder(ctx.store, projectId, pageIds),
      activityTimesOf(ctx.store.dbAside, pageIds),
      credentialsOfUsers(ctx.store.dbAside, pageIds),
    ]);
    rows = withTimes(rows, times);
  } else if (textIds) {
    ({ rows, total: listedTotal } = await readTextPage(ctx.store.dbAside, projectId, search, ordering, search.limit + 1));
  } else {
    rows = await readPage(ctx.store.dbAside, ctx.store.dialect, projectId, search, ordering, driver, search.limit + 1);
  }
  // A page walked through the lists knows there is more from the walk: a user erased since is not the end.
  const more = (pageIds ?? rows).length > search.limit;
  const shown = await withActivityTimes(ctx.store.dbAside, rows.slice(0, search.limit));
  const last = shown.at(-1);
  // Every user of a walked page erased since the walk: the next page starts after the walk's last entry.
  const lastWalked = walked?.[search.limit - 1];
  const position = last ? { v: positionValue(last[column]), id: last.id }
    : lastWalked ? { v: positionValue(lastWalked.created_at), id: lastWalked.user_id } : undefined;
  const nextCursor = more && position ? encodeCursor({ s: search.sort, ...position }) : null;

  // A first page that holds every match is its own count.
  const counting: Promise<SearchTotal> = listedTotal !== undefined ? Promise.resolve({ total: listedTotal, totalIsEstimate: false })
    : cursor === undefined && !more
    ? Promise.resolve({ total: shown.length, totalIsEstimate: false })
    : cachedCount(ctx.searchCounts, projectId, totalKey(search), () => countMatches(ctx, projectId, search, column, driver));
  const [data, counted] = await Promise.all([connectedUsersDetails(ctx, state, shown.map((row) => toConnectedUser(row)), ctx.store.dbAside, credentials), counting]);
  return { data, nextCursor, ...counted };
}

/** How far the lengths of several lists all longer than EXACT_TOTAL_LIMIT are counted to tell which is shortest. */
const TIE_COUNT_LIMIT = 100_000;

/**
 * An email is one index entry; without one, a metadata value's list is walked, the shortest when
 * there are several (their lengths counted up to EXACT_TOTAL_LIMIT, and kept like totals; when
 * several are longer, up to TIE_COUNT_LIMIT); else the users index of the sort order.
 */
async function chooseDriver(ctx: AppContext, projectId: string, search: PlannedSearch, column: SortColumn): Promise<Driver> {
  if (search.email !== undefined || search.meta.length === 0) return { kind: 'users' };
  if (search.name !== undefined && column === 'search_name') return { kind: 'users' };
  const [first, ...others] = search.meta;
  if (others.length === 0) return { kind: 'meta', key: first![0], value: first![1] };
  let best: Driver = { kind: 'users' };
  let shortest = Infinity;
  let uncounted = 0;
  for (const [key, value] of search.meta) {
    const length = await listLength(ctx, projectId, key, value);
    if (length > EXACT_TOTAL_LIMIT) uncounted += 1;
    if (length < shortest) {
      shortest = length;
      best = { kind: 'meta', key, value };
    }
  }
  if (uncounted < 2 || shortest <= EXACT_TOTAL_LIMIT) return best;
  // Every list is longer than that count goes (`seats=25` with 10,050 users and `plan=pro` with
  // 333,333 look alike): counted further, once. Walking the long one read ~5,000 entries a page.
  shortest = Infinity;
  for (const [key, value] of search.meta) {
    const length = await listLength(ctx, projectId, key, value, TIE_COUNT_LIMIT);
    if (length < shortest) {
      shortest = length;
      best = { kind: 'meta', key, value };
    }
  }
  return best;
}

/** The cache key of a search's total: its filters (not its order or page); none when a filter reads `last_active_at`, written without an event. */
function totalKey(search: PlannedSearch): string | undefined {
  if (search.activeAfter !== undefined) return undefined;
  const { sort: _sort, limit: _limit, cursor: _cursor, text: _text, ...filters } = search;
  return `total ${JSON.stringify(filters)}`;
}

/** Exact up to EXACT_TOTAL_LIMIT; above it PostgreSQL's row estimate for the same filters, SQLite's full count. */
async function countMatches(ctx: AppContext, projectId: string, search: PlannedSearch, column: SortColumn, driver: Driver): Promise<SearchTotal> {
  const db = ctx.store.db;
  const n = await countThroughLists(ctx, projectId, search, column, driver) ?? await countUpTo(ctx.store, projectId, search, column, driver, EXACT_TOTAL_LIMIT + 1);
  if (n <= EXACT_TOTAL_LIMIT) return { total: n, totalIsEstimate: false };
  if (ctx.store.dialect === 'postgres') {
    const estimate = await plannerEstimate(db, projectId, search, column);
    return { total: Math.max(estimate, n), totalIsEstimate: true };
  }
  return { total: await countUpTo(ctx.store, projectId, search, column, driver, Number.MAX_SAFE_INTEGER), totalIsEstimate: false };
}


/**
 * Portico's ids of the users whose `meta.Email` is `email` (exact, case- and Unicode-insensitive,
 * as `GET /users?email=`); at most `limit`, since an email is not unique.
 */
export function userIdsWithEmail(ctx: Pick<AppContext, 'store'>, projectId: string, email: string, limit = 100): Promise<string[]> {
  return userIdsWithSearchEmail(ctx.store.db, projectId, searchText(email.trim()), limit);
}
