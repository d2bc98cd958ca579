import type { Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * How users connect an integration: the project's OAuth client and provider definition (custom
 * integrations) or endpoint overrides (built-ins) as JSON, and the client secret, sealed.
 */
export const integrationAuth: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('integrations').addColumn('auth_config', t.json, (c) => c.notNull().defaultTo('{}')).execute();
    await db.schema.alterTable('integrations').addColumn('client_secret', 'text').execute();
  },
});
