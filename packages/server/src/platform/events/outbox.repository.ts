import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { AnyStore as Store } from '../db/store.ts';
import type { EventTable, EventTables } from './events.table.ts';

type Dialect = Store['dialect'];
type EventsDb = Kysely<EventTables>;
export type EventRow = Selectable<EventTable>;
export type NewEventRow = Insertable<EventTable>;

/** A session of another client whose open transaction has written the outbox (PostgreSQL). */
export interface OutboxWriterSession {
  pid: number;
  applicationName: string | null;
  state: string | null;
  transactionStart: string | null;
}

/** The outbox table as seen through any Kysely instance or transaction over a wider schema. */
export function eventsDb<DB>(db: Kysely<DB> | Transaction<DB>): EventsDb {
  return db.withTables<EventTables>() as unknown as EventsDb;
}

/**
 * Inserts the events and returns their sequences in the order given (other nodes hear of them after
 * the commit: `announcer.ts`). One statement takes its values in row order, so sorted they match.
 */
export async function insertEvents(trx: EventsDb, rows: NewEventRow[]): Promise<number[]> {
  const inserted = await trx.insertInto('events').values(rows).returning('sequence').execute();
  return inserted.map((row) => Number(row.sequence)).sort((x, y) => x - y);
}

/** The highest sequence committed so far (0 for an empty outbox). */
export async function latestSequence(db: EventsDb): Promise<number> {
  const row = await db.selectFrom('events').select((eb) => eb.fn.max('sequence').as('latest')).executeTakeFirst();
  return Number(row?.latest ?? 0);
}

/** The keys of committed events above `after` or among `among`, in sequence order (each part by the primary key). */
export async function eventKeys(db: EventsDb, after: number, among: readonly number[], limit: number): Promise<Array<Pick<EventRow, 'sequence' | 'type' | 'project_id' | 'user_id'>>> {
  const columns = ['sequence', 'type', 'project_id', 'user_id'] as const;
  const above = await db.selectFrom('events').select(columns).where('sequence', '>', after).orderBy('sequence').limit(limit).execute();
  if (among.length === 0) return above;
  const listed = await db.selectFrom('events').select(columns).where('sequence', 'in', [...among]).execute();
  return [...listed, ...above].sort((x, y) => Number(x.sequence) - Number(y.sequence));
}

/**
 * Makes the caller's transaction READ COMMITTED whatever the server's default, so each statement
 * reads a new snapshot: a durable consumer re-reads the outbox after looking at its writers.
 * Must be the transaction's first statement.
 */
export async function readCommittedTransaction(trx: EventsDb, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`set transaction isolation level read committed`.execute(trx);
}

export async function ensureCursor(db: EventsDb, consumer: string, now: string): Promise<void> {
  await db
    .insertInto('event_cursors')
    .values({ consumer, last_sequence: 0, updated_at: now })
    .onConflict((oc) => oc.column('consumer').doNothing())
    .execute();
}

/** The sequence of the consumer's last event; undefined before `ensureCursor`. */
export async function readCursor(db: EventsDb, consumer: string): Promise<number | undefined> {
  const row = await db.selectFrom('event_cursors').select('last_sequence').where('consumer', '=', consumer).executeTakeFirst();
  return row && Number(row.last_sequence);
}

/**
 * Takes the consumer's cursor for the rest of the transaction. On PostgreSQL a node that finds it
 * locked by another node gets undefined at once (SKIP LOCKED) rather than queueing behind it.
 */
export async function lockCursor(trx: EventsDb, dialect: Dialect, consumer: string): Promise<number | undefined> {
  const query = trx.selectFrom('event_cursors').select('last_sequence').where('consumer', '=', consumer);
  const row = await (dialect === 'postgres' ? query.forUpdate().skipLocked() : query).executeTakeFirst();
  return row && Number(row.last_sequence);
}

export async function advanceCursor(trx: EventsDb, consumer: string, sequence: number, now: string): Promise<void> {
  await trx.updateTable('event_cursors').set({ last_sequence: sequence, updated_at: now }).where('consumer', '=', consumer).execute();
}

/**
 * Committed events after `sequence` in sequence order, as this statement's snapshot sees them. On
 * PostgreSQL a missing value below a visible one may still commit: see `outbox-gaps.ts`.
 */
export async function readEventsAfter(db: EventsDb, sequence: number, limit: number): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('sequence', '>', sequence).orderBy('sequence').limit(limit).execute();
}

export async function hasEventsAfter(db: EventsDb, sequence: number): Promise<boolean> {
  const row = await db.selectFrom('events').select('sequence').where('sequence', '>', sequence).limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * The open transactions, in other sessions, that have written the outbox: keys `pid@virtualxid`,
 * unique per transaction, so a transaction seen twice is one that has not ended in between.
 *
 * An INSERT takes ROW EXCLUSIVE on `events` before it evaluates `nextval`, and a transaction
 * releases its locks only after it has left the proc array (a snapshot taken after the release
 * sees its outcome). `pg_locks` lists fast-path locks too; other databases and readers are left out.
 * SQLite has one writer, held by the caller's transaction: there is none.
 */
export async function outboxWriters(db: EventsDb, dialect: Dialect): Promise<Set<string>> {
  if (dialect === 'sqlite') return new Set();
  const { rows } = await sql<{ writer: string }>`
    select coalesce(pid::text, 'prepared') || '@' || virtualtransaction as writer
    from pg_locks
    where locktype = 'relation'
      and relation = 'events'::regclass
      and database = (select oid from pg_database where datname = current_database())
      and mode = 'RowExclusiveLock'
      and granted
      and pid is distinct from pg_backend_pid()`.execute(db);
  return new Set(rows.map((row) => row.writer));
}

/** What `pg_stat_activity` tells this role about the sessions, for a report. */
export async function describeSessions(db: EventsDb, pids: number[]): Promise<OutboxWriterSession[]> {
  if (pids.length === 0) return [];
  const { rows } = await sql<{ pid: number; application_name: string | null; state: string | null; xact_start: string | null }>`
    select pid, application_name, state, xact_start from pg_stat_activity where pid = any(${pids}::int[]) order by pid`.execute(db);
  return rows.map((row) => ({ pid: row.pid, applicationName: row.application_name || null, state: row.state, transactionStart: row.xact_start }));
}

/**
 * The outbox sequence's name and how many values a session takes at a time (PostgreSQL). Above 1,
 * a session hands out values it reserved earlier, so a lower value can be taken after a higher one
 * has committed and no check of open transactions can tell a late commit from a rolled-back one.
 */
export async function outboxSequenceCache(db: EventsDb, dialect: Dialect): Promise<{ name: string; cache: number }> {
  if (dialect === 'sqlite') return { name: 'events', cache: 1 };
  const { rows } = await sql<{ name: string; cache: string }>`
    select s.seqrelid::regclass::text as name, s.seqcache::text as cache
    from pg_sequence s
    where s.seqrelid = pg_get_serial_sequence('events', 'sequence')::regclass`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('The outbox has no sequence: events.sequence must be a bigserial (migration 0003_events).');
  return { name: row.name, cache: Number(row.cache) };
}
