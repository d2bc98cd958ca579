import type { Transaction } from 'kysely';
import type { DialectName } from '../db/store.ts';
import { retryDelayMs, type BackoffOptions } from './backoff.ts';
import { describeError } from './job-logger.ts';
import type { JobMetrics } from './jobs.metrics.ts';
import {
  claimJobs,
  markDead,
  markRetry,
  markSucceeded,
  releaseLeases,
  renewLeases,
  type JobRow,
  type JobsDb,
  type RunRef,
} from './jobs.repository.ts';
import type { JobHandler, JobHelpers, JobLogger } from './jobs.types.ts';
import { sleep, Waker } from './waker.ts';

/** A registered job name and how this node runs it. */
export interface Task {
  name: string;
  handler: JobHandler<any>;
  concurrency: number;
  leaseMs: number;
  timeoutMs: number | undefined;
  /** Retry delays of this name; undefined: the worker's. */
  backoff: BackoffOptions | undefined;
  running: number;
}

export interface WorkerOptions {
  db: JobsDb;
  dialect: DialectName;
  workerId: string;
  tasks: ReadonlyMap<string, Task>;
  /** Most runs at once on this worker, all names together. */
  concurrency: number;
  /** Lease of names registered without their own. */
  leaseMs: number;
  pollIntervalMs: number;
  backoff: BackoffOptions;
  metrics: JobMetrics;
  log: JobLogger;
}

interface Run {
  ref: RunRef;
  task: Task;
  controller: AbortController;
  /** Lease end as last written by this worker (ms since the epoch). */
  leaseUntil: number;
  /** The result is being written: a heartbeat that no longer finds the lease is not a loss. */
  settling: boolean;
  /** Given up (lease lost, released or abandoned at stop): its result must not be written. */
  detached: boolean;
  /** The handler marked the job succeeded itself, through `helpers.complete`. */
  completed: boolean;
}

class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}

class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** Claims due jobs, runs their handlers, keeps their leases alive, and records each outcome. */
export class Worker {
  private readonly runs = new Map<string, Run>();
  /** Handler promises still going, including those whose result was already written (timeouts). */
  private readonly active = new Set<Promise<void>>();
  private readonly waker = new Waker();
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatBusy = false;

  constructor(private readonly options: WorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
    const shortestLease = Math.min(this.options.leaseMs, ...[...this.options.tasks.values()].map((t) => t.leaseMs));
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(100, Math.floor(shortestLease / 3)));
  }

  /** Polls now instead of at the end of the current interval. */
  wake(): void {
    this.waker.wake();
  }

  /**
   * Stops claiming, waits up to `drainMs` for the runs in flight, then aborts the others and gives
   * their leases back so another node runs them at once. With `release` false nothing is
   * written: the leases simply expire, as if the process had been killed.
   */
  async stop(drainMs: number, release = true): Promise<void> {
    this.running = false;
    this.waker.wake();
    await this.loopDone;
    if (!release) {
      clearInterval(this.heartbeatTimer);
      for (const run of this.runs.values()) this.detach(run, new LeaseLostError('The worker stopped without releasing its leases.'));
      return;
    }
    if (this.active.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.active]),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
      ]);
      clearTimeout(timer);
    }
    clearInterval(this.heartbeatTimer);
    const unfinished = [...this.runs.values()];
    if (unfinished.length === 0) return;
    for (const run of unfinished) this.detach(run, new LeaseLostError('The worker is shutting down.'));
    try {
      const released = await releaseLeases(this.options.db, this.options.workerId, unfinished.map((r) => r.ref.id), new Date().toISOString());
      this.options.log('warn', 'jobs released at shutdown', { workerId: this.options.workerId, released, jobIds: unfinished.map((r) => r.ref.id) });
    } catch (error) {
      this.options.log('error', 'could not release job leases at shutdown; they expire on their own', { err: describeError(error) });
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      try {
        claimed = await this.claim();
      } catch (error) {
        this.options.log('warn', 'claiming jobs failed; retrying at the next poll', { err: describeError(error) });
      }
      if (!this.running) break;
      if (claimed > 0 && this.freeSlots() > 0) continue;
      await this.waker.wait(this.options.pollIntervalMs);
    }
  }

  private freeSlots(): number {
    return this.options.concurrency - this.active.size;
  }

  /**
   * One claim for every name with a free slot. Its limit is the smallest free count among them, so
   * no per-name limit is exceeded; the loop claims again at once while work is found.
   */
  private async claim(): Promise<number> {
    const free = this.freeSlots();
    if (free < 1) return 0;
    const eligible = [...this.options.tasks.values()].filter((t) => t.running < t.concurrency);
    if (eligible.length === 0) return 0;
    const limit = Math.min(free, ...eligible.map((t) => t.concurrency - t.running));
    const leaseMs = Math.min(...eligible.map((t) => t.leaseMs));
    const now = Date.now();
    const rows = await claimJobs(this.options.db, this.options.dialect, {
      workerId: this.options.workerId,
      names: eligible.map((t) => t.name),
      limit,
      now: new Date(now).toISOString(),
      lockedUntil: new Date(now + leaseMs).toISOString(),
    });
    for (const row of rows) this.execute(row);
    return rows.length;
  }

  private execute(row: JobRow): void {
    const task = this.options.tasks.get(row.name)!;
    const run: Run = {
      ref: { id: row.id, workerId: this.options.workerId, attempt: Number(row.attempts) },
      task,
      controller: new AbortController(),
      leaseUntil: Date.parse(row.locked_until!),
      settling: false,
      detached: false,
      completed: false,
    };
    this.runs.set(row.id, run);
    task.running++;
    const done = this.perform(run, row)
      .catch((error: unknown) => this.options.log('error', 'job run failed unexpectedly', { jobId: row.id, err: describeError(error) }))
      .finally(() => {
        task.running--;
        this.active.delete(done);
        this.waker.wake();
      });
    this.active.add(done);
  }

  private async perform(run: Run, row: JobRow): Promise<void> {
    const { task, ref } = run;
    const startedAt = Date.now();
    this.options.metrics.started(task.name, (startedAt - Date.parse(row.run_at)) / 1000);
    const fields = { jobId: ref.id, job: task.name, attempt: ref.attempt };
    const helpers: JobHelpers = {
      jobId: ref.id,
      name: task.name,
      attempt: ref.attempt,
      maxAttempts: Number(row.max_attempts),
      signal: run.controller.signal,
      log: (message, extra) => this.options.log('info', message, { ...fields, ...extra }),
      complete: (fn) => this.completeInTransaction(run, fn),
    };
    let handling: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let failure: unknown;
    let failed = false;
    try {
      // Through a promise, so a handler that throws synchronously or returns no promise fails the same way.
      handling = Promise.resolve().then(() => task.handler(JSON.parse(row.payload), helpers));
      if (task.timeoutMs === undefined) {
        await handling;
      } else {
        const timeoutMs = task.timeoutMs;
        await Promise.race([
          handling,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              const error = new JobTimeoutError(`The run took longer than ${timeoutMs} ms and was aborted.`);
              run.controller.abort(error);
              reject(error);
            }, timeoutMs);
          }),
        ]);
      }
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      clearTimeout(timer);
    }
    const durationSeconds = (Date.now() - startedAt) / 1000;
    if (!run.detached) await this.settle(run, failed, failure, durationSeconds, Number(row.max_attempts));
    if (this.runs.get(ref.id) === run) this.runs.delete(ref.id);
    // A timed-out handler that ignores its signal still holds its slot until it returns.
    await handling?.catch(() => undefined);
  }

  private async completeInTransaction<T>(run: Run, fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    if (run.detached || run.completed) throw new LeaseLostError('This run no longer holds the job.');
    run.settling = true;
    try {
      const result = await this.options.db.transaction().execute(async (trx) => {
        const value = await fn(trx as Transaction<any>);
        if (!(await markSucceeded(trx, run.ref, new Date().toISOString()))) {
          throw new LeaseLostError('The lease on this job was lost before it completed; nothing was committed.');
        }
        return value;
      });
      run.completed = true;
      return result;
    } finally {
      run.settling = run.completed;
    }
  }

  private async settle(run: Run, failed: boolean, failure: unknown, durationSeconds: number, maxAttempts: number): Promise<void> {
    const { task, ref } = run;
    const fields = { jobId: ref.id, job: task.name, attempt: ref.attempt };
    run.settling = true;
    const outcome = !failed ? 'succeeded' : ref.attempt >= maxAttempts ? 'dead' : 'failed';
    if (run.completed) {
      // helpers.complete already recorded the success; a later throw cannot undo it.
      this.options.metrics.finished(task.name, 'succeeded', durationSeconds);
      if (failed) this.options.log('warn', 'job handler threw after completing; the job stays succeeded', { ...fields, err: describeError(failure) });
      return;
    }
    const write = (): Promise<boolean> => {
      const now = new Date();
      if (outcome === 'succeeded') return markSucceeded(this.options.db, ref, now.toISOString());
      const error = describeError(failure);
      if (outcome === 'dead') return markDead(this.options.db, ref, error, now.toISOString());
      const runAt = new Date(now.getTime() + retryDelayMs(ref.attempt, task.backoff ?? this.options.backoff));
      return markRetry(this.options.db, ref, error, runAt.toISOString(), now.toISOString());
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await write();
        if (written) {
          this.options.metrics.finished(task.name, outcome, durationSeconds);
          if (outcome === 'failed') this.options.log('warn', 'job failed; it will be retried', { ...fields, err: describeError(failure) });
          if (outcome === 'dead') this.options.log('error', 'job failed its last attempt and is dead', { ...fields, err: describeError(failure) });
        } else {
          this.options.log('warn', 'job result discarded: the lease was lost and the job will run again', { ...fields, outcome });
        }
        return;
      } catch (error) {
        // The lease is still renewed meanwhile; once it has expired the job runs again elsewhere.
        if (attempt >= 3 || Date.now() > run.leaseUntil || run.detached) {
          this.options.log('error', 'could not record the job result; it will run again after its lease expires', { ...fields, outcome, err: describeError(error) });
          return;
        }
        await sleep(250 * attempt);
      }
    }
  }

  /** Renews every lease this worker holds; runs whose lease is gone are aborted. */
  private async heartbeat(): Promise<void> {
    if (this.heartbeatBusy || this.runs.size === 0) return;
    this.heartbeatBusy = true;
    try {
      const byLease = new Map<number, Run[]>();
      for (const run of this.runs.values()) {
        if (run.detached) continue;
        byLease.set(run.task.leaseMs, [...(byLease.get(run.task.leaseMs) ?? []), run]);
      }
      for (const [leaseMs, runs] of byLease) {
        const now = Date.now();
        const until = now + leaseMs;
        try {
          const renewed = new Set(
            await renewLeases(this.options.db, this.options.workerId, runs.map((r) => r.ref.id), new Date(until).toISOString(), new Date(now).toISOString()),
          );
          for (const run of runs) {
            if (renewed.has(run.ref.id)) run.leaseUntil = until;
            else if (!run.settling) this.lose(run);
          }
        } catch (error) {
          this.options.log('warn', 'renewing job leases failed', { err: describeError(error) });
          for (const run of runs) if (!run.settling && Date.now() > run.leaseUntil) this.lose(run);
        }
      }
    } finally {
      this.heartbeatBusy = false;
    }
  }

  private lose(run: Run): void {
    this.options.log('warn', 'job lease lost; aborting the run (the job runs again elsewhere)', { jobId: run.ref.id, job: run.task.name, attempt: run.ref.attempt });
    this.detach(run, new LeaseLostError('The lease on this job was lost; another worker may be running it.'));
  }

  private detach(run: Run, reason: Error): void {
    run.detached = true;
    if (this.runs.get(run.ref.id) === run) this.runs.delete(run.ref.id);
    run.controller.abort(reason);
  }
}
