import type SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { LRUCache } from 'lru-cache';

/** Statements longer than this (bulk inserts) are prepared each time rather than kept. */
const MAX_CACHED_SQL_LENGTH = 4096;
const MEMBER_SAVEPOINT = 'portico_group_member';

export interface SqliteDriverOptions {
  /** Most transactions committed together by one fsync. @default 64 */
  maxGroupSize?: number;
  /** Prepared statements kept. @default 256 */
  statementCacheSize?: number;
}

interface Member {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function member(): Member {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A member whose group fails rejects here and again for its awaiting caller; only the caller reports it.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** One holder's turn on the single SQLite connection (what Kysely calls a connection). */
class Lease implements DatabaseConnection {
  inTransaction = false;
  /** The connection went to the next waiter when this lease's transaction joined a group. */
  handedOver = false;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, compiledQuery);
  }

  streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    return this.driver.stream<R>(this, compiledQuery);
  }
}

/**
 * Kysely driver for better-sqlite3: one connection shared in turns, like Kysely's own SqliteDriver,
 * plus what a busy server needs from it.
 *
 * - Statements stay prepared: preparing costs about as much as running the small queries of the
 *   hot paths.
 * - Group commit. With `synchronous = FULL` every commit waits for an fsync of the WAL, which caps a
 *   server at a few thousand commits a second and blocks the event loop meanwhile. A committing
 *   transaction becomes a released savepoint of one open SQLite transaction, and the group is
 *   committed (one fsync) once the event loop has handled the requests already received, when the
 *   group is full, or before a statement outside a transaction runs. Each transaction still runs
 *   alone, sees every earlier one and rolls back alone; its `commit` resolves only once the group
 *   is durable, and if the group's commit fails, every transaction in it fails.
 * - `changeVersion()`: a number that changes whenever the database may have changed, through this
 *   driver or another connection (`PRAGMA data_version`), so reads can be cached safely.
 */
export class GroupCommitSqliteDriver implements Driver {
  private readonly statements: LRUCache<string, SQLite.Statement>;
  private readonly maxGroupSize: number;
  private readonly dataVersion: SQLite.Statement;
  private readonly waiters: Array<() => void> = [];
  private holder: Lease | undefined;
  /** Transactions committed into the open SQLite transaction and not yet durable. */
  private group: Member[] | undefined;
  private flushScheduled = false;
  private lastDataVersion = -1;
  private version = 0;

  constructor(private readonly database: SQLite.Database, options: SqliteDriverOptions = {}) {
    this.maxGroupSize = options.maxGroupSize ?? 64;
    this.statements = new LRUCache({ max: options.statementCacheSize ?? 256 });
    this.dataVersion = database.prepare('pragma data_version').pluck();
  }

  async init(): Promise<void> {}

  changeVersion(): number {
    const dataVersion = this.dataVersion.get() as number;
    if (dataVersion !== this.lastDataVersion) {
      this.lastDataVersion = dataVersion;
      this.version++;
    }
    return this.version;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const lease = new Lease(this);
    await this.acquire(lease);
    return lease;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    if (lease.handedOver) return;
    if (lease.inTransaction) await this.rollbackTransaction(lease);
    this.handOver();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = await this.held(connection as Lease);
    if (!this.group) {
      this.run('begin');
      this.group = [];
    }
    this.run(`savepoint ${MEMBER_SAVEPOINT}`);
    lease.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    this.run(`release ${MEMBER_SAVEPOINT}`);
    lease.inTransaction = false;
    const joined = member();
    this.group!.push(joined);
    if (this.group!.length >= this.maxGroupSize) {
      this.flush();
    } else {
      lease.handedOver = true;
      this.handOver();
    }
    await joined.promise;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // After a failed group commit Kysely rolls back too; that transaction is already settled, and
    // the connection may be another holder's by now.
    if (!lease.inTransaction) return;
    lease.inTransaction = false;
    if (this.database.inTransaction) {
      this.run(`rollback to ${MEMBER_SAVEPOINT}`);
      this.run(`release ${MEMBER_SAVEPOINT}`);
      return;
    }
    // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the group is lost.
    const lost = this.group ?? [];
    this.group = undefined;
    const error = new Error('SQLite rolled back the transaction group after an error; its transactions were not committed.');
    for (const m of lost) m.reject(error);
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quote(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quote(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quote(name)}`));
  }

  async destroy(): Promise<void> {
    this.flush();
    this.database.close();
  }

  async execute<R>(lease: Lease, compiled: CompiledQuery): Promise<QueryResult<R>> {
    await this.held(lease);
    const statement = this.prepare(compiled.sql);
    // Outside a transaction, statements see and write only durable data.
    if (!lease.inTransaction) this.flush();
    if (statement.reader) {
      const rows = statement.all(compiled.parameters) as R[];
      if (!statement.readonly) this.version++;
      return { rows };
    }
    const { changes, lastInsertRowid } = statement.run(compiled.parameters);
    if (!statement.readonly) this.version++;
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async *stream<R>(lease: Lease, compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    await this.held(lease);
    if (!lease.inTransaction) this.flush();
    const statement = this.prepare(compiled.sql);
    if (!statement.reader || !statement.readonly) throw new Error('The SQLite driver streams only read-only queries');
    for (const row of statement.iterate(compiled.parameters)) yield { rows: [row as R] };
  }

  private acquire(lease: Lease): Promise<void> {
    if (!this.holder) {
      this.holder = lease;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push(() => {
        this.holder = lease;
        resolve();
      });
    });
  }

  /** A lease used again after its transaction handed the connection over waits for another turn. */
  private async held(lease: Lease): Promise<Lease> {
    if (lease.handedOver) {
      lease.handedOver = false;
      await this.acquire(lease);
    }
    return lease;
  }

  /** The holder is done: the next waiter gets the connection; with nobody waiting, an open group commits soon. */
  private handOver(): void {
    this.holder = undefined;
    const next = this.waiters.shift();
    if (next) next();
    else if (this.group) this.scheduleFlush();
  }

  /**
   * Commits the open group once the event loop has handled the I/O already received: requests that
   * arrived together commit together. A holder mid-transaction defers it to its own hand-over.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.holder) this.flush();
    });
  }

  private flush(): void {
    const members = this.group;
    if (!members) return;
    this.group = undefined;
    try {
      this.run('commit');
    } catch (error) {
      try {
        if (this.database.inTransaction) this.run('rollback');
      } finally {
        for (const m of members) m.reject(error);
      }
      return;
    }
    for (const m of members) m.resolve();
  }

  private run(sql: string): void {
    this.prepare(sql).run();
  }

  private prepare(sql: string): SQLite.Statement {
    if (sql.length > MAX_CACHED_SQL_LENGTH) return this.database.prepare(sql);
    const cached = this.statements.get(sql);
    // A statement still being iterated (a streamed query) cannot run again until it finishes.
    if (cached && !cached.busy) return cached;
    const statement = this.database.prepare(sql);
    if (!cached) this.statements.set(sql, statement);
    return statement;
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** Kysely's SQLite dialect on top of `GroupCommitSqliteDriver`. */
export function sqliteDialect(driver: GroupCommitSqliteDriver): Dialect {
  return {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}
