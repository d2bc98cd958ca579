import type SQLite from 'better-sqlite3';
import { LRUCache } from 'lru-cache';

/** Statements longer than this (bulk inserts) are prepared each time rather than kept. */
const MAX_CACHED_SQL_LENGTH = 4096;

/** One write's place in a group commit: settled when the group commits or fails. */
export interface Member {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

export function member(): Member {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Only the awaiting writer reports a failed group; this copy must not count as unhandled.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** A better-sqlite3 connection whose statements stay prepared. */
export class PreparedConnection {
  private readonly statements: LRUCache<string, SQLite.Statement>;

  constructor(readonly database: SQLite.Database, size: number) {
    this.statements = new LRUCache({ max: size });
  }

  prepare(sql: string): SQLite.Statement {
    if (sql.length > MAX_CACHED_SQL_LENGTH) return this.database.prepare(sql);
    const cached = this.statements.get(sql);
    // A statement still being iterated (a streamed query) cannot run again until it finishes.
    if (cached && !cached.busy) return cached;
    const statement = this.database.prepare(sql);
    if (!cached) this.statements.set(sql, statement);
    return statement;
  }

  run(sql: string): void {
    this.prepare(sql).run();
  }
}

