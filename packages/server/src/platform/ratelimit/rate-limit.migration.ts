import type { Kysely } from 'kysely';
import type { MigrationFactory } from '../db/migrator.ts';

/**
 * Shared rate-limit counters (PostgreSQL nodes reserve from them; SQLite counts in its one
 * process): one row per bucket, holding its current fixed window and what was handed out in it.
 */
export const rateLimitMigration: MigrationFactory = () => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('rate_limit_windows')
      // SHA-256 of the bucket's name (base64url), never the user or key id itself.
      .addColumn('bucket', 'text', (c) => c.primaryKey())
      .addColumn('window_index', 'bigint', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull())
      .addColumn('last_grant', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('rate_limit_windows_window').on('rate_limit_windows').column('window_index').execute();
  },
});
