import type { AnyStore as Store } from '../db/store.ts';
import { jobsDb, JobQueue, type JobQueueOptions } from './job-queue.ts';
import { registerRetention, type RetentionOptions } from './retention.ts';
import { registerSelftest } from './selftest.ts';

export { JobQueue, jobsDb, type JobQueueOptions, type StopOptions } from './job-queue.ts';
export type { EnqueueOptions, Job, JobHandler, JobHelpers, JobLogger, JobState, RegisterOptions, ScheduleOptions } from './jobs.types.ts';
export type { JobTables } from './jobs.table.ts';
export type { ScheduledPayload } from './scheduler.ts';
export { describeError, jsonLineLogger } from './job-logger.ts';
export { RETENTION_JOB, type RetentionOptions } from './retention.ts';
export { runSelftest, SELFTEST_JOB, type SelftestReport, type SelftestProgress } from './selftest.ts';

export interface CreateJobsOptions extends JobQueueOptions {
  store: Store;
  retention?: RetentionOptions;
}

/** The node's job queue with the built-in jobs (retention, selftest) registered; `start()` it to work. */
export function createJobs(options: CreateJobsOptions): JobQueue {
  const queue = new JobQueue(options);
  const db = jobsDb(options.store.db);
  registerRetention(queue, db, options.retention);
  registerSelftest(queue, db);
  return queue;
}
