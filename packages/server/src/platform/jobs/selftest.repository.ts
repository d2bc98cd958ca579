import type { Insertable, Selectable } from 'kysely';
import type { JobsDb } from './jobs.repository.ts';
import type { JobSelftestRunTable, JobState } from './jobs.table.ts';

export type SelftestRunRow = Selectable<JobSelftestRunTable>;

export async function insertSelftestRun(db: JobsDb, row: Insertable<JobSelftestRunTable>): Promise<void> {
  await db.insertInto('job_selftest_runs').values(row).execute();
}

export async function finishSelftestRun(db: JobsDb, id: string, finishedAt: string): Promise<void> {
  await db.updateTable('job_selftest_runs').set({ finished_at: finishedAt }).where('id', '=', id).execute();
}

export function selftestRuns(db: JobsDb, batch: string): Promise<SelftestRunRow[]> {
  return db.selectFrom('job_selftest_runs').selectAll().where('batch', '=', batch).orderBy('started_at').execute();
}

export interface SelftestJobRow {
  id: string;
  state: JobState;
  created_at: string;
}

/** The jobs with these ids, read in chunks (bound parameters are limited on both stores). */
export async function jobsById(db: JobsDb, ids: readonly string[]): Promise<SelftestJobRow[]> {
  const rows: SelftestJobRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    rows.push(...(await db.selectFrom('jobs').select(['id', 'state', 'created_at']).where('id', 'in', ids.slice(i, i + 500)).execute()));
  }
  return rows;
}

export async function deleteSelftestRunsBefore(db: JobsDb, before: string, limit: number): Promise<number> {
  const batch = db.selectFrom('job_selftest_runs').select('id').where('started_at', '<', before).limit(limit);
  const result = await db.deleteFrom('job_selftest_runs').where('id', 'in', batch).executeTakeFirst();
  return Number(result.numDeletedRows);
}
