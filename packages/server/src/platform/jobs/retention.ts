import { deleteFinished, type JobsDb } from './jobs.repository.ts';
import type { JobQueue } from './job-queue.ts';
import { deleteSelftestRunsBefore } from './selftest.repository.ts';

export const RETENTION_JOB = 'portico.retention';
const DAY_MS = 86_400_000;
const BATCH = 1000;

export interface RetentionOptions {
  /** Succeeded jobs (and selftest records) are deleted this long after they finished. @default 7 days */
  keepSucceededMs?: number;
  /** Dead jobs are deleted this long after they went dead. @default 30 days */
  keepDeadMs?: number;
  /** When the cleanup runs. @default hourly, at minute 23 */
  cron?: string;
}

/** Deletes old finished jobs in batches (short statements, so claims never wait long behind it). */
export async function pruneFinishedJobs(db: JobsDb, now: Date, options: RetentionOptions, signal?: AbortSignal): Promise<{ succeeded: number; dead: number; selftestRuns: number }> {
  const keepSucceededMs = options.keepSucceededMs ?? 7 * DAY_MS;
  const keepDeadMs = options.keepDeadMs ?? 30 * DAY_MS;
  const drain = async (step: () => Promise<number>) => {
    let total = 0;
    for (;;) {
      const deleted = await step();
      total += deleted;
      if (deleted < BATCH || signal?.aborted) return total;
    }
  };
  const succeededBefore = new Date(now.getTime() - keepSucceededMs).toISOString();
  const deadBefore = new Date(now.getTime() - keepDeadMs).toISOString();
  return {
    succeeded: await drain(() => deleteFinished(db, 'succeeded', succeededBefore, BATCH)),
    dead: await drain(() => deleteFinished(db, 'dead', deadBefore, BATCH)),
    selftestRuns: await drain(() => deleteSelftestRunsBefore(db, succeededBefore, BATCH)),
  };
}

/** The built-in retention job and its schedule. */
export function registerRetention(queue: JobQueue, db: JobsDb, options: RetentionOptions = {}): void {
  queue.register(RETENTION_JOB, async (_payload, helpers) => {
    const deleted = await pruneFinishedJobs(db, new Date(), options, helpers.signal);
    helpers.log('finished jobs deleted', deleted);
  }, { concurrency: 1 });
  queue.schedule(RETENTION_JOB, options.cron ?? '23 * * * *');
}
