import type { Kysely, Transaction } from 'kysely';
import type { BackoffOptions } from './backoff.ts';
import type { JobState } from './jobs.table.ts';

export type { JobState };

/** A job as the rest of the code sees it. */
export interface Job<P = unknown> {
  id: string;
  name: string;
  payload: P;
  state: JobState;
  key: string | null;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lockedBy: string | null;
  lockedUntil: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where the queue and handlers write log lines. */
export type JobLogger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** What a handler receives besides its payload. */
export interface JobHelpers {
  jobId: string;
  name: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  /**
   * Aborted when the run times out, its lease is lost (another worker may run the job now), or the
   * queue stops without finishing it. Long handlers should pass it on and stop when it fires.
   */
  signal: AbortSignal;
  /** Logs with the job's id, name and attempt attached. */
  log(message: string, fields?: Record<string, unknown>): void;
  /**
   * Runs `fn` in a transaction that also marks the job succeeded, so its writes commit exactly once:
   * only while this run still holds the lease (otherwise it throws and rolls back), and never again
   * after a crash. Call it last; the handler's return then only reports what `fn` returned.
   */
  complete<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T>;
}

/** A plain async function; throwing (or rejecting) fails the attempt, which is retried with backoff. */
export type JobHandler<P = unknown> = (payload: P, helpers: JobHelpers) => Promise<void>;

export interface EnqueueOptions {
  /** Not before this moment. @default now */
  runAt?: Date;
  /**
   * Idempotency key, global across job names: enqueueing with a key that a stored job already has
   * returns that job and adds nothing. The key is free again once retention deletes the job.
   * @example "welcome-email:user-123"
   */
  key?: string;
  /** Runs before the job goes dead. @default 5 */
  maxAttempts?: number;
  /** Enqueue inside this transaction, so the job exists only if the transaction commits. */
  trx?: Kysely<any>;
}

export interface RegisterOptions {
  /** Most runs of this job name at once on this node (the node-wide limit applies too). */
  concurrency?: number;
  /** Lease length; the heartbeat renews it every third of it while the handler runs. @default the queue's leaseMs */
  leaseMs?: number;
  /** A run still going after this long is aborted and counted as a failed attempt. @default no limit */
  timeoutMs?: number;
  /**
   * This name's retry delays, when they differ from the queue's (a delivery retried within seconds,
   * a nightly export within minutes). @default the queue's backoff
   * @example { baseMs: 5000, maxMs: 3600000 }
   */
  backoff?: Partial<BackoffOptions>;
}

export interface ScheduleOptions {
  /** IANA zone the cron expression is read in. @default "UTC" @example "Europe/Paris" */
  timezone?: string;
}
