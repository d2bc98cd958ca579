import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { DialectName } from '../db/store.ts';
import type { JobState, JobTable, JobTables } from './jobs.table.ts';
import type { Job } from './jobs.types.ts';

/** The store's database, or a transaction of it, seen with the job tables. */
export type JobsDb = Kysely<JobTables>;
export type JobRow = Selectable<JobTable>;

export function toJob<P = unknown>(row: JobRow): Job<P> {
  return {
    id: row.id,
    name: row.name,
    payload: JSON.parse(row.payload) as P,
    state: row.state,
    key: row.key,
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAt: row.run_at,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** Inserts the job unless another already has its key; either way returns the stored row. */
export async function insertJob(db: JobsDb, row: Insertable<JobTable>): Promise<{ row: JobRow; created: boolean }> {
  const inserted = await db
    .insertInto('jobs')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { row: inserted, created: true };
  const existing = await db.selectFrom('jobs').selectAll().where('key', '=', row.key!).executeTakeFirstOrThrow();
  return { row: existing, created: false };
}

export function findJob(db: JobsDb, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ClaimRequest {
  workerId: string;
  names: readonly string[];
  limit: number;
  now: string;
  lockedUntil: string;
}

/**
 * Leases up to `limit` due jobs in one statement. The only dialect difference of the queue:
 * PostgreSQL skips rows other workers are claiming (`FOR UPDATE SKIP LOCKED`); SQLite has one
 * writer, which runs claims one after the other. On SQLite an idle poll only reads: a write there
 * takes the writer (and, from a `portico worker` process, empties the server's caches, which keep
 * what they hold only while no other process commits to the file).
 */
export async function claimJobs(db: JobsDb, dialect: DialectName, request: ClaimRequest): Promise<JobRow[]> {
  if (request.names.length === 0 || request.limit < 1) return [];
  const due = db
    .selectFrom('jobs')
    .select('id')
    .where('state', '=', 'queued')
    .where('run_at', '<=', request.now)
    .where('name', 'in', request.names)
    .orderBy('run_at')
    .limit(request.limit);
  if (dialect === 'sqlite' && !(await due.limit(1).executeTakeFirst())) return [];
  return db
    .updateTable('jobs')
    .set((eb) => ({
      state: 'running',
      attempts: eb('attempts', '+', 1),
      locked_by: request.workerId,
      locked_until: request.lockedUntil,
      started_at: request.now,
      updated_at: request.now,
    }))
    .where('id', 'in', dialect === 'postgres' ? due.forUpdate().skipLocked() : due)
    .where('state', '=', 'queued')
    .returningAll()
    .execute();
}

/** Identifies one run: a later run of the same job (after a lost lease) has another attempt number. */
export interface RunRef {
  id: string;
  workerId: string;
  attempt: number;
}

function ownRun(db: JobsDb, run: RunRef) {
  return db
    .updateTable('jobs')
    .where('id', '=', run.id)
    .where('locked_by', '=', run.workerId)
    .where('attempts', '=', run.attempt)
    .where('state', '=', 'running');
}

async function changed(query: Promise<{ numUpdatedRows: bigint }>): Promise<boolean> {
  return (await query).numUpdatedRows > 0n;
}

/** False when the run no longer holds the job (its lease expired and the job moved on). */
export function markSucceeded(db: JobsDb, run: RunRef, now: string): Promise<boolean> {
  return changed(
    ownRun(db, run)
      .set({ state: 'succeeded', locked_by: null, locked_until: null, finished_at: now, updated_at: now })
      .executeTakeFirst(),
  );
}

export function markRetry(db: JobsDb, run: RunRef, error: string, runAt: string, now: string): Promise<boolean> {
  return changed(
    ownRun(db, run)
      .set({ state: 'queued', locked_by: null, locked_until: null, run_at: runAt, last_error: error, updated_at: now })
      .executeTakeFirst(),
  );
}

export function markDead(db: JobsDb, run: RunRef, error: string, now: string): Promise<boolean> {
  return changed(
    ownRun(db, run)
      .set({ state: 'dead', locked_by: null, locked_until: null, last_error: error, finished_at: now, updated_at: now })
      .executeTakeFirst(),
  );
}

/** Extends the leases this worker still holds; returns the ids it still holds. */
export async function renewLeases(db: JobsDb, workerId: string, ids: readonly string[], lockedUntil: string, now: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('jobs')
    .set({ locked_until: lockedUntil, updated_at: now })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .where('state', '=', 'running')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Gives leases back at shutdown: the jobs run again at once elsewhere, and the interrupted run does not count. */
export async function releaseLeases(db: JobsDb, workerId: string, ids: readonly string[], now: string): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .updateTable('jobs')
    .set((eb) => ({
      state: 'queued',
      attempts: eb('attempts', '-', 1),
      locked_by: null,
      locked_until: null,
      run_at: now,
      updated_at: now,
    }))
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface Reaped {
  requeued: string[];
  dead: string[];
}

/**
 * Jobs whose lease ended without a heartbeat (their worker died or lost the database): queued again
 * at once, or dead if that was their last attempt. Returns the names of the jobs, for metrics.
 */
export async function reapExpiredLeases(db: JobsDb, now: string): Promise<Reaped> {
  const any = await db.selectFrom('jobs').select('id').where('state', '=', 'running').where('locked_until', '<', now).limit(1).executeTakeFirst();
  if (!any) return { requeued: [], dead: [] };
  const expired = (state: JobState) =>
    db
      .updateTable('jobs')
      .set({
        state,
        last_error: sql<string>`${sql.lit('The lease of worker ')} || locked_by || ${sql.lit(' expired before the run finished (the worker stopped or lost the database).')}`,
        locked_by: null,
        locked_until: null,
        updated_at: now,
        ...(state === 'dead' ? { finished_at: now } : { run_at: now }),
      })
      .where('state', '=', 'running')
      .where('locked_until', '<', now);
  const dead = await expired('dead').where('attempts', '>=', (eb) => eb.ref('max_attempts')).returning('name').execute();
  const requeued = await expired('queued').returning('name').execute();
  return { requeued: requeued.map((r) => r.name), dead: dead.map((r) => r.name) };
}

export interface ListFilter {
  state?: JobState | undefined;
  name?: string | undefined;
  limit: number;
}

export function listJobs(db: JobsDb, filter: ListFilter): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll().orderBy('updated_at', 'desc').orderBy('id').limit(filter.limit);
  if (filter.state) query = query.where('state', '=', filter.state);
  if (filter.name) query = query.where('name', '=', filter.name);
  return query.execute();
}

/** A dead job queued again with a fresh set of attempts; undefined if it is not dead. */
export function requeueDead(db: JobsDb, id: string, now: string): Promise<JobRow | undefined> {
  return db
    .updateTable('jobs')
    .set({ state: 'queued', attempts: 0, run_at: now, finished_at: null, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .returningAll()
    .executeTakeFirst();
}

/** Jobs per state, without scanning succeeded ones (they pile up until retention removes them). */
export async function countUnfinishedByState(db: JobsDb): Promise<Map<JobState, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['state', (eb) => eb.fn.countAll<string | number>().as('count')])
    .where('state', 'in', ['queued', 'running', 'dead'])
    .groupBy('state')
    .execute();
  return new Map(rows.map((r) => [r.state, Number(r.count)]));
}

/** Deletes up to `limit` jobs in `state` finished before `before`; returns how many. */
export async function deleteFinished(db: JobsDb, state: 'succeeded' | 'dead', before: string, limit: number): Promise<number> {
  const batch = db.selectFrom('jobs').select('id').where('state', '=', state).where('finished_at', '<', before).limit(limit);
  const result = await db.deleteFrom('jobs').where('id', 'in', batch).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes the jobs with one of `keys` or a key matching one of `keyPatterns` (SQL LIKE), except
 * running ones (their worker holds them): for erasure, whose jobs' payloads name a user.
 */
export async function deleteByKeys(db: JobsDb, keys: readonly string[], keyPatterns: readonly string[]): Promise<number> {
  if (keys.length === 0 && keyPatterns.length === 0) return 0;
  const result = await db.deleteFrom('jobs')
    .where('state', '<>', 'running')
    .where((eb) => eb.or([
      ...(keys.length > 0 ? [eb('key', 'in', [...keys])] : []),
      ...keyPatterns.map((pattern) => eb('key', 'like', pattern)),
    ]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
