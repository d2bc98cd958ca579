import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, type CompiledQuery, type SelectQueryBuilder } from 'kysely';
import { GroupCommitSqliteDriver, type SqliteDriverStats } from './sqlite-driver.ts';
import { asideDialect, sqliteDialect } from './sqlite-dialect.ts';
import { SqliteReadPool, SqliteReadWorker } from './sqlite-read-worker.ts';

/** The page cache of each SQLite connection that runs reads aside (decision 43). */
const READ_ASIDE_CACHE_KIB = 32 * 1024;
/** Threads that run reads aside; the second starts only when the first is busy. */
const READ_ASIDE_WORKERS = 2;
/**
 * The page cache of the connection that runs hot reads (decision 51): they look up single users
 * at random among many, so beyond the indexes' upper levels a larger cache hardly ever hits.
 */
const HOT_READ_CACHE_KIB = 8 * 1024;

/**
 * The one place where SQLite and PostgreSQL differ. Application code sees ISO-8601 strings for
 * timestamps, JSON as text, and 0/1 for flags on both stores.
 */
export type DialectName = 'sqlite' | 'postgres';

/** Which store a query builder (or transaction) talks to. */
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** The database of the running process; `DB` is the table map of whoever opened it (the domain's `Database`). */
export interface Store<DB = unknown> {
  readonly db: Kysely<DB>;
  readonly dialect: DialectName;
  /** Where the data lives, for messages: a file path or a redacted URL. */
  readonly location: string;
  /**
   * SQLite: changes when another process (the CLI, `portico worker`) commits to the file, whose
   * domain events this process does not hear. PostgreSQL: undefined (every node hears every event).
   */
  otherProcessVersion(): number | undefined;
  /**
   * A read that may take tens of milliseconds (a count over thousands of index entries). SQLite:
   * on a worker thread with its own connection, so the event loop goes on serving other requests
   * meanwhile (decision 43); PostgreSQL: an ordinary query, already off the event loop.
   */
  readAside<R>(query: CompiledQuery<R>): Promise<R[]>;
  /**
   * A query builder whose queries run as `readAside` does: for reads several of which make one
   * answer that is not on the hot path (a page of user search results). Reads only (SQLite's
   * worker connection is read-only); PostgreSQL: `db` itself.
   */
  readonly dbAside: Kysely<DB>;
  /**
   * A read the process makes all the time, always the same SQL under `name` with new parameters.
   * PostgreSQL: a named prepared statement, planned once per connection instead of on every call
   * (planning was 70% of PostgreSQL's time for GET /sdk/me of a user not in any cache); when a
   * migration changes what the statement returns, it is prepared again under a new name. SQLite:
   * on a worker thread of its own with its own read-only connection, the statement prepared there
   * once (decision 51): better-sqlite3 reads on the thread that asks, and a user's row and
   * connections were a third of a busy server's event loop; there it runs beside the event loop
   * instead of inside it. It sees every commit that resolved before it was asked.
   */
  hotRead<R>(name: string, query: CompiledQuery<R>): Promise<R[]>;
  /**
   * A write whose loss in a power cut is acceptable (a user's last-activity time; never a change
   * anyone was told is saved). SQLite: committed without an fsync when no other write shares its
   * group, made durable by the next one or the next checkpoint (decision 51). PostgreSQL: an
   * ordinary statement.
   */
  writeBehind(query: CompiledQuery): Promise<void>;
  /** SQLite: commits and checkpoints so far (for `/metrics`); PostgreSQL: undefined. */
  sqliteStats(): SqliteDriverStats | undefined;
  close(): Promise<void>;
}

/** A store whatever its tables, for plumbing that brings its own table types (migrations, jobs, events). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStore = Store<any>;

export interface StoreOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  sqliteSynchronous?: 'full' | 'normal';
  /** Hears what went wrong in the background and was worked around (the SQLite checkpoint thread stopped). @default a process warning */
  onWarning?: (message: string) => void;
  /** Largest PostgreSQL pool. @default 10 */
  poolSize?: number;
  /**
   * PostgreSQL: `hotRead` as named prepared statements. Off for a connection pooler in transaction
   * mode (PgBouncer before 1.21, or without `max_prepared_statements`), where the next query of a
   * connection may reach another server connection that never prepared it. @default true
   */
  preparedStatements?: boolean;
}

const PG_TIMESTAMPTZ = 1184;
const PG_JSONB = 3802;
const PG_JSON = 114;

/** What PostgreSQL prints for a timestamptz in a UTC session: "2026-11-22 06:03:00.123+00" (0 to 6 fraction digits). */
const PG_UTC_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

function pgTimestampToIso(value: string): string {
  // Rows carry many timestamps; rewriting the text is ~15x faster than a Date round trip and gives
  // the same string (milliseconds truncated, like Date). Anything unusual takes the Date route.
  const match = PG_UTC_TIMESTAMP.exec(value);
  if (match) return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
  return new Date(value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * Each store's driver is loaded when that store is opened, not at import: `pg` alone adds ~7 MB to
 * an SQLite server's resident memory (it loads Node's fetch implementation), better-sqlite3 ~6 MB
 * to a PostgreSQL one.
 */
const loadDriver = createRequire(import.meta.url);

export function openStore<DB>(options: StoreOptions): Store<DB> {
  if (options.databaseUrl) return openPostgres<DB>(options.databaseUrl, options.poolSize ?? 10, options.preparedStatements ?? true);
  const onWarning = options.onWarning ?? ((message: string) => process.emitWarning(message));
  return openSqlite<DB>(path.join(options.dataDir, 'portico.db'), options.sqliteSynchronous ?? 'full', onWarning);
}

/**
 * Creates the database file owner-only (0600) before SQLite opens it, whatever the umask: SQLite
 * gives the `-wal` and `-shm` files it creates later the mode of the database file. An existing
 * file keeps the mode its owner chose.
 */
function createPrivateFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}

function openSqlite<DB>(file: string, synchronous: 'full' | 'normal', onWarning: (message: string) => void): Store<DB> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  createPrivateFile(file);
  const Database = loadDriver('better-sqlite3') as typeof SQLite;
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${synchronous}`);
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const driverPath = loadDriver.resolve('better-sqlite3');
  const driver = new GroupCommitSqliteDriver(database, { synchronous, checkpointAside: { driverPath, onFailure: onWarning } });
  const db = new Kysely<DB>({ dialect: sqliteDialect(driver) });
  const hotReadNames = new HotReadNames();
  const onMainThread = async (query: CompiledQuery) => (await db.executeQuery(query)).rows;
  const aside = new SqliteReadPool(READ_ASIDE_WORKERS, file, driverPath, READ_ASIDE_CACHE_KIB, onMainThread, onWarning);
  const hot = new SqliteReadWorker(file, driverPath, HOT_READ_CACHE_KIB, onMainThread, onWarning);
  return {
    db,
    dbAside: new Kysely<DB>({ dialect: asideDialect((query) => aside.read(query)) }),
    dialect: 'sqlite',
    location: file,
    otherProcessVersion: () => driver.otherProcessVersion(),
    readAside: <R>(query: CompiledQuery<R>) => aside.read<R>(query),
    hotRead: async <R>(name: string, query: CompiledQuery<R>) => {
      hotReadNames.check(name, query.sql);
      return hot.readNamed<R>(name, query);
    },
    writeBehind: (query) => driver.writeBehind(query),
    sqliteStats: () => driver.stats(),
    close: async () => {
      await aside.close();
      await hot.close();
      await db.destroy();
    },
  };
}

function openPostgres<DB>(url: string, poolSize: number, preparedStatements: boolean): Store<DB> {
  const { Pool, types: pgTypes } = loadDriver('pg') as typeof pg;
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === PG_TIMESTAMPTZ) return pgTimestampToIso;
      if (oid === PG_JSONB || oid === PG_JSON) return (value: string) => value;
      return pgTypes.getTypeParser(oid, format);
    },
  };
  const pool = new Pool({ connectionString: url, max: poolSize, types, options: '-c TimeZone=UTC' });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const prepared = new PgPreparedReads(pool, preparedStatements);
  return {
    db,
    dialect: 'postgres',
    location: redactUrl(url),
    otherProcessVersion: () => undefined,
    readAside: async <R>(query: CompiledQuery<R>) => (await db.executeQuery(query)).rows,
    dbAside: db,
    hotRead: (name, query) => prepared.read(name, query),
    writeBehind: async (query) => {
      await db.executeQuery(query);
    },
    sqliteStats: () => undefined,
    close: () => db.destroy(),
  };
}

/** Each `hotRead` name stands for one SQL text, on both stores, so a mistake shows on SQLite too. */
class HotReadNames {
  private readonly texts = new Map<string, string>();

  check(name: string, text: string): void {
    const known = this.texts.get(name);
    if (known === undefined) this.texts.set(name, text);
    else if (known !== text) throw new Error(`hotRead "${name}" was given two different statements; each name is one SQL text.`);
  }
}

/**
 * Named prepared statements for `Store.hotRead`. node-postgres prepares a named statement on each
 * connection the first time that connection runs it and reuses it after. A statement prepared
 * before a migration changed a table it reads fails with "cached plan must not change result
 * type" (SQLSTATE 0A000); the read is then retried under the next generation of the name, which
 * every connection prepares afresh.
 */
class PgPreparedReads {
  private readonly generations = new Map<string, number>();
  private readonly names = new HotReadNames();

  constructor(
    private readonly pool: pg.Pool,
    private readonly named: boolean,
  ) {}

  async read<R>(name: string, query: CompiledQuery<R>): Promise<R[]> {
    this.names.check(name, query.sql);
    if (!this.named) return (await this.pool.query(query.sql, query.parameters as unknown[])).rows as R[];
    const generation = this.generations.get(name) ?? 0;
    try {
      return await this.run<R>(`${name}_${generation}`, query);
    } catch (error) {
      if ((error as { code?: unknown }).code !== '0A000') throw error;
      if (this.generations.get(name) === generation) this.generations.set(name, generation + 1);
      return this.run<R>(`${name}_${this.generations.get(name)}`, query);
    }
  }

  private async run<R>(name: string, query: CompiledQuery<R>): Promise<R[]> {
    const result = await this.pool.query({ name, text: query.sql, values: query.parameters as unknown[] });
    return result.rows as R[];
  }
}

/** Row lock for read-modify-write inside a transaction; SQLite transactions are already serial. */
export function lockForUpdate<DB, TB extends keyof DB, O>(
  dialect: DialectName,
  query: SelectQueryBuilder<DB, TB, O>,
): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? query.forUpdate() : query;
}
