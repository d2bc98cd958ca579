import { sql, type Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/**
 * Keys that end in the future: `expires_at` is when a signing key stops verifying tokens (a grace
 * period after a rotation) or an API key stops authenticating (the overlap after a rotation);
 * `revoked_at` stays the moment it was rotated out. Keys revoked before this migration expired then.
 * Signing keys record the API key that created them; API keys get scopes, `admin` for every key so far.
 */
export const keyLifecycle: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('signing_keys').addColumn('expires_at', t.timestamp).execute();
    await db.schema
      .alterTable('signing_keys')
      .addColumn('created_by_api_key_id', 'text', (c) => c.references('api_keys.id').onDelete('set null'))
      .execute();
    await sql`update signing_keys set expires_at = revoked_at where revoked_at is not null`.execute(db);

    await db.schema.alterTable('api_keys').addColumn('scopes', 'text', (c) => c.notNull().defaultTo('admin')).execute();
    await db.schema.alterTable('api_keys').addColumn('expires_at', t.timestamp).execute();
    await sql`update api_keys set expires_at = revoked_at where revoked_at is not null`.execute(db);
    await db.schema.createIndex('api_keys_project').on('api_keys').column('project_id').execute();
  },
});
