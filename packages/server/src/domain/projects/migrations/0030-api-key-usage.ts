import type { Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/** When each API key last authenticated a request (written at most once a minute per key and node). */
export const apiKeyUsage: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('api_keys').addColumn('last_used_at', t.timestamp).execute();
  },
});
