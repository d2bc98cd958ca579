import type { Kysely } from 'kysely';
import type { MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * The audit timeline reads the outbox itself (every change's event, written in the change's
 * transaction): a user's page walks (project_id, user_id, sequence) backwards, the project's
 * (project_id, sequence). Two more indexes on the outbox's insert path, measured in performance.md.
 */
export const auditTimeline: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('events_project_user_sequence').on('events').columns(['project_id', 'user_id', 'sequence']).execute();
    await db.schema.createIndex('events_project_sequence').on('events').columns(['project_id', 'sequence']).execute();
  },
});
