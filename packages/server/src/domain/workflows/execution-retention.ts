import type { AppContext } from '../context.ts';
import { deleteFinishedExecutionsBefore } from './task-history.repository.ts';
import { FINISHED_STATUSES } from './task-history.schema.ts';

/** Deletes finished executions older than `PORTICO_EXECUTION_RETENTION_DAYS`, hourly. */
export const EXECUTION_RETENTION_JOB = 'portico.workflows.retention';

const BATCH = 500;
const DAY_MS = 86_400_000;

/**
 * Registers the Task History sweeper: every hour, finished executions (and their steps) created more
 * than the retention period ago are deleted in batches of 500, each its own short transaction, so
 * the engine's writes never wait long behind it. Unfinished runs are left to the engine.
 */
export function registerExecutionRetention(ctx: Pick<AppContext, 'store' | 'jobs' | 'clock' | 'config'>): void {
  ctx.jobs.register(EXECUTION_RETENTION_JOB, async (_payload, helpers) => {
    const before = new Date(ctx.clock.now() - ctx.config.executionRetentionDays * DAY_MS).toISOString();
    let deleted = 0;
    for (let batch = await deleteFinishedExecutionsBefore(ctx.store.db, before, FINISHED_STATUSES, BATCH); batch > 0; batch = await deleteFinishedExecutionsBefore(ctx.store.db, before, FINISHED_STATUSES, BATCH)) {
      deleted += batch;
      if (helpers.signal.aborted) break;
    }
    helpers.log('old workflow executions deleted', { deleted, before });
  }, { concurrency: 1 });
  ctx.jobs.schedule(EXECUTION_RETENTION_JOB, '29 * * * *');
}
