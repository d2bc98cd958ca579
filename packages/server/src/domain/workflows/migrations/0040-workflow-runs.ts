import { sql, type Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';
import { GATING_CONSUMER } from '../execution-jobs.ts';

/**
 * Workflows get their definition (trigger, steps, permissions), and runs get their history:
 * executions and step executions. History rows go with their user (erasure) and their workflow.
 */
export const workflowRuns: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('workflows').addColumn('definition', 'text').execute();
    await db.schema.alterTable('workflows').addColumn('trigger_type', 'text', (c) => c.notNull().defaultTo('request')).execute();
    await db.schema.alterTable('workflows').addColumn('event_name', 'text').execute();
    await db.schema.createIndex('workflows_event').on('workflows').columns(['project_id', 'event_name']).execute();

    await db.schema
      .createTable('workflow_executions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('connected_users.id').onDelete('cascade'))
      .addColumn('end_user_id', 'text', (c) => c.notNull())
      .addColumn('integration_id', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text')
      .addColumn('config_id', 'text')
      .addColumn('trigger_type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('trigger_input', 'text', (c) => c.notNull())
      .addColumn('response', 'text')
      // What a run resumed after a crash needs: the outputs of the steps that already ran, in full.
      .addColumn('context', 'text')
      .addColumn('error', 'text')
      .addColumn('error_code', 'text')
      .addColumn('dedupe_key', 'text', (c) => c.unique())
      .addColumn('replay_of', 'text')
      .addColumn('task_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('started_at', t.timestamp)
      .addColumn('ended_at', t.timestamp)
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('workflow_executions_list').on('workflow_executions').columns(['project_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('workflow_executions_user').on('workflow_executions').columns(['user_id', 'created_at']).execute();
    await db.schema.createIndex('workflow_executions_workflow').on('workflow_executions').columns(['workflow_id', 'created_at']).execute();
    await db.schema.createIndex('workflow_executions_status').on('workflow_executions').columns(['project_id', 'status']).execute();
    await db.schema.createIndex('workflow_executions_credential').on('workflow_executions').columns(['credential_id', 'status']).execute();
    await db.schema.createIndex('workflow_executions_age').on('workflow_executions').column('created_at').execute();

    await db.schema
      .createTable('workflow_step_executions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('execution_id', 'text', (c) => c.notNull().references('workflow_executions.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('step_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('input', 'text')
      .addColumn('output', 'text')
      .addColumn('input_size', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('output_size', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_large_input', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('is_large_output', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', 'text')
      .addColumn('started_at', t.timestamp, (c) => c.notNull())
      .addColumn('ended_at', t.timestamp)
      .addUniqueConstraint('workflow_step_executions_step', ['execution_id', 'step_id'])
      .execute();

    // The gating consumer starts at the end of the outbox: nothing ran before this version.
    const now = new Date().toISOString();
    await sql`
      insert into event_cursors (consumer, last_sequence, updated_at)
      select ${GATING_CONSUMER}, coalesce(max(sequence), 0), cast(${now} as ${sql.raw(t.timestamp)}) from events where true
      on conflict (consumer) do nothing`.execute(db);
  },
});
