import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../src/domain/database.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { migrateToLatest as migrate } from '../src/platform/db/migrator.ts';
import { createEventBus } from '../src/platform/events/index.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';

describe.each(STORES)('migration 0006_events_sequence_order (%s)', (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 2 });
    const shipped = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0006'));
    await migrate(store, shipped);
  });

  /** Up to this migration only: later ones add cursors of their own (0020 starts the webhook fan-out at the end of the outbox). */
  const migrateThrough0006 = () => migrate(store, Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0007')));

  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  const insertEvent = (sequence: number, xid: number) =>
    sql`insert into events (sequence, xid, id, project_id, type, actor_kind, actor_name, data, created_at)
      values (${sequence}, ${kind === 'postgres' ? sql`${String(xid)}::xid8` : 0}, ${`e${sequence}`}, 'p1', 'test.changed', 'system', 'test', '{}', ${new Date().toISOString()})`.execute(store.db);
  const insertCursor = (consumer: string, xid: number, sequence: number) =>
    sql`insert into event_cursors (consumer, last_xid, last_sequence, updated_at)
      values (${consumer}, ${kind === 'postgres' ? sql`${String(xid)}::xid8` : 0}, ${sequence}, ${new Date().toISOString()})`.execute(store.db);
  const cursors = async () => {
    const { rows } = await sql<{ consumer: string; last_sequence: string | number }>`select consumer, last_sequence from event_cursors order by consumer`.execute(store.db);
    return Object.fromEntries(rows.map((r) => [r.consumer, Number(r.last_sequence)]));
  };

  it.runIf(kind === 'postgres')('turns each (xid, sequence) cursor into the sequence up to which its consumer had every event', async () => {
    // (xid, sequence) order was 1, 3, 2, 4, 5: transaction 101 took sequence 3 after 102 took 2.
    for (const [sequence, xid] of [[1, 100], [2, 102], [3, 101], [4, 103], [5, 104]] as const) await insertEvent(sequence, xid);
    await sql`select setval('events_sequence_seq', 5)`.execute(store.db);
    await insertCursor('none', 0, 0);
    await insertCursor('first', 100, 1);
    await insertCursor('out-of-order', 101, 3);
    await insertCursor('all', 104, 5);

    await migrateThrough0006();
    expect(await cursors()).toEqual({ none: 0, first: 1, 'out-of-order': 1, all: 5 });
    await expect(sql`select xid from events`.execute(store.db)).rejects.toThrow(/column "xid" does not exist/);
    await expect(sql`select last_xid from event_cursors`.execute(store.db)).rejects.toThrow(/column "last_xid" does not exist/);

    // Nothing is lost; the event the old order handed over ahead of sequence 2 comes again, once.
    const bus = createEventBus<{ 'test.changed': Record<string, never> }>({ store });
    const seen: number[] = [];
    const consumer = bus.consume('out-of-order', async (events) => void seen.push(...events.map((e) => e.sequence)), { pollIntervalMs: 60_000 });
    await consumer.catchUp();
    await bus.close();
    expect(seen).toEqual([2, 3, 4, 5]);
  });

  it.runIf(kind === 'sqlite')('keeps each cursor, already a sequence, and drops the xid columns', async () => {
    for (const sequence of [1, 2, 3]) await insertEvent(sequence, 0);
    await insertCursor('audit', 0, 2);
    await migrateThrough0006();
    expect(await cursors()).toEqual({ audit: 2 });
    await expect(sql`select xid from events`.execute(store.db)).rejects.toThrow(/no such column/);
    await expect(sql`select last_xid from event_cursors`.execute(store.db)).rejects.toThrow(/no such column/);
  });
});
