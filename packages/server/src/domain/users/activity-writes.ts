import { sql } from 'kysely';
import type { AppStore } from '../database.ts';

/** Most users one statement updates (two parameters each, far below either store's limit). */
const CHUNK = 500;

export interface ActivityWritesOptions {
  /** How long activity may wait in memory before it is written. @default 200 */
  windowMs?: number;
  /** Users pending at which a write starts at once. @default 2,000 */
  maxPending?: number;
  onError?: (error: unknown) => void;
}

/**
 * `dateLastActive`, written behind. A returning user's first request of the minute used to write
 * their row before answering (on PostgreSQL a commit of its own, on SQLite a turn of the one
 * writer); here the request records the time in memory and goes on, and the times of every user
 * active in the last `windowMs` are written together, one statement per 500 users. The timestamp
 * is informational and already kept to the minute (`ACTIVITY_RESOLUTION_MS`): what a crash can
 * lose is at most one window of activity times, never a change. For the same reason SQLite commits
 * them without an fsync of their own (`Store.writeBehind`): a power cut may lose the last 200 ms.
 * PostgreSQL keeps the times in `user_activity` (migration 0063), apart from the user row. A write never moves a time back
 * (a metadata patch may have written a later one meanwhile). `close()` writes what is pending.
 */
export class ActivityWrites {
  private pending = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly windowMs: number;
  private readonly maxPending: number;

  constructor(
    private readonly store: AppStore,
    private readonly options: ActivityWritesOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 200;
    this.maxPending = options.maxPending ?? 2000;
  }

  /** The user (by row id) was active at `at` (ISO time). */
  record(userRowId: string, at: string): void {
    const earlier = this.pending.get(userRowId);
    if (earlier === undefined || earlier < at) this.pending.set(userRowId, at);
    if (this.pending.size >= this.maxPending) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending now; resolves once it (and any write before it) is done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return this.writing;
    // In user order: two nodes writing the same users lock them in the same order (PostgreSQL).
    const batch = [...this.pending].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.pending = new Map();
    this.writing = this.writing.then(() => this.write(batch)).catch((error: unknown) => this.options.onError?.(error));
    return this.writing;
  }

  close(): Promise<void> {
    return this.flush();
  }

  private async write(batch: ReadonlyArray<readonly [string, string]>): Promise<void> {
    const { db, dialect } = this.store;
    for (let start = 0; start < batch.length; start += CHUNK) {
      const rows = batch.slice(start, start + CHUNK);
      if (dialect === 'postgres') {
        const values = sql.join(rows.map(([id, at]) => sql`(${id}, ${at}::timestamptz)`));
        await this.store.writeBehind(sql`update user_activity as a set last_active_at = v.at
          from (values ${values}) as v(id, at)
          where a.user_id = v.id and a.last_active_at < v.at`.compile(db));
      } else {
        const values = sql.join(rows.map(([id, at]) => sql`(${id}, ${at})`));
        await this.store.writeBehind(sql`update connected_users set last_active_at = v.column2
          from (values ${values}) as v
          where connected_users.id = v.column1 and connected_users.last_active_at < v.column2`.compile(db));
      }
    }
  }
}
