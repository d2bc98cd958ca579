import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../src/domain/database.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { createEventBus, type AnyStoredEvent, type EventBus, type EventNotice } from '../src/platform/events/index.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';

interface TestEvents {
  'user.metadata.updated': { keys: string[] };
  'project.renamed': { name: string };
}

const system = { kind: 'system', name: 'test' } as const;

/** Resolves when `open()` is called: lets a test hold a transaction open at a chosen point. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe.each(STORES)('domain events (%s)', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let bus: EventBus<TestEvents>;
  /** What the buses reported through onError; a test that expects none leaves it empty. */
  let errors: unknown[];

  const newBus = () => createEventBus<TestEvents>({ store, onError: (error) => void errors.push(error) });
  const outboxRows = () => store.db.withTables<{ events: { sequence: number; type: string; project_id: string; user_id: string | null; actor_kind: string; actor_name: string; data: string } }>()
    .selectFrom('events').selectAll().orderBy('sequence').execute();

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 6 });
    await migrateToLatest(store);
    errors = [];
    bus = newBus();
  });

  afterEach(async () => {
    await bus.close();
    expect(errors).toEqual([]);
    await store.close();
    await database.drop();
  });

  it('writes an emitted event to the outbox and tells each subscriber once, after the commit', async () => {
    const typed: EventNotice[] = [];
    const all: EventNotice[] = [];
    bus.subscribe('user.metadata.updated', (notice) => void typed.push(notice));
    bus.subscribe('*', (notice) => void all.push(notice));

    const event = await bus.transaction(async (trx) => {
      const emitted = await bus.emit(trx, 'user.metadata.updated', { projectId: 'p1', userId: 'u1', actor: { kind: 'user', name: 'alice' }, data: { keys: ['plan'] } });
      expect(typed, 'not before the commit').toEqual([]);
      return emitted;
    });

    expect(typed).toEqual([{ sequence: event.sequence, type: 'user.metadata.updated', projectId: 'p1', userId: 'u1', origin: 'local' }]);
    expect(all).toEqual(typed);
    const rows = await outboxRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'user.metadata.updated', project_id: 'p1', user_id: 'u1', actor_kind: 'user', actor_name: 'alice' });
    expect(JSON.parse(rows[0]!.data)).toEqual({ keys: ['plan'] });
  });

  it('leaves nothing in the outbox and tells nobody when the transaction rolls back', async () => {
    const heard: EventNotice[] = [];
    bus.subscribe('*', (notice) => void heard.push(notice));
    await expect(
      bus.transaction(async (trx) => {
        await bus.emit(trx, 'project.renamed', { projectId: 'p1', actor: system, data: { name: 'x' } });
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(heard).toEqual([]);
    expect(await outboxRows()).toEqual([]);
  });

  it('refuses to emit outside events.transaction()', async () => {
    const input = { projectId: 'p1', actor: system, data: { name: 'x' } };
    await expect(bus.emit(store.db as never, 'project.renamed', input)).rejects.toThrow(/caller's transaction/);
    await expect(store.db.transaction().execute((trx) => bus.emit(trx, 'project.renamed', input))).rejects.toThrow(/inside events.transaction/);
    expect(await outboxRows()).toEqual([]);
  });

  it('checks event names and data against the event map at compile time', () => {
    // Never called: this test is the type checker's (npm run typecheck).
    const compileOnly = (trx: Parameters<Parameters<typeof bus.transaction>[0]>[0]) => {
      // @ts-expect-error unknown event type
      void bus.emit(trx, 'user.deleted', { projectId: 'p', actor: system, data: {} });
      // @ts-expect-error data of another event
      void bus.emit(trx, 'user.metadata.updated', { projectId: 'p', actor: system, data: { name: 'x' } });
      // @ts-expect-error unknown actor kind
      void bus.emit(trx, 'project.renamed', { projectId: 'p', actor: { kind: 'robot', name: 'r' }, data: { name: 'x' } });
      bus.subscribe('project.renamed', (notice) => {
        // @ts-expect-error a project.renamed notice is not another type
        const other: 'user.metadata.updated' = notice.type;
        void other;
      });
    };
    expect(compileOnly).toBeTypeOf('function');
  });

  it('a durable consumer sees every event exactly once and in order, and resumes from its cursor after a restart', async () => {
    const seen: number[] = [];
    const record = async (events: Array<AnyStoredEvent<TestEvents>>) => void seen.push(...events.map((e) => e.sequence));
    const emitted: number[] = [];
    const emitOne = async (n: number) => {
      const event = await bus.transaction((trx) => bus.emit(trx, 'project.renamed', { projectId: 'p1', actor: system, data: { name: `n${n}` } }));
      emitted.push(event.sequence);
    };

    for (let n = 0; n < 25; n++) await emitOne(n);
    const consumer = bus.consume('audit', record, { batchSize: 7, pollIntervalMs: 60_000 });
    await consumer.catchUp();
    expect(seen).toEqual(emitted);

    // A restart: a new bus finds the cursor where the old one left it.
    await bus.close();
    bus = newBus();
    for (let n = 25; n < 40; n++) await emitOne(n);
    const resumed = bus.consume('audit', record, { batchSize: 7, pollIntervalMs: 60_000 });
    await resumed.catchUp();
    expect(seen).toEqual(emitted);
    expect(new Set(seen).size).toBe(40);
  });

  it('a durable consumer picks up committed events by itself, and concurrent transactions lose none', async () => {
    const seen = new Map<string, number>();
    let batches = 0;
    bus.consume('webhooks', async (events) => {
      batches++;
      for (const event of events) seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
    }, { batchSize: 5 });
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        bus.transaction(async (trx) => {
          const first = await bus.emit(trx, 'user.metadata.updated', { projectId: 'p1', userId: `u${n}`, actor: system, data: { keys: ['a'] } });
          const second = await bus.emit(trx, 'project.renamed', { projectId: 'p1', actor: system, data: { name: `n${n}` } });
          return [first.id, second.id];
        }),
      ),
    );
    await expect.poll(() => seen.size, { timeout: 10_000 }).toBe(60);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect([...seen.keys()].sort()).toEqual(ids.flat().sort());
    expect(batches).toBeGreaterThanOrEqual(12);
  });

  it('a failed batch rolls back its writes and its cursor, then is handed over again', async () => {
    await store.db.schema.createTable('effects').addColumn('event_id', 'text', (c) => c.primaryKey()).execute();
    for (let n = 0; n < 5; n++) await bus.transaction((trx) => bus.emit(trx, 'project.renamed', { projectId: 'p1', actor: system, data: { name: `n${n}` } }));
    let calls = 0;
    const consumer = bus.consume('flaky', async (events, trx) => {
      calls++;
      for (const event of events) await sql`insert into effects (event_id) values (${event.id})`.execute(trx);
      if (calls === 1) throw new Error('webhook target down');
    }, { pollIntervalMs: 60_000, retryDelayMs: 60_000 });
    await expect.poll(() => errors.map(String)).toEqual(['Error: webhook target down']);
    errors = [];
    // Its retry is a minute away (backoff); catch up by hand instead of waiting.
    expect(await consumer.catchUp()).toBe(5);
    expect(calls).toBe(2);
    const effects = await sql<{ n: number }>`select count(*) as n from effects`.execute(store.db);
    expect(Number(effects.rows[0]!.n)).toBe(5);
  });

  it('events emitted by a consumer in its batch reach subscribers after that batch commits', async () => {
    const heard: string[] = [];
    bus.subscribe('user.metadata.updated', (notice) => void heard.push(notice.userId ?? ''));
    bus.consume('fan-out', async (events, trx) => {
      for (const event of events) {
        if (event.type === 'project.renamed') await bus.emit(trx, 'user.metadata.updated', { projectId: event.projectId, userId: event.data.name, actor: system, data: { keys: [] } });
      }
    }, { pollIntervalMs: 60_000 });
    await bus.transaction((trx) => bus.emit(trx, 'project.renamed', { projectId: 'p1', actor: system, data: { name: 'derived' } }));
    await expect.poll(() => heard, { timeout: 5000 }).toEqual(['derived']);
  });

  it.runIf(kind === 'postgres')('delivers an event whose transaction took a lower sequence but committed after a higher one was visible', async () => {
    const seen: number[] = [];
    const consumer = bus.consume('gap', async (events) => void seen.push(...events.map((e) => e.sequence)), { pollIntervalMs: 60_000 });
    const input = { projectId: 'p1', actor: system, data: { name: 'x' } };

    // `late` gets its transaction id first, then `early` takes the lower sequence, then `late` takes
    // the higher one and commits while `early` is still open.
    const lateHasXid = gate();
    const lateMayEmit = gate();
    const earlyEmitted = gate();
    const earlyMayCommit = gate();
    const late = bus.transaction(async (trx) => {
      await sql`select pg_current_xact_id()`.execute(trx);
      lateHasXid.open();
      await lateMayEmit.wait;
      return bus.emit(trx, 'project.renamed', input);
    });
    await lateHasXid.wait;
    const early = bus.transaction(async (trx) => {
      const event = await bus.emit(trx, 'project.renamed', input);
      earlyEmitted.open();
      await earlyMayCommit.wait;
      return event;
    });
    await earlyEmitted.wait;
    lateMayEmit.open();
    const lateEvent = await late;

    // Consumers read in sequence order: `late` waits behind the value `early` may still commit.
    await consumer.catchUp();
    expect(seen).toEqual([]);
    earlyMayCommit.open();
    const earlyEvent = await early;
    expect(earlyEvent.sequence).toBeLessThan(lateEvent.sequence);
    // A reader that kept only "the highest sequence seen" would never look below it again.
    const naive = await sql`select 1 from events where sequence > ${lateEvent.sequence}`.execute(store.db);
    expect(naive.rows).toEqual([]);

    await consumer.catchUp();
    expect(seen).toEqual([earlyEvent.sequence, lateEvent.sequence]);
  });

  it.runIf(kind === 'postgres')('holds back a later transaction\'s event while an earlier one is still open, then delivers both in sequence order', async () => {
    const seen: number[] = [];
    const consumer = bus.consume('holdback', async (events) => void seen.push(...events.map((e) => e.sequence)), { pollIntervalMs: 60_000 });
    const input = { projectId: 'p1', actor: system, data: { name: 'x' } };
    const emitted = gate();
    const mayCommit = gate();
    const first = bus.transaction(async (trx) => {
      const event = await bus.emit(trx, 'project.renamed', input);
      emitted.open();
      await mayCommit.wait;
      return event;
    });
    await emitted.wait;
    const second = await bus.transaction((trx) => bus.emit(trx, 'project.renamed', input));
    expect(await consumer.catchUp()).toBe(0);
    mayCommit.open();
    const firstEvent = await first;
    await consumer.catchUp();
    expect(seen).toEqual([firstEvent.sequence, second.sequence]);
  });

  it.runIf(kind === 'postgres')('runs one consumer on one node at a time', async () => {
    const other = createEventBus<TestEvents>({ store, onError: () => undefined });
    for (let n = 0; n < 20; n++) await bus.transaction((trx) => bus.emit(trx, 'project.renamed', { projectId: 'p1', actor: system, data: { name: `n${n}` } }));
    let inside = 0;
    let overlapped = false;
    const seen: number[] = [];
    const handler = async (events: Array<AnyStoredEvent<TestEvents>>) => {
      overlapped ||= ++inside > 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push(...events.map((e) => e.sequence));
      inside--;
    };
    const a = bus.consume('single', handler, { batchSize: 3, pollIntervalMs: 10 });
    const b = other.consume('single', handler, { batchSize: 3, pollIntervalMs: 10 });
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(20);
    await Promise.all([a.catchUp(), b.catchUp()]);
    expect(overlapped).toBe(false);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    expect(new Set(seen).size).toBe(20);
    await other.close();
  });
});
