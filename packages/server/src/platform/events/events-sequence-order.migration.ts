import { sql, type Kysely, type Migration } from 'kysely';
import type { AnyStore as Store } from '../db/store.ts';

/**
 * Durable consumers read the outbox in sequence order, their cursor one sequence (README, "Order
 * and the outbox gap"); the transaction ids 0003_events recorded for the (xid, sequence) order go.
 *
 * PostgreSQL cursors are converted with the outbox locked, so no event is still being written: a
 * cursor becomes the highest sequence up to which its consumer had every event. Nothing is lost;
 * an event the old order handed over ahead of a lower sequence it had not is handed over again,
 * once. SQLite cursors already are sequences (its xid was always 0).
 */
export const eventsSequenceOrderMigration = (dialect: Store['dialect']): Migration => ({
  async up(db: Kysely<unknown>) {
    if (dialect === 'postgres') {
      await sql`lock table events, event_cursors in access exclusive mode`.execute(db);
      await sql`
        update event_cursors c set last_sequence = coalesce(
          (select min(e.sequence) - 1 from events e where (e.xid, e.sequence) > (c.last_xid, c.last_sequence)),
          greatest((select max(e.sequence) from events e), c.last_sequence))`.execute(db);
      await db.schema.dropIndex('events_xid_sequence').execute();
      // Consumers pass a gap only if values are handed out in order across sessions (the bigserial default, made explicit).
      await sql`do $$ begin execute format('alter sequence %s cache 1', pg_get_serial_sequence('events', 'sequence')); end $$`.execute(db);
    }
    await db.schema.alterTable('events').dropColumn('xid').execute();
    await db.schema.alterTable('event_cursors').dropColumn('last_xid').execute();
  },
});
