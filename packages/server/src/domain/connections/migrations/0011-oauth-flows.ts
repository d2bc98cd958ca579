import type { Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';

/** OAuth connection attempts: hashed state, sealed PKCE verifier, the SDK's polling key and the outcome. */
export const oauthFlows: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('oauth_flows')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('connected_users.id').onDelete('cascade'))
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('state_hash', 'text', (c) => c.notNull().unique())
      .addColumn('oauth_meta_key_id', 'text')
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('origin', 'text')
      .addColumn('install_options', t.json, (c) => c.notNull())
      .addColumn('end_user_values', 'text')
      .addColumn('code_verifier', 'text')
      .addColumn('target_credential_id', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text', (c) => c.references('credentials.id').onDelete('set null'))
      .addColumn('error', 'text')
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('expires_at', t.timestamp, (c) => c.notNull())
      .addColumn('consumed_at', t.timestamp)
      .execute();
    await db.schema.createIndex('oauth_flows_session').on('oauth_flows').columns(['user_id', 'oauth_meta_key_id']).execute();
    await db.schema.createIndex('oauth_flows_expiry').on('oauth_flows').column('expires_at').execute();
  },
});
