import { sql, type Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * When a user's workflow was last switched on or off (`enabled_at`), apart from `updated_at`,
 * which a settings save also moves. The Workflow Permissions re-check of a metadata change leaves
 * alone a workflow switched since that change (decision 47); with `updated_at` a settings save in
 * between made it skip a workflow the change should have switched off. Existing rows start from
 * `updated_at`, the best that is known.
 */
export const workflowEnabledAt: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('workflow_states').addColumn('enabled_at', t.timestamp).execute();
    await sql`update workflow_states set enabled_at = updated_at`.execute(db);
  },
});
