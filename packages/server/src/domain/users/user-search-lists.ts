import type { AppContext } from '../context.ts';
import { cachedCount, EXACT_TOTAL_LIMIT } from './search-counts.ts';
import { IdList, MAX_LIST_IDS, uuidWords, type KeptList } from './meta-lists.ts';
import { metaListIdsText, userIdsOfSubs, usersWithMetaValues, walkMetaList, type ListPosition } from './meta-list-queries.ts';
import { metaListLength, readsUserRow, type Driver, type Ordering, type PlannedSearch, type SortColumn } from './user-search-query.ts';

/**
 * Searches of metadata values only, answered against the lists each node keeps (decision 49): the
 * driver's list is read from the database (it is short, or walked a page at a time), every other
 * value is looked up in memory, and the few users changed since a list was read are checked in the
 * database.
 */

/** How many users have `key` = `value`, counted up to `limit` + 1 (default EXACT_TOTAL_LIMIT) and kept like totals. */
export function listLength(ctx: AppContext, projectId: string, key: string, value: string, limit = EXACT_TOTAL_LIMIT): Promise<number> {
  return cachedCount(ctx.searchCounts, projectId, `list ${limit} ${JSON.stringify([key, value])}`,
    () => metaListLength(ctx.store, projectId, key, value, limit + 1));
}

/** The search's metadata values but the driver's, each once. */
function otherValues(search: PlannedSearch, driver: Extract<Driver, { kind: 'meta' }>): Array<readonly [string, string]> {
  const others = new Map<string, readonly [string, string]>();
  for (const pair of search.meta) {
    if (pair[0] !== driver.key || pair[1] !== driver.value) others.set(JSON.stringify(pair), pair);
  }
  return [...others.values()];
}

/** The kept lists of `values`, reading those not in memory (undefined for a list that cannot be kept). */
function keptListsOrNone(ctx: AppContext, projectId: string, values: ReadonlyArray<readonly [string, string]>): Promise<Array<KeptList | undefined>> {
  return Promise.all(values.map(([key, value]) =>
    ctx.metaLists.get(projectId, key, value, () => metaListIdsText(ctx.store, projectId, key, value, MAX_LIST_IDS))));
}

/** The kept lists of `values`, reading those not in memory; none when one cannot be kept. */
async function keptLists(ctx: AppContext, projectId: string, values: ReadonlyArray<readonly [string, string]>): Promise<KeptList[] | undefined> {
  const lists = await keptListsOrNone(ctx, projectId, values);
  return lists.some((list) => list === undefined) ? undefined : lists as KeptList[];
}

/** Portico's ids of the users changed since any of `lists` was read (their entries may be stale). */
async function changedUserIds(ctx: AppContext, projectId: string, lists: readonly KeptList[]): Promise<Set<string>> {
  const subs = new Set(lists.flatMap((list) => [...list.changedSince]));
  return new Set(subs.size === 0 ? [] : await userIdsOfSubs(ctx.store, projectId, [...subs]));
}

/** Below this many candidates a count probes the other lists in the database, unless all of them are in memory already. */
const LIST_COUNT_MIN_CANDIDATES = 1_000;

/**
 * The exact total of a search of metadata values only, counted in memory: the driver's candidates
 * (at most EXACT_TOTAL_LIMIT) read from the database, each looked up in the other values' kept
 * lists. Undefined when the search is not one of those (then the database counts it).
 */
export async function countThroughLists(ctx: AppContext, projectId: string, search: PlannedSearch, column: SortColumn, driver: Driver): Promise<number | undefined> {
  if (driver.kind !== 'meta' || readsUserRow(search, column)) return undefined;
  const terms = otherValues(search, driver);
  if (terms.length === 0) return undefined;
  if (await listLength(ctx, projectId, driver.key, driver.value) > EXACT_TOTAL_LIMIT) return undefined;
  if (await listLength(ctx, projectId, driver.key, driver.value) < LIST_COUNT_MIN_CANDIDATES
    && !terms.every(([key, value]) => ctx.metaLists.has(projectId, key, value))) return undefined;
  const kept = await keptLists(ctx, projectId, terms);
  if (!kept) return undefined;
  const text = await metaListIdsText(ctx.store, projectId, driver.key, driver.value, EXACT_TOTAL_LIMIT, true);
  const candidates = text && IdList.fromHex(text.hex, text.count);
  if (!candidates) return undefined;
  // Users changed since a list was read are checked in the database instead.
  const recheck: string[] = [];
  const skip = new Set<number>();
  for (const id of await changedUserIds(ctx, projectId, kept)) {
    const words = uuidWords(id);
    const at = words ? candidates.indexOf(IdList.fromWords(words), 0) : -1;
    if (at >= 0) {
      skip.add(at);
      recheck.push(id);
    }
  }
  let n = candidates.countInAll(kept.map((list) => list.ids), skip);
  if (recheck.length > 0) n += (await usersWithMetaValues(ctx.store, projectId, recheck, terms)).size;
  return n;
}

/** Entries of the driver's list read at a time by a page walked through kept lists. */
const PAGE_WALK_STEP = 256;

/**
 * A page of a search of metadata values only in creation order, when every value but the driver's
 * is in memory already: the driver's list is walked in its creation-order index `PAGE_WALK_STEP`
 * entries at a time, each entry kept if it is in every other list, and only the page's user rows
 * are read. Walked in SQL instead, each entry cost an index probe into another list (~150 random
 * reads of a 2.5 GB index on PostgreSQL at 1,000,000 users for a page of 50 `plan=pro&seats=N`).
 * The page's list entries (user id, creation time), in order, so that its rows and everything
 * shown with them can be read together. Undefined when the search is not one of those, or a list
 * is not in memory (the count that follows the first such search reads it).
 */
export async function pageEntriesThroughLists(ctx: AppContext, projectId: string, search: PlannedSearch, ordering: Ordering, driver: Driver, limit: number) {
  if (driver.kind !== 'meta' || ordering.column !== 'created_at' || readsUserRow(search, ordering.column)) return undefined;
  const terms = otherValues(search, driver);
  if (terms.length === 0 || !terms.every(([key, value]) => ctx.metaLists.has(projectId, key, value))) return undefined;
  const kept = await keptLists(ctx, projectId, terms);
  if (!kept) return undefined;
  const changed = await changedUserIds(ctx, projectId, kept);
  const page: Array<{ user_id: string; created_at: unknown }> = [];
  let after: ListPosition | undefined = ordering.cursor;
  for (;;) {
    const entries = await walkMetaList(ctx.store, projectId, driver.key, driver.value, ordering.descending, after, PAGE_WALK_STEP);
    const stale = entries.filter((entry) => changed.has(entry.user_id)).map((entry) => entry.user_id);
    const matchingNow = stale.length === 0 ? new Set<string>() : await usersWithMetaValues(ctx.store, projectId, stale, terms);
    for (const entry of entries) {
      const matches = changed.has(entry.user_id) ? matchingNow.has(entry.user_id) : inAll(kept, entry.user_id);
      if (matches) page.push(entry);
      if (page.length === limit) break;
    }
    const last = entries.at(-1);
    if (page.length >= limit || entries.length < PAGE_WALK_STEP || !last) break;
    after = { v: positionValue(last.created_at), id: last.user_id };
  }
  return page;
}

/** Whether every kept list holds the user (an id that is not a lowercase UUID is in none). */
function inAll(lists: readonly KeptList[], userId: string): boolean {
  const words = uuidWords(userId);
  if (!words) return false;
  const one = IdList.fromWords(words);
  return lists.every((list) => list.ids.indexOf(one, 0) >= 0);
}

/** A sort column's value as a cursor or list position holds it (times as ISO text). */
export function positionValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}
