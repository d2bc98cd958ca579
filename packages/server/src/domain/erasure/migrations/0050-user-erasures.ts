import type { Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/** Tombstones of erased users: a hash of the user id, the date and the receipt, never the id itself. */
export const userErasures: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('user_erasures')
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('user_hash', 'text', (c) => c.notNull())
      .addColumn('erased_at', t.timestamp, (c) => c.notNull())
      .addColumn('receipt', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_erasures_pk', ['project_id', 'user_hash'])
      .execute();
  },
});
