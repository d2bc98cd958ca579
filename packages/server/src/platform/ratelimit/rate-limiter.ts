import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { JobQueue } from '../jobs/index.ts';

/** The answer for one request: allowed, or refused until the window ends. */
export interface RateLimitVerdict {
  allowed: boolean;
  /** Whole seconds until the current window ends (at least 1). */
  retryAfterSeconds: number;
}

/** Fixed-window counters: at most `limit` requests per bucket per window. */
export interface RateLimiter {
  take(bucket: string, limit: number): Promise<RateLimitVerdict>;
}

/** Buckets tracked at once in memory; the least recently used are forgotten beyond it. */
const MAX_BUCKETS = 100_000;

function verdict(allowed: boolean, windowEndMs: number, now: number): RateLimitVerdict {
  return { allowed, retryAfterSeconds: Math.max(1, Math.ceil((windowEndMs - now) / 1000)) };
}

/** One process counts every request itself (SQLite: `portico serve` is the only process serving HTTP). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { index: number; used: number }>();

  constructor(private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  async take(bucket: string, limit: number): Promise<RateLimitVerdict> {
    const now = this.now();
    const index = Math.floor(now / this.windowMs);
    let entry = this.windows.get(bucket);
    if (!entry || entry.index !== index) entry = { index, used: 0 };
    this.windows.delete(bucket);
    this.windows.set(bucket, entry);
    if (this.windows.size > MAX_BUCKETS) this.windows.delete(this.windows.keys().next().value!);
    const allowed = entry.used < limit;
    if (allowed) entry.used++;
    return verdict(allowed, (index + 1) * this.windowMs, now);
  }
}

interface Reservation {
  index: number;
  windowEndMs: number;
  granted: number;
  used: number;
  /** Requests granted without the database (the node's first slice of a window), recorded at the next reservation. */
  unrecorded: number;
  /** The database handed out the whole window: refuse locally until it ends. */
  exhausted: boolean;
  pending: Promise<void> | undefined;
}

/** A node reserves at most this share of a limit at once. */
const RESERVATION_SHARE = 20;

function sliceOf(limit: number): number {
  return Math.min(limit, Math.max(1, Math.ceil(limit / RESERVATION_SHARE)));
}

/**
 * The limit held across PostgreSQL nodes: each node reserves requests from a shared counter row
 * (`rate_limit_windows`, the database's clock picks the window) a slice at a time, 1/20 of the
 * limit, and spends them locally. A window's first slice on a node is spent before asking (most
 * buckets never need a second), and counted in the row with the node's first reservation. The
 * database never hands out more than the limit in a window, so the nodes together allow at most
 * the limit plus the first slices they had spent when it ran out (one slice per node); a node may
 * refuse a little early while another still holds part of its slice. Decision 32.
 */
export class SharedRateLimiter implements RateLimiter {
  private readonly reservations = new Map<string, Reservation>();

  constructor(private readonly db: Kysely<any>, private readonly windowMs: number) {}

  async take(bucket: string, limit: number): Promise<RateLimitVerdict> {
    for (;;) {
      const now = Date.now();
      let entry = this.reservations.get(bucket);
      if (entry && now >= entry.windowEndMs && !entry.pending) entry = undefined;
      if (!entry) {
        // A window's first slice is spent before asking the database: a user who makes fewer
        // requests than that in a window (nearly all of them) costs the database nothing.
        const free = sliceOf(limit);
        entry = { index: -1, windowEndMs: (Math.floor(now / this.windowMs) + 1) * this.windowMs, granted: free, used: 0, unrecorded: free, exhausted: false, pending: undefined };
        this.reservations.delete(bucket);
        this.reservations.set(bucket, entry);
        if (this.reservations.size > MAX_BUCKETS) this.reservations.delete(this.reservations.keys().next().value!);
      }
      if (entry.used < entry.granted) {
        entry.used++;
        return verdict(true, entry.windowEndMs, now);
      }
      if (entry.exhausted) return verdict(false, entry.windowEndMs, now);
      if (entry.pending) {
        if (!(await settled(entry.pending))) return verdict(true, now + this.windowMs, now);
        continue;
      }
      const reserving = entry;
      this.reservations.delete(bucket);
      this.reservations.set(bucket, reserving);
      reserving.pending = this.reserve(bucket, limit, reserving).finally(() => {
        reserving.pending = undefined;
      });
      // A counter the database cannot give right now fails open: the limit protects the service, it must not take it down.
      if (!(await settled(reserving.pending))) return verdict(true, now + this.windowMs, now);
    }
  }

  private async reserve(key: string, limit: number, entry: Reservation): Promise<void> {
    // The row is named by a hash: the table never holds a user id or an API key id.
    const bucket = createHash('sha256').update(key).digest('base64url');
    const slice = sliceOf(limit);
    // What this node let through on its own is counted now, with the next slice.
    const spent = entry.unrecorded;
    entry.unrecorded = 0;
    const windowMs = this.windowMs;
    // The window comes from the database's clock, the same for every node.
    const { rows } = await sql<{ window_index: string | number; last_grant: number; now_ms: string | number }>`
      with clock as (select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as now_ms)
      insert into rate_limit_windows as w (bucket, window_index, used, last_grant)
      select ${bucket}, clock.now_ms / ${windowMs}::bigint,
        ${spent}::int + greatest(0, least(${slice}::int, ${limit}::int - ${spent}::int)), greatest(0, least(${slice}::int, ${limit}::int - ${spent}::int)) from clock
      on conflict (bucket) do update set
        last_grant = case when w.window_index = excluded.window_index then greatest(0, least(${slice}::int, ${limit}::int - w.used - ${spent}::int)) else excluded.last_grant end,
        used = case when w.window_index = excluded.window_index then w.used + ${spent}::int + greatest(0, least(${slice}::int, ${limit}::int - w.used - ${spent}::int)) else excluded.used end,
        window_index = excluded.window_index
      where w.window_index <> excluded.window_index or w.used < ${limit}::int
      returning w.window_index, w.last_grant, (select now_ms from clock) as now_ms`.execute(this.db);
    const row = rows[0];
    const localNow = Date.now();
    if (row) {
      const index = Number(row.window_index);
      const dbNow = Number(row.now_ms);
      const windowEndMs = localNow + ((index + 1) * windowMs - dbNow);
      if (index !== entry.index) Object.assign(entry, { index, used: 0, granted: 0, exhausted: false });
      entry.windowEndMs = windowEndMs;
      entry.granted += row.last_grant;
      entry.exhausted = row.last_grant <= 0;
      return;
    }
    // Nothing left in the database's current window: refuse until it ends.
    const { rows: [clock] } = await sql<{ now_ms: string | number }>`select floor(extract(epoch from clock_timestamp()) * 1000)::bigint as now_ms`.execute(this.db);
    const dbNow = Number(clock!.now_ms);
    const index = Math.floor(dbNow / windowMs);
    Object.assign(entry, { index, windowEndMs: localNow + ((index + 1) * windowMs - dbNow), granted: entry.index === index ? entry.granted : 0, exhausted: true });
    entry.used = Math.max(entry.used, entry.granted);
  }
}

/** Whether the promise fulfilled (false: it rejected). */
function settled(promise: Promise<void>): Promise<boolean> {
  return promise.then(() => true, () => false);
}

/** Deletes counter rows whose window ended before the previous one: buckets nobody used lately. */
export async function pruneRateLimitWindows(db: Kysely<any>, windowMs: number, now = Date.now()): Promise<number> {
  const before = Math.floor(now / windowMs) - 1;
  const result = await sql`delete from rate_limit_windows where window_index < ${before}`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export const RATE_LIMIT_PRUNE_JOB = 'portico.rate-limits.prune';

/** Which limiter a node uses: memory for the embedded store, the shared table on PostgreSQL (with its hourly prune). */
export function createRateLimiter(store: { dialect: 'sqlite' | 'postgres'; db: Kysely<any> }, windowMs: number, jobs: { register: JobQueue['register']; schedule: JobQueue['schedule'] }): RateLimiter {
  if (store.dialect === 'sqlite') return new MemoryRateLimiter(windowMs);
  jobs.register(RATE_LIMIT_PRUNE_JOB, async (_payload, helpers) => {
    helpers.log('rate-limit counters pruned', { deleted: await pruneRateLimitWindows(store.db, windowMs) });
  });
  jobs.schedule(RATE_LIMIT_PRUNE_JOB, '41 * * * *');
  return new SharedRateLimiter(store.db, windowMs);
}
