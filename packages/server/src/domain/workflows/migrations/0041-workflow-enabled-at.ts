import type { Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * When a user's workflow was last switched on or off (`enabled_at`), apart from `updated_at`,
 * which a settings save also moves. The Workflow Permissions re-check of a metadata change leaves
 * alone a workflow switched since that change (decision 47); with `updated_at` a settings save in
 * between made it skip a workflow the change should have switched off. Existing rows keep it null
 * and are read as `updated_at`, the best that is known: filling it in here rewrote every state
 * row (29 s for 1,000,000 users on PostgreSQL) before the server could start.
 */
export const workflowEnabledAt: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('workflow_states').addColumn('enabled_at', t.timestamp).execute();
  },
});
