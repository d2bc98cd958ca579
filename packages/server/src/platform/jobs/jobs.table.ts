import type { Generated } from 'kysely';

/** Where a job is in its life: waiting (maybe for a retry), leased by a worker, done, or given up on. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'dead';

/** One unit of background work; timestamps are ISO-8601 strings on both stores. */
export interface JobTable {
  id: string;
  name: string;
  /** JSON text. */
  payload: string;
  state: JobState;
  /** Idempotency key: at most one job per key while the row exists. */
  key: string | null;
  /** Runs started so far, the current one included. */
  attempts: Generated<number>;
  max_attempts: number;
  /** Not before this moment (the first run, or the next retry). */
  run_at: string;
  /** The worker holding the lease while `running`. */
  locked_by: string | null;
  /** The lease ends here unless the worker's heartbeat renews it. */
  locked_until: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  /** Start of the latest run. */
  started_at: string | null;
  /** When the job succeeded or went dead. */
  finished_at: string | null;
}

/** A cron schedule; `next_run_at` is advanced by compare-and-set, so each tick fires once. */
export interface JobScheduleTable {
  /** The job name each tick enqueues. */
  name: string;
  cron: string;
  timezone: string | null;
  next_run_at: string;
  last_run_at: string | null;
  updated_at: string;
}

/** One run of the built-in `portico.selftest` job; `finished_at` stays null for a run that never ended. */
export interface JobSelftestRunTable {
  id: string;
  job_id: string;
  batch: string;
  attempt: number;
  node_id: string;
  started_at: string;
  finished_at: string | null;
}

/** Reach these through `store.db.withTables<JobTables>()`. */
export type JobTables = {
  jobs: JobTable;
  job_schedules: JobScheduleTable;
  job_selftest_runs: JobSelftestRunTable;
};
