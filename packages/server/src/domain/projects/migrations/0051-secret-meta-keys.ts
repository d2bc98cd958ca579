import type { Kysely } from 'kysely';
import type { MigrationFactory } from '../../../platform/db/migrator.ts';

/** The project's secret metadata keys: a JSON array of top-level keys whose values are sealed at rest. */
export const secretMetaKeys: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('projects').addColumn('secret_meta_keys', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  },
});
