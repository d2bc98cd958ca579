import type { Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * Credential health: why and when the status last changed (VALID <-> INVALID), and when the stored
 * access token was issued (its lifetime decides when it is renewed).
 */
export const credentialHealth: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('credentials').addColumn('status_reason', 'text').execute();
    await db.schema.alterTable('credentials').addColumn('status_changed_at', t.timestamp).execute();
    await db.schema.alterTable('credentials').addColumn('token_issued_at', t.timestamp).execute();
    // The refresher's safety sweep looks for credentials expiring soon.
    await db.schema.createIndex('credentials_expiry').on('credentials').columns(['expires_at']).execute();
  },
});
