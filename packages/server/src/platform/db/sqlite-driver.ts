import type SQLite from 'better-sqlite3';
import { CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { PreparedConnection, member, type Member } from './sqlite-connection.ts';

const MEMBER_SAVEPOINT = 'portico_group_member';
const PRAGMA = /^\s*pragma\b/i;
const READER_CACHE_KIB = 32 * 1024;

export interface SqliteDriverOptions {
  /** Most writes committed together by one fsync. @default 64 */
  maxGroupSize?: number;
  /** Prepared statements kept per connection. @default 256 */
  statementCacheSize?: number;
  /** The writer's `synchronous` setting; a group of `writeBehind` writes alone commits as `normal`. @default "full" */
  synchronous?: 'full' | 'normal';
  /**
   * Checkpoints on a worker thread (`SqliteCheckpointer`), which loads better-sqlite3 from
   * `driverPath`; `onFailure` hears if that thread stops. Without it, SQLite's own automatic
   * checkpoints alone, on the writer.
   */
  checkpointAside?: { driverPath: string; onFailure(message: string): void };
  /** How long a write waits for another connection's write lock before it fails with SQLITE_BUSY. @default 5000 */
  busyTimeoutMs?: number;
}

/** What the driver has done, for `/metrics`. */
export interface SqliteDriverStats {
  /** Group commits with an fsync of the WAL. */
  syncedCommits: number;
  /** Group commits without an fsync: of `writeBehind` writes alone, or every one with `synchronous: "normal"`. */
  unsyncedCommits: number;
  /** Checkpoints run on the checkpoint thread. */
  checkpointsAside: number;
  /** Checkpoint threads started (one ends after a second without commits; the next commit starts another). */
  checkpointThreadsStarted: number;
  /** Whether a checkpoint thread is running now. */
  checkpointThreadRunning: boolean;
  /** Checkpoint threads that failed (a few in a row are retried once one has worked). */
  checkpointThreadFailures: number;
}

/** Writes committed into the writer's open SQLite transaction and not yet durable. */
interface Group {
  members: Member[];
  /** Some member needs an fsync at commit (anything but `writeBehind`). */
  synced: boolean;
}

/** What Kysely calls a connection: one caller's use of the store, which takes the writer only to write. */
class Lease implements DatabaseConnection {
  holdsWriter = false;
  inTransaction = false;

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.execute<R>(this, compiledQuery);
  }

  streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    return this.driver.stream<R>(this, compiledQuery);
  }
}

/**
 * Kysely driver for better-sqlite3 built for a busy server with `synchronous = FULL`, where every
 * commit waits for an fsync of the WAL (a few thousand a second at best, blocking the event loop).
 *
 * - Writes take turns on one writer connection, and are group-committed: a committing transaction
 *   (or a lone write statement) becomes part of one open SQLite transaction, and that transaction
 *   commits with one fsync once the event loop has handled the requests already received, when the
 *   group is full, or on close. Each transaction still runs alone, sees every earlier one and rolls
 *   back alone (it is a savepoint); its commit resolves only once the group is durable, and if the
 *   group's commit fails, every write in it fails.
 * - Reads outside a transaction go to a second, read-only connection: they never wait for a writer
 *   and never see a write before it is durable (SQLite shows a commit to other connections only
 *   after its fsync).
 * - Statements stay prepared: preparing costs about as much as running the hot paths' queries.
 * - `otherProcessVersion()` changes when another process commits to the file (`PRAGMA data_version`,
 *   asked once per turn of the event loop), so this process's caches, which hear its own changes as
 *   domain events, know when to forget what they hold.
 * - `writeBehind` writes (activity times) commit without an fsync when a group holds nothing else;
 *   checkpoints run on a thread of their own (`SqliteCheckpointer`).
 */
export class GroupCommitSqliteDriver implements Driver {
  private readonly writer: PreparedConnection;
  private readonly reader: PreparedConnection;
  private readonly maxGroupSize: number;
  private readonly dataVersion: SQLite.Statement;
  private readonly waiters: Array<() => void> = [];
  private writerHeld = false;
  private group: Group | undefined;
  private flushScheduled = false;
  private lastDataVersion = -1;
  /** When `lastDataVersion` may be used without asking SQLite again: until the current turn of the event loop ends. */
  private dataVersionFresh = false;
  private readonly synchronous: 'full' | 'normal';
  private readonly busyTimeoutMs: number;
  /** The writer connection's `synchronous` now (`normal` while a group of `writeBehind` writes is open). */
  private writerSynchronous: 'full' | 'normal';
  private readonly checkpointer: SqliteCheckpointer | undefined;
  private readonly counts = { syncedCommits: 0, unsyncedCommits: 0 };

  constructor(writer: SQLite.Database, options: SqliteDriverOptions = {}) {
    const cacheSize = options.statementCacheSize ?? 256;
    this.maxGroupSize = options.maxGroupSize ?? 64;
    this.synchronous = options.synchronous ?? 'full';
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    // The write lock is waited for by `beginImmediate`, off the event loop.
    writer.pragma('busy_timeout = 0');
    this.writerSynchronous = this.synchronous;
    this.writer = new PreparedConnection(writer, cacheSize);
    if (writer.memory) throw new Error('GroupCommitSqliteDriver needs a database file: its reader is a second connection.');
    // The writer's own class: better-sqlite3 is loaded by the store that opens it (store.ts), not here.
    const reader = new (writer.constructor as typeof SQLite)(writer.name);
    reader.pragma('query_only = ON');
    reader.pragma('busy_timeout = 5000');
    // Reads walk indexes at random places of a large file (a page of user search reads ~150 rows of
    // credentials and configurations by UUID): a 32 MB page cache instead of SQLite's 2 MB keeps the
    // hot part of those indexes in memory. It fills only as reads need it.
    reader.pragma(`cache_size = -${READER_CACHE_KIB}`);
    this.reader = new PreparedConnection(reader, cacheSize);
    this.dataVersion = writer.prepare('pragma data_version').pluck();
    if (options.checkpointAside) {
      this.checkpointer = new SqliteCheckpointer(writer.name, options.checkpointAside.driverPath, options.checkpointAside.onFailure);
    }
  }

  stats(): SqliteDriverStats {
    return {
      ...this.counts,
      checkpointsAside: this.checkpointer?.checkpoints ?? 0,
      checkpointThreadsStarted: this.checkpointer?.threadsStarted ?? 0,
      checkpointThreadRunning: this.checkpointer?.threadRunning ?? false,
      checkpointThreadFailures: this.checkpointer?.threadFailures ?? 0,
    };
  }

  async init(): Promise<void> {}

  /**
   * Changes when another process commits to the database file (`PRAGMA data_version` of the
   * writer), not on this process's writes. Asked once per turn of the event loop (the pragma was 4%
   * of a busy server's time when asked on every cache check): a commit made elsewhere during a turn
   * shows from the next one, as if the requests of that turn had come a moment earlier. A value
   * taken early is only ever older, so a read made under it is never kept as newer than it is.
   */
  otherProcessVersion(): number {
    if (!this.dataVersionFresh) {
      this.dataVersionFresh = true;
      setImmediate(() => {
        this.dataVersionFresh = false;
      });
      this.lastDataVersion = this.dataVersion.get() as number;
    }
    return this.lastDataVersion;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new Lease(this);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    if (lease.inTransaction) await this.rollbackTransaction(lease);
    if (lease.holdsWriter) this.releaseWriter(lease);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    await this.takeWriter(lease);
    await this.openGroup();
    this.writer.run(`savepoint ${MEMBER_SAVEPOINT}`);
    lease.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    this.writer.run(`release ${MEMBER_SAVEPOINT}`);
    lease.inTransaction = false;
    await this.joinGroup(lease);
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const lease = connection as Lease;
    // After a failed group commit Kysely rolls back too: that transaction is settled already.
    if (!lease.inTransaction) return;
    lease.inTransaction = false;
    if (this.writer.database.inTransaction) {
      this.writer.run(`rollback to ${MEMBER_SAVEPOINT}`);
      this.writer.run(`release ${MEMBER_SAVEPOINT}`);
    } else {
      this.abandonGroup();
    }
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
    // The checkpoint thread first: between the last commit and closing, nothing may open a group.
    await this.checkpointer?.close();
    if (!this.writerHeld) this.flush();
    this.reader.database.close();
    this.writer.database.close();
  }

  async execute<R>(lease: Lease, compiled: CompiledQuery, synced = true): Promise<QueryResult<R>> {
    const statement = this.writer.prepare(compiled.sql);
    if (lease.inTransaction) return this.run<R>(statement, compiled);
    if (PRAGMA.test(compiled.sql)) return this.pragma<R>(lease, statement, compiled);
    if (statement.readonly) return this.run<R>(this.reader.prepare(compiled.sql), compiled);
    // A write outside a transaction: a group member of its own.
    await this.takeWriter(lease);
    await this.openGroup(synced);
    let result: QueryResult<R>;
    try {
      result = this.run<R>(statement, compiled);
    } catch (error) {
      // SQLite undoes the failed statement alone, unless the error rolled back the whole group.
      if (!this.writer.database.inTransaction) this.abandonGroup();
      this.releaseWriter(lease);
      throw error;
    }
    await this.joinGroup(lease);
    return result;
  }

  /**
   * A write whose loss in a power cut (not a crash of the process: SQLite has it in the WAL) is
   * acceptable, such as a user's last-activity time: it takes its turn on the writer like any other
   * write, but a group made only of such writes commits without an fsync. The next synced commit or
   * checkpoint (at most 200 ms later with the checkpoint thread) makes it durable. Without a working
   * checkpoint thread, or while a reader keeps its checkpoints from copying the last commits, nothing
   * bounds that wait, so such a write then commits like any other (and its fsync covers the ones before).
   */
  async writeBehind(compiled: CompiledQuery): Promise<void> {
    const lease = new Lease(this);
    try {
      await this.execute(lease, compiled, !this.checkpointer?.keepsUp);
    } finally {
      await this.releaseConnection(lease);
    }
  }

  async *stream<R>(lease: Lease, compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const statement = lease.inTransaction ? this.writer.prepare(compiled.sql) : this.reader.prepare(compiled.sql);
    if (!statement.reader || !statement.readonly) throw new Error('The SQLite driver streams only read-only queries');
    for (const row of statement.iterate(compiled.parameters)) yield { rows: [row as R] };
  }

  /** Pragmas (settings, checkpoints) act on the writer, after what it has written is committed. */
  private async pragma<R>(lease: Lease, statement: SQLite.Statement, compiled: CompiledQuery): Promise<QueryResult<R>> {
    await this.takeWriter(lease);
    try {
      this.flush();
      return this.run<R>(statement, compiled);
    } finally {
      this.releaseWriter(lease);
    }
  }

  private run<R>(statement: SQLite.Statement, compiled: CompiledQuery): QueryResult<R> {
    if (statement.reader) return { rows: statement.all(compiled.parameters) as R[] };
    const { changes, lastInsertRowid } = statement.run(compiled.parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  private async takeWriter(lease: Lease): Promise<void> {
    if (lease.holdsWriter) return;
    if (this.writerHeld) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.writerHeld = true;
    lease.holdsWriter = true;
  }

  /** The next waiter gets the writer; with nobody waiting, an open group commits soon. */
  private releaseWriter(lease: Lease): void {
    lease.holdsWriter = false;
    const next = this.waiters.shift();
    if (next) {
      next();
      return;
    }
    this.writerHeld = false;
    if (this.group) this.scheduleFlush();
  }

  /**
   * Opens a group, or joins the open one. SQLite lets `synchronous` change only between
   * transactions: a write that needs an fsync commits an open group of `writeBehind` writes first
   * (without one) and opens its own.
   */
  private async openGroup(synced = true): Promise<void> {
    if (this.group && synced && !this.group.synced) this.flush();
    if (this.group) return;
    const level = synced ? this.synchronous : 'normal';
    if (level !== this.writerSynchronous) {
      this.writer.run(`pragma synchronous = ${level}`);
      this.writerSynchronous = level;
    }
    await this.beginImmediate();
    this.group = { members: [], synced };
  }

  /**
   * Takes SQLite's write lock (the writer connection only ever writes: at once rather than upgrade
   * later). When another connection holds it (the CLI, a second server on the same file), the
   * attempts are retried on timers for up to `busyTimeoutMs`, not in SQLite's busy handler, which
   * sleeps on the event loop: every request would wait, and so would a second driver of the same
   * process holding the lock, unable to commit until the sleeper gave up.
   */
  private async beginImmediate(): Promise<void> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        this.writer.run('begin immediate');
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** The lease's write is done: it gives the writer up and resolves once its group is durable. */
  private async joinGroup(lease: Lease): Promise<void> {
    const joined = member();
    this.group!.members.push(joined);
    if (this.group!.members.length >= this.maxGroupSize) this.flush();
    this.releaseWriter(lease);
    await joined.promise;
  }

  /**
   * Commits the open group once the event loop has handled the I/O already received, so requests
   * that arrived together commit together. If a writer is busy by then, its release reschedules.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.writerHeld) this.flush();
    });
  }

  private flush(): void {
    const group = this.group;
    if (!group) return;
    const members = group.members;
    this.group = undefined;
    try {
      this.writer.run('commit');
    } catch (error) {
      try {
        if (this.writer.database.inTransaction) this.writer.run('rollback');
      } finally {
        for (const m of members) m.reject(error);
      }
      return;
    }
    this.counts[group.synced && this.synchronous === 'full' ? 'syncedCommits' : 'unsyncedCommits'] += 1;
    this.checkpointer?.committed();
    for (const m of members) m.resolve();
  }

  /** SQLite rolled the whole open transaction back (disk full, I/O error): every write in it is lost. */
  private abandonGroup(): void {
    const lost = this.group?.members ?? [];
    this.group = undefined;
    const error = new Error('SQLite rolled back a group of writes after an error; none of them was committed.');
    for (const m of lost) m.reject(error);
  }
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
