import type { Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/** Fingerprints of the encryption keys that sealed secrets, checked at boot against the configured keys. */
export const encryptionKeys: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('encryption_keys')
      .addColumn('fingerprint', 'text', (c) => c.primaryKey())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('first_sealed_at', t.timestamp, (c) => c.notNull())
      .addColumn('retired_at', t.timestamp)
      .execute();
  },
});
