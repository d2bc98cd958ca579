import type { Selectable } from 'kysely';
import type { JobsDb } from './jobs.repository.ts';
import type { JobScheduleTable } from './jobs.table.ts';

export type ScheduleRow = Selectable<JobScheduleTable>;

export interface ScheduleDefinition {
  name: string;
  cron: string;
  timezone: string | null;
  /** First tick from now, used when the schedule is new or its cron changed. */
  nextRunAt: string;
}

/**
 * Creates the schedule, or points it at a changed cron or zone. An unchanged schedule keeps its
 * next tick, so a tick missed while every node was down still fires (once) at start.
 */
export async function upsertSchedule(db: JobsDb, definition: ScheduleDefinition, now: string): Promise<void> {
  await db
    .insertInto('job_schedules')
    .values({
      name: definition.name,
      cron: definition.cron,
      timezone: definition.timezone,
      next_run_at: definition.nextRunAt,
      last_run_at: null,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ cron: definition.cron, timezone: definition.timezone, next_run_at: definition.nextRunAt, updated_at: now })
        .where((eb) =>
          eb.or([
            eb('job_schedules.cron', '!=', definition.cron),
            eb(eb.fn.coalesce('job_schedules.timezone', eb.val('')), '!=', definition.timezone ?? ''),
          ]),
        ),
    )
    .execute();
}

export function dueSchedules(db: JobsDb, names: readonly string[], now: string): Promise<ScheduleRow[]> {
  if (names.length === 0) return Promise.resolve([]);
  return db.selectFrom('job_schedules').selectAll().where('name', 'in', names).where('next_run_at', '<=', now).execute();
}

/** Compare-and-set: true for the one caller that moved the schedule from `tick` to `next`. */
export async function advanceSchedule(db: JobsDb, name: string, tick: string, next: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('job_schedules')
    .set({ next_run_at: next, last_run_at: tick, updated_at: now })
    .where('name', '=', name)
    .where('next_run_at', '=', tick)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
