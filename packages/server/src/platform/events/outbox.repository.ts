import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AnyStore as Store } from '../db/store.ts';
import type { EventTable, EventTables } from './events.table.ts';

type Dialect = Store['dialect'];
type EventsDb = Kysely<EventTables>;
export type EventRow = Selectable<EventTable>;
export type NewEventRow = Insertable<EventTable>;

/** A place in the outbox's read order: (xid, sequence) on PostgreSQL, (0, sequence) on SQLite. */
export interface OutboxPosition {
  xid: string;
  sequence: number;
}

/** Announces the event with NOTIFY as part of the insert (PostgreSQL sends it on commit). */
export interface Announcement {
  channel: string;
  kind: string;
  nodeId: string;
}

/** The outbox table as seen through any Kysely instance or transaction over a wider schema. */
export function eventsDb<DB>(db: Kysely<DB> | Transaction<DB>): EventsDb {
  return db.withTables<EventTables>() as unknown as EventsDb;
}

/** Inserts the event and returns its sequence; on PostgreSQL the same statement queues its NOTIFY. */
export async function insertEvent(trx: EventsDb, dialect: Dialect, row: NewEventRow, announcement: Announcement): Promise<number> {
  if (dialect === 'sqlite') {
    const inserted = await trx.insertInto('events').values(row).returning('sequence').executeTakeFirstOrThrow();
    return Number(inserted.sequence);
  }
  const { channel, kind, nodeId } = announcement;
  const inserted = await trx
    .with('inserted', (db) => db.insertInto('events').values(row).returning('sequence'))
    .selectFrom('inserted')
    .select([
      'inserted.sequence',
      sql<string>`pg_notify(${channel}::text, json_build_object(
        'k', ${kind}::text, 's', inserted.sequence, 't', ${row.type}::text,
        'p', ${row.project_id}::text, 'u', ${row.user_id ?? null}::text, 'n', ${nodeId}::text)::text)`.as('notified'),
    ])
    .executeTakeFirstOrThrow();
  return Number(inserted.sequence);
}

export async function ensureCursor(db: EventsDb, consumer: string, now: string): Promise<void> {
  await db
    .insertInto('event_cursors')
    .values({ consumer, last_sequence: 0, updated_at: now })
    .onConflict((oc) => oc.column('consumer').doNothing())
    .execute();
}

export async function readCursor(db: EventsDb, consumer: string): Promise<OutboxPosition | undefined> {
  const row = await db.selectFrom('event_cursors').select(['last_xid', 'last_sequence']).where('consumer', '=', consumer).executeTakeFirst();
  return row && { xid: String(row.last_xid), sequence: Number(row.last_sequence) };
}

/**
 * Takes the consumer's cursor for the rest of the transaction. On PostgreSQL a node that finds it
 * locked by another node gets undefined at once (SKIP LOCKED) rather than queueing behind it.
 */
export async function lockCursor(trx: EventsDb, dialect: Dialect, consumer: string): Promise<OutboxPosition | undefined> {
  const query = trx.selectFrom('event_cursors').select(['last_xid', 'last_sequence']).where('consumer', '=', consumer);
  const row = await (dialect === 'postgres' ? query.forUpdate().skipLocked() : query).executeTakeFirst();
  return row && { xid: String(row.last_xid), sequence: Number(row.last_sequence) };
}

export async function advanceCursor(trx: EventsDb, dialect: Dialect, consumer: string, position: OutboxPosition, now: string): Promise<void> {
  await trx
    .updateTable('event_cursors')
    .set({
      last_xid: dialect === 'postgres' ? position.xid : 0,
      last_sequence: position.sequence,
      updated_at: now,
    })
    .where('consumer', '=', consumer)
    .execute();
}

/**
 * Events after `position` in read order that no running transaction can still precede.
 *
 * PostgreSQL hands out sequence values at insert time but transactions commit in any order, so a
 * reader that has seen sequence 8 may later see 7 commit. Each row therefore records its
 * transaction's id, and only rows of transactions older than the snapshot's xmin are read: every
 * such transaction has ended, and any transaction still to commit has an xid at or above xmin. Read
 * in (xid, sequence) order, nothing can appear behind the cursor. SQLite commits one transaction
 * at a time, so its sequence order is commit order.
 */
export async function readEventsAfter(db: EventsDb, dialect: Dialect, position: OutboxPosition, limit: number): Promise<EventRow[]> {
  return afterPosition(db, dialect, position).selectAll().limit(limit).execute();
}

export async function hasEventsAfter(db: EventsDb, dialect: Dialect, position: OutboxPosition): Promise<boolean> {
  const row = await afterPosition(db, dialect, position).select('sequence').limit(1).executeTakeFirst();
  return row !== undefined;
}

function afterPosition(db: EventsDb, dialect: Dialect, position: OutboxPosition) {
  if (dialect === 'sqlite') return db.selectFrom('events').where('sequence', '>', position.sequence).orderBy('sequence');
  return db
    .selectFrom('events')
    .where(sql<boolean>`(xid, sequence) > (${position.xid}::xid8, ${position.sequence}::bigint)`)
    .where(sql<boolean>`xid < pg_snapshot_xmin(pg_current_snapshot())`)
    .orderBy('xid')
    .orderBy('sequence');
}
