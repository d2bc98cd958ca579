import type { Kysely } from 'kysely';
import type { MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * The values of a user's secret metadata keys, sealed together (one envelope bound to the row);
 * `meta` keeps only the placeholder "[secret]" for them.
 */
export const userSecretMeta: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('connected_users').addColumn('secret_meta', 'text').execute();
  },
});
