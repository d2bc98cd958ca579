import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AnyStore as Store } from '../db/store.ts';
import { notifyChange, type PgChangeNotifier } from '../events/change-notifier.ts';
import { createMetricsRegistry, type Registry } from '../metrics/registry.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { silentLogger } from './job-logger.ts';
import { createJobMetrics } from './jobs.metrics.ts';
import {
  countUnfinishedByState,
  findJob,
  deleteByKeys,
  insertJob,
  listJobs,
  requeueDead,
  toJob,
  type JobsDb,
  type ListFilter,
} from './jobs.repository.ts';
import type { JobTables } from './jobs.table.ts';
import type { EnqueueOptions, Job, JobHandler, JobLogger, RegisterOptions, ScheduleOptions } from './jobs.types.ts';
import { parseSchedule, Scheduler, type Schedule } from './scheduler.ts';
import { Worker, type Task } from './worker.ts';

export interface JobQueueOptions {
  store: Store;
  /** This node's name; worker ids (`locked_by`) are `<nodeId>#<random>`. */
  nodeId: string;
  /** Where the job metrics go. @default a private registry */
  registry?: Registry;
  log?: JobLogger;
  /** Wait between polls when no work was found. @default 1000 */
  pollIntervalMs?: number;
  /** Most runs at once on this node, all names together. @default 8 */
  concurrency?: number;
  /** Lease of names registered without their own. @default 30000 */
  leaseMs?: number;
  /** How long `stop()` waits for runs in flight before releasing them. @default 10000 */
  drainTimeoutMs?: number;
  /** How often due schedules are looked for. @default 1000 */
  schedulerIntervalMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Attempts of jobs enqueued without `maxAttempts`. @default 5 */
  maxAttempts?: number;
  /**
   * PostgreSQL: wakes this node's worker when another node (or the CLI) enqueues a job due now,
   * instead of at its next poll. Enqueues announce themselves on PostgreSQL with or without it.
   */
  notifier?: PgChangeNotifier | undefined;
}

/** Kind of the change message that says a job is due now. */
export const JOBS_READY_KIND = 'jobs.ready';

export interface StopOptions {
  /** @default the queue's drainTimeoutMs */
  drainMs?: number;
  /** false: leave leases to expire, as a killed process would (tests use it). @default true */
  releaseLeases?: boolean;
}

/**
 * Durable jobs on the store's `jobs` table, the same code on SQLite and PostgreSQL. `enqueue` works
 * at any time (also without `start`); `start` runs this node's workers and scheduler.
 */
export class JobQueue {
  readonly nodeId: string;
  readonly workerId: string;
  private readonly store: Store;
  private readonly db: JobsDb;
  private readonly tasks = new Map<string, Task>();
  private readonly schedules = new Map<string, Schedule>();
  private readonly settings: Required<Omit<JobQueueOptions, 'store' | 'nodeId' | 'registry' | 'log' | 'backoff' | 'notifier'>> & { backoff: BackoffOptions };
  private readonly notifier: PgChangeNotifier | undefined;
  /** Transactions that already carry a `jobs.ready` notification (a batch of enqueues sends one). */
  private readonly notifiedIn = new WeakSet<Kysely<any>>();
  private detachNotifier: (() => void) | undefined;
  /** An announcement in flight, and whether another one is wanted after it. */
  private announcing: Promise<void> | undefined;
  private announceAgain = false;
  private readonly log: JobLogger;
  private readonly metrics;
  private worker: Worker | undefined;
  private scheduler: Scheduler | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: JobQueueOptions) {
    this.store = options.store;
    this.db = jobsDb(options.store.db);
    this.nodeId = options.nodeId;
    this.workerId = `${options.nodeId}#${randomBytes(3).toString('hex')}`;
    this.log = options.log ?? silentLogger;
    this.notifier = options.notifier;
    this.settings = {
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      concurrency: options.concurrency ?? 8,
      leaseMs: options.leaseMs ?? 30_000,
      drainTimeoutMs: options.drainTimeoutMs ?? 10_000,
      schedulerIntervalMs: options.schedulerIntervalMs ?? 1000,
      maxAttempts: options.maxAttempts ?? 5,
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    };
    this.metrics = createJobMetrics(options.registry ?? createMetricsRegistry(), () => countUnfinishedByState(this.db));
  }

  /**
   * Stores a job; with `key`, returns the job that already has the key instead of adding one. With
   * `trx`, the job commits or rolls back with that transaction.
   */
  async enqueue<P>(name: string, payload: P, options: EnqueueOptions = {}): Promise<Job<P>> {
    if (typeof name !== 'string' || name === '') throw new Error('A job needs a name.');
    const maxAttempts = options.maxAttempts ?? this.settings.maxAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`maxAttempts must be a positive integer; got ${maxAttempts}.`);
    const now = new Date();
    const runAt = options.runAt ?? now;
    const { row } = await insertJob(options.trx ? jobsDb(options.trx) : this.db, {
      id: randomUUID(),
      name,
      payload: JSON.stringify(payload ?? null),
      state: 'queued',
      key: options.key ?? null,
      max_attempts: maxAttempts,
      run_at: runAt.toISOString(),
      locked_by: null,
      locked_until: null,
      last_error: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      started_at: null,
      finished_at: null,
    });
    // Inside a transaction the job is invisible until commit; on SQLite the claim waits for it anyway.
    if (runAt <= now) {
      this.wake();
      if (options.trx && this.store.dialect === 'postgres') {
        // PostgreSQL folds identical notifications of a transaction into one: send it once per transaction.
        if (!this.notifiedIn.has(options.trx)) {
          this.notifiedIn.add(options.trx);
          await notifyChange(options.trx, JOBS_READY_KIND);
        }
      }
      else this.announceReady();
    }
    return toJob<P>(row);
  }

  /** Runs `handler` for jobs called `name` on this node; register every name before `start()`. */
  register<P>(name: string, handler: JobHandler<P>, options: RegisterOptions = {}): void {
    if (this.starting) throw new Error(`Register job "${name}" before the queue starts.`);
    if (this.tasks.has(name)) throw new Error(`Job "${name}" already has a handler.`);
    const concurrency = options.concurrency ?? this.settings.concurrency;
    const leaseMs = options.leaseMs ?? this.settings.leaseMs;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency of "${name}" must be a positive integer.`);
    if (!Number.isInteger(leaseMs) || leaseMs < 300) throw new Error(`leaseMs of "${name}" must be at least 300.`);
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new Error(`timeoutMs of "${name}" must be positive.`);
    const backoff = options.backoff ? { ...this.settings.backoff, ...options.backoff } : undefined;
    if (backoff && !(backoff.baseMs > 0 && backoff.maxMs >= backoff.baseMs)) throw new Error(`backoff of "${name}" needs 0 < baseMs <= maxMs.`);
    this.tasks.set(name, { name, handler: handler as JobHandler<any>, concurrency, leaseMs, timeoutMs: options.timeoutMs, backoff, running: 0 });
  }

  /**
   * Enqueues job `name` (payload `{ scheduledAt }`) at every tick of `cron`: 5 fields, or 6 with
   * seconds first. Once across all nodes per tick. Declare it before `start()`.
   * @example jobs.schedule('portico.retention', '23 * * * *')
   */
  schedule(name: string, cron: string, options: ScheduleOptions = {}): void {
    if (this.starting) throw new Error(`Schedule job "${name}" before the queue starts.`);
    this.schedules.set(name, parseSchedule(name, cron, options.timezone));
  }

  /** Starts this node's workers and scheduler loop; calling it again returns the same start. */
  start(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.starting ??= this.startLoops();
    return this.starting;
  }

  private async startLoops(): Promise<void> {
    const scheduler = new Scheduler({
      db: this.db,
      schedules: this.schedules,
      enqueue: (name, payload, options) => this.enqueue(name, payload, options),
      intervalMs: this.settings.schedulerIntervalMs,
      reapIntervalMs: Math.min(5000, Math.max(200, Math.floor(this.shortestLease() / 2))),
      metrics: this.metrics,
      log: this.log,
    });
    this.scheduler = scheduler;
    await scheduler.start();
    this.worker = new Worker({
      db: this.db,
      dialect: this.store.dialect,
      workerId: this.workerId,
      tasks: this.tasks,
      concurrency: this.settings.concurrency,
      leaseMs: this.settings.leaseMs,
      pollIntervalMs: this.settings.pollIntervalMs,
      backoff: this.settings.backoff,
      metrics: this.metrics,
      log: this.log,
    });
    this.worker.start();
    this.detachNotifier = this.notifier?.on(JOBS_READY_KIND, () => this.wake());
    this.log('info', 'job worker started', { workerId: this.workerId, jobs: [...this.tasks.keys()], schedules: [...this.schedules.keys()] });
  }

  /**
   * Stops claiming, waits for runs in flight (up to the drain bound), then releases the leases of
   * those still going. Safe to call more than once, or without `start()`.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= (async () => {
      await this.starting?.catch(() => undefined);
      this.detachNotifier?.();
      await this.scheduler?.stop();
      await this.announcing;
      await this.worker?.stop(options.drainMs ?? this.settings.drainTimeoutMs, options.releaseLeases ?? true);
    })();
    return this.stopping;
  }

  /** Makes the worker poll now: called on local enqueue, and by whoever hears of remote ones. */
  wake(): void {
    this.worker?.wake();
  }

  /**
   * Forgets jobs by key (exact, or SQL LIKE patterns), running ones excepted, inside the caller's
   * transaction when given one: for erasure, whose queued and finished jobs may name the user.
   */
  async forget(keys: readonly string[], options: { keyPatterns?: readonly string[]; trx?: Kysely<any> } = {}): Promise<number> {
    return deleteByKeys(options.trx ? jobsDb(options.trx) : this.db, keys, options.keyPatterns ?? []);
  }

  async get<P = unknown>(id: string): Promise<Job<P> | undefined> {
    const row = await findJob(this.db, id);
    return row && toJob<P>(row);
  }

  async list(filter: Partial<ListFilter> = {}): Promise<Job[]> {
    return (await listJobs(this.db, { ...filter, limit: filter.limit ?? 50 })).map((row) => toJob(row));
  }

  /** Queues a dead job again with a fresh set of attempts; undefined if there is no dead job with that id. */
  async retry(id: string): Promise<Job | undefined> {
    const row = await requeueDead(this.db, id, new Date().toISOString());
    if (row) {
      this.wake();
      await this.announceReady();
    }
    return row && toJob(row);
  }

  /**
   * Tells the other nodes (PostgreSQL) that a job is due, at most one message in flight: the
   * enqueues made while one is sent share the next. Resolves when the current round is sent.
   */
  private announceReady(): Promise<void> {
    if (this.store.dialect !== 'postgres') return Promise.resolve();
    if (this.announcing) {
      this.announceAgain = true;
      return this.announcing;
    }
    this.announcing = (async () => {
      do {
        this.announceAgain = false;
        try {
          await notifyChange(this.store.db, JOBS_READY_KIND);
        } catch (error) {
          this.log('warn', 'could not tell the other nodes about a job due now; they find it at their next poll', { error: (error as Error).message });
        }
      } while (this.announceAgain);
      this.announcing = undefined;
    })();
    return this.announcing;
  }

  private shortestLease(): number {
    return Math.min(this.settings.leaseMs, ...[...this.tasks.values()].map((t) => t.leaseMs));
  }
}

/**
 * The store's database or a transaction of it, seen through the job tables only. The cast: a
 * Kysely<Database & JobTables> is not assignable to Kysely<JobTables> (Kysely is invariant in DB).
 */
export function jobsDb(db: Kysely<any>): JobsDb {
  return db.withTables<JobTables>() as unknown as JobsDb;
}
