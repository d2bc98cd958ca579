import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';

/**
 * The worker's code, evaluated as a script (no file to find next to the compiled output or the
 * TypeScript sources): its own read-only connection to the database file, statements prepared once.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('cache_size = -' + workerData.cacheKib);
const statements = new Map();
const named = new Map();
function prepare(sql) {
  const statement = db.prepare(sql);
  if (!statement.reader || !statement.readonly) throw new Error('Only a read that returns rows runs aside.');
  return statement;
}
parentPort.on('message', ({ id, sql, name, parameters }) => {
  try {
    let statement;
    if (name !== undefined) {
      statement = named.get(name);
      if (!statement) {
        if (sql === undefined) throw new Error('The statement ' + name + ' was never prepared here.');
        named.set(name, (statement = prepare(sql)));
      }
    } else {
      statement = statements.get(sql);
      if (!statement) {
        statement = prepare(sql);
        if (statements.size >= 256) statements.clear();
        statements.set(sql, statement);
      }
    }
    parentPort.postMessage({ id, rows: statement.all(parameters) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

interface Pending {
  query: CompiledQuery;
  resolve(rows: unknown[]): void;
  reject(error: unknown): void;
}

/**
 * Long SQLite reads (user search counts: thousands of index probes, tens of milliseconds at
 * 1,000,000 users) on a thread of their own (decision 43). better-sqlite3 is synchronous, so on
 * the main thread such a read holds up every other request for as long as it runs; here it holds
 * up only the request that waits for it. Started on the first read, not kept alive on its own;
 * if it fails to start or dies, reads fall back to `fallback` (the main thread's reader).
 */
export class SqliteReadWorker {
  private worker: Worker | undefined;
  private broken = false;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  /** Names of statements the worker has been sent the SQL of. */
  private readonly named = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly driverPath: string,
    private readonly cacheKib: number,
    private readonly fallback: (query: CompiledQuery) => Promise<unknown[]>,
    private readonly onFailure: (message: string) => void = () => undefined,
  ) {}

  /** Reads sent and not yet answered. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Whether reads still go to a thread (false once it failed to start, died, or was closed). */
  get usable(): boolean {
    return !this.broken;
  }

  read<R>(query: CompiledQuery<R>): Promise<R[]> {
    return this.send(query, { sql: query.sql });
  }

  /**
   * A read that is always the same SQL under `name` (`Store.hotRead`): its text crosses to the
   * worker once, and the worker keeps the statement prepared under that name.
   */
  readNamed<R>(name: string, query: CompiledQuery<R>): Promise<R[]> {
    if (this.named.has(name)) return this.send(query, { name });
    this.named.add(name);
    return this.send(query, { name, sql: query.sql }).catch((error: unknown) => {
      // Not prepared there (it failed): the next read sends the text again.
      this.named.delete(name);
      throw error;
    });
  }

  private send<R>(query: CompiledQuery<R>, statement: { sql?: string; name?: string }): Promise<R[]> {
    const worker = this.started();
    if (!worker) return this.fallback(query) as Promise<R[]>;
    const id = this.nextId++;
    return new Promise<R[]>((resolve, reject) => {
      this.pending.set(id, { query, resolve: resolve as (rows: unknown[]) => void, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...statement, parameters: query.parameters });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.broken = true;
    await worker?.terminate();
  }

  private started(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driverPath: this.driverPath, cacheKib: this.cacheKib } });
      worker.unref();
      worker.on('message', (message: { id: number; rows?: unknown[]; error?: string }) => {
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        if (this.pending.size === 0) worker.unref();
        if (message.error !== undefined) waiting.reject(new Error(message.error));
        else waiting.resolve(message.rows ?? []);
      });
      const fail = (error: Error) => {
        if (this.worker === worker) this.worker = undefined;
        const closing = this.broken;
        this.broken = true;
        if (!closing) this.onFailure(`A SQLite read thread stopped (${error.message}); its reads run on the main thread from now on.`);
        // The reads it had not answered run where every later one will: on the main thread's reader.
        const unanswered = [...this.pending.values()];
        this.pending.clear();
        for (const waiting of unanswered) this.fallback(waiting.query).then(waiting.resolve, waiting.reject);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (this.pending.size > 0) fail(new Error(`The SQLite read worker stopped (exit code ${code}).`));
        if (this.worker === worker) this.worker = undefined;
      });
      this.worker = worker;
      return worker;
    } catch (error) {
      this.broken = true;
      this.onFailure(`A SQLite read thread could not start (${error instanceof Error ? error.message : String(error)}); its reads run on the main thread.`);
      return undefined;
    }
  }
}

/**
 * Reads aside on `size` workers (each started on its first read): a read goes to the first with
 * the fewest reads waiting, so a long one (a kept metadata list of 333,333 ids, decision 49) holds
 * up no page of search results behind it.
 */
export class SqliteReadPool {
  private readonly workers: SqliteReadWorker[];

  constructor(size: number, file: string, driverPath: string, cacheKib: number, fallback: (query: CompiledQuery) => Promise<unknown[]>, onFailure?: (message: string) => void) {
    this.workers = Array.from({ length: size }, () => new SqliteReadWorker(file, driverPath, cacheKib, fallback, onFailure));
  }

  /** To the usable worker with the fewest reads waiting (a failed one would send every read it gets to the main thread). */
  read<R>(query: CompiledQuery<R>): Promise<R[]> {
    let chosen: SqliteReadWorker | undefined;
    for (const worker of this.workers) {
      if (worker.usable && (!chosen || worker.waiting < chosen.waiting)) chosen = worker;
    }
    return (chosen ?? this.workers[0]!).read(query);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}

