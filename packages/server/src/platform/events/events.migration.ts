import { sql, type Kysely, type Migration } from 'kysely';
import type { AnyStore as Store } from '../db/store.ts';

/** The outbox and the durable consumers' cursors. */
export const eventsMigration = (dialect: Store['dialect']): Migration => ({
  async up(db: Kysely<unknown>) {
    const pg = dialect === 'postgres';
    await db.schema
      .createTable('events')
      .addColumn('sequence', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('xid', pg ? sql`xid8` : 'integer', (c) => c.notNull().defaultTo(pg ? sql`pg_current_xact_id()` : 0))
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('project_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('actor_name', 'text', (c) => c.notNull())
      .addColumn('data', pg ? 'jsonb' : 'text', (c) => c.notNull())
      .addColumn('created_at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
      .execute();
    // Durable consumers read in (xid, sequence) order on PostgreSQL; SQLite's order is the primary key.
    if (pg) await db.schema.createIndex('events_xid_sequence').on('events').columns(['xid', 'sequence']).execute();

    await db.schema
      .createTable('event_cursors')
      .addColumn('consumer', 'text', (c) => c.primaryKey())
      .addColumn('last_xid', pg ? sql`xid8` : 'integer', (c) => c.notNull().defaultTo(pg ? sql`'0'::xid8` : 0))
      .addColumn('last_sequence', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', pg ? 'timestamptz' : 'text', (c) => c.notNull())
      .execute();
  },
});
