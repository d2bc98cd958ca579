import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './database.ts';
import type { Store } from './store.ts';
import { jobsMigration } from '../platform/jobs/jobs.migration.ts';

/** Column types that differ between the stores. */
export function types(dialect: DialectName) {
  return dialect === 'postgres'
    ? ({ timestamp: 'timestamptz', json: 'jsonb' } as const)
    : ({ timestamp: 'text', json: 'text' } as const);
}

export type MigrationFactory = (dialect: DialectName) => Migration;

const initial: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = types(dialect);
    await db.schema
      .createTable('projects')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('public_key_pem', 'text', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('revoked_at', t.timestamp)
      .execute();
    await db.schema.createIndex('signing_keys_project').on('signing_keys').column('project_id').execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('key_prefix', 'text', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('revoked_at', t.timestamp)
      .execute();

    await db.schema
      .createTable('connected_users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('external_id', 'text', (c) => c.notNull())
      .addColumn('meta', t.json, (c) => c.notNull())
      .addColumn('disabled_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addColumn('last_active_at', t.timestamp, (c) => c.notNull())
      .addUniqueConstraint('connected_users_project_external', ['project_id', 'external_id'])
      .execute();

    await db.schema
      .createTable('integrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('config_id', 'text', (c) => c.notNull())
      .addColumn('portal_config', t.json, (c) => c.notNull())
      .addColumn('is_active', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addUniqueConstraint('integrations_project_type', ['project_id', 'type'])
      .execute();

    await db.schema
      .createTable('workflows')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('default_enabled', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('workflows_project').on('workflows').column('project_id').execute();

    await db.schema
      .createTable('credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('connected_users.id').onDelete('cascade'))
      .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('provider_id', 'text')
      .addColumn('provider_data', t.json, (c) => c.notNull())
      .addColumn('secrets', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('expires_at', t.timestamp)
      .addColumn('refresh_failure_count', 'integer', (c) => c.notNull())
      .addColumn('refreshed_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('credentials_user').on('credentials').columns(['user_id', 'integration_id']).execute();
    await db.schema.createIndex('credentials_integration').on('credentials').column('integration_id').execute();

    await db.schema
      .createTable('credential_configs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('is_default', 'integer', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('shared_settings', t.json, (c) => c.notNull())
      .addColumn('config_meta', t.json, (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('credential_configs_user').on('credential_configs').column('user_id').execute();
    await db.schema.createIndex('credential_configs_credential').on('credential_configs').column('credential_id').execute();

    await db.schema
      .createTable('workflow_states')
      .addColumn('config_id', 'text', (c) => c.notNull().references('credential_configs.id').onDelete('cascade'))
      .addColumn('workflow_id', 'text', (c) => c.notNull().references('workflows.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('settings', t.json, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint('workflow_states_pk', ['config_id', 'workflow_id'])
      .execute();
    await db.schema.createIndex('workflow_states_user').on('workflow_states').column('user_id').execute();
    await db.schema.createIndex('workflow_states_workflow').on('workflow_states').columns(['workflow_id', 'enabled']).execute();
  },
});

/** Ordered by name; never edit a migration that has shipped, add a new one. */
const MIGRATIONS: Record<string, MigrationFactory> = {
  '0001_initial': initial,
  '0002_jobs': jobsMigration,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, make]) => [name, make(this.dialect)]));
  }
}

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  const migrator = new Migrator({
    db: store.db,
    provider: new StaticProvider(store.dialect),
    migrationTableName: 'portico_migrations',
    migrationLockTableName: 'portico_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed on ${store.dialect} (${store.location}): ${String(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
