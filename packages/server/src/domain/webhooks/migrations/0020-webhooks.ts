import { sql, type Kysely } from 'kysely';
import { columnTypes, type MigrationFactory } from '../../../platform/db/migrator.ts';
import { FAN_OUT_CONSUMER } from '../delivery-policy.ts';

/**
 * Outbound webhooks and their deliveries. The fan-out consumer's cursor starts at the end of the
 * outbox: no webhook existed before, so the events already there have nobody to go to.
 */
export const webhooks: MigrationFactory = (dialect) => ({
  async up(db: Kysely<unknown>) {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('webhooks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_secret_expires_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhooks_project').on('webhooks').columns(['project_id', 'created_at']).execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      // Text on both stores: the body is signed byte for byte (jsonb would reorder it).
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('round', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_status_code', 'integer')
      .addColumn('last_error', 'text')
      .addColumn('window_started_at', t.timestamp, (c) => c.notNull())
      .addColumn('last_attempt_at', t.timestamp)
      .addColumn('delivered_at', t.timestamp)
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addUniqueConstraint('webhook_deliveries_event', ['webhook_id', 'event_id'])
      .execute();
    await db.schema.createIndex('webhook_deliveries_list').on('webhook_deliveries').columns(['webhook_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('webhook_deliveries_user').on('webhook_deliveries').columns(['project_id', 'user_id']).execute();
    await db.schema.createIndex('webhook_deliveries_updated').on('webhook_deliveries').column('updated_at').execute();

    const now = new Date().toISOString();
    // "where true": SQLite needs it to read ON CONFLICT after INSERT … SELECT.
    await sql`
      insert into event_cursors (consumer, last_sequence, updated_at)
      select ${FAN_OUT_CONSUMER}, coalesce(max(sequence), 0), cast(${now} as ${sql.raw(t.timestamp)}) from events where true
      on conflict (consumer) do nothing`.execute(db);
  },
});
