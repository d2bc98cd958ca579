import { sql, type Kysely, type Migration, type SqlBool } from 'kysely';
import type { DialectName } from '../db/store.ts';
import { columnTypes as types } from '../db/migrator.ts';

/**
 * `0002_jobs`: the job queue, its cron schedules and the selftest's run records. A function
 * declaration, not a const: the migration list imports it, and hoisting keeps any import cycle safe.
 */
export function jobsMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const t = types(dialect);
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('payload', t.json, (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.unique())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('run_at', t.timestamp, (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_until', t.timestamp)
        .addColumn('last_error', 'text')
        .addColumn('created_at', t.timestamp, (c) => c.notNull())
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .addColumn('started_at', t.timestamp)
        .addColumn('finished_at', t.timestamp)
        .execute();
      // Claims read queued jobs by run_at; the reaper reads running jobs by lease end; retention and
      // the queue-depth gauge read by state.
      await db.schema.createIndex('jobs_queued_run_at').on('jobs').column('run_at').where(sql<SqlBool>`state = 'queued'`).execute();
      await db.schema.createIndex('jobs_running_lease').on('jobs').column('locked_until').where(sql<SqlBool>`state = 'running'`).execute();
      await db.schema.createIndex('jobs_state_finished').on('jobs').columns(['state', 'finished_at']).execute();

      await db.schema
        .createTable('job_schedules')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('cron', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text')
        .addColumn('next_run_at', t.timestamp, (c) => c.notNull())
        .addColumn('last_run_at', t.timestamp)
        .addColumn('updated_at', t.timestamp, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('job_selftest_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('batch', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('node_id', 'text', (c) => c.notNull())
        .addColumn('started_at', t.timestamp, (c) => c.notNull())
        .addColumn('finished_at', t.timestamp)
        .execute();
      await db.schema.createIndex('job_selftest_runs_batch').on('job_selftest_runs').columns(['batch', 'job_id']).execute();
    },
  };
}
