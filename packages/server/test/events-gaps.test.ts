import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../src/domain/database.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { createEventBus, type AnyStoredEvent, type EventBus } from '../src/platform/events/index.ts';
import { createMetricsRegistry, renderMetrics, type Registry } from '../src/platform/metrics/registry.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';

/** Durable consumers at outbox gaps: sequence values that are missing below a visible one. */

interface TestEvents {
  'project.renamed': { name: string };
}

const system = { kind: 'system', name: 'test' } as const;
const input = { projectId: 'p1', actor: system, data: { name: 'x' } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe.each(STORES)('durable consumers at outbox gaps (%s)', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let bus: EventBus<TestEvents>;
  let errors: unknown[];
  let seen: number[];
  let metrics: Registry;
  const cleanups: Array<() => Promise<unknown>> = [];

  const newBus = (on: Store = store) => createEventBus<TestEvents>({ store: on, onError: (error) => void errors.push(error), metrics });
  const gapWaitSeconds = async () => {
    const { body } = await renderMetrics(metrics);
    return Number(/^portico_event_consumer_gap_wait_seconds\{consumer="audit"\} (\S+)$/m.exec(body)?.[1]);
  };
  const record = async (events: Array<AnyStoredEvent<TestEvents>>) => void seen.push(...events.map((e) => e.sequence));
  const emitOne = async (on: EventBus<TestEvents> = bus) => (await on.transaction((trx) => on.emit(trx, 'project.renamed', input))).sequence;
  const rolledBackEmit = () =>
    expect(
      bus.transaction(async (trx) => {
        await bus.emit(trx, 'project.renamed', input);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
  /** A transaction that emits one event and stays open until `commit()`. */
  const openWriter = async () => {
    const emitted = gate();
    const mayCommit = gate();
    let pid = 0;
    const done = bus.transaction(async (trx) => {
      pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid;
      const event = await bus.emit(trx, 'project.renamed', input);
      emitted.open();
      await mayCommit.wait;
      return event.sequence;
    });
    await emitted.wait;
    cleanups.push(async () => {
      mayCommit.open();
      await done;
    });
    return { pid, commit: () => (mayCommit.open(), done) };
  };
  /** A session of its own, outside the store's pool. */
  const session = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    cleanups.push(() => client.end().catch(() => undefined));
    return client;
  };

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 6 });
    await migrateToLatest(store);
    errors = [];
    seen = [];
    metrics = createMetricsRegistry();
    bus = newBus();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await bus.close();
    expect(errors).toEqual([]);
    await store.close();
    await database.drop();
  });

  it('passes the gap a rolled-back emit leaves, at once', async () => {
    const first = await emitOne();
    await rolledBackEmit();
    const third = await emitOne();
    // PostgreSQL never hands a sequence value out twice; SQLite rolls its counter back with the insert.
    expect(third - first).toBe(kind === 'postgres' ? 2 : 1);

    const consumer = bus.consume('audit', record, { pollIntervalMs: 60_000 });
    await consumer.catchUp();
    expect(seen).toEqual([first, third]);
    expect(consumer.waitingAtGapSince).toBeUndefined();
  });

  it.runIf(kind === 'postgres')('passes the value of an insert that failed after taking it, and delivers the rest of its transaction', async () => {
    const first = await emitOne();
    const second = await bus.transaction(async (trx) => {
      await sql`savepoint duplicate`.execute(trx);
      const duplicate = sql`insert into events (id, project_id, type, actor_kind, actor_name, data, created_at)
        select id, project_id, type, actor_kind, actor_name, data, created_at from events where sequence = ${first}`;
      await expect(duplicate.execute(trx)).rejects.toThrow(/duplicate key/);
      await sql`rollback to savepoint duplicate`.execute(trx);
      return (await bus.emit(trx, 'project.renamed', input)).sequence;
    });
    expect(second).toBe(first + 2);

    const consumer = bus.consume('audit', record, { pollIntervalMs: 60_000 });
    await consumer.catchUp();
    expect(seen).toEqual([first, second]);
  });

  it.runIf(kind === 'postgres')('is not delayed by long transactions that write no event: a 20 s query in another database, idle sessions in this one', async () => {
    const elsewhere = await createTestDatabase('postgres');
    const report = await session(elsewhere.databaseUrl!);
    cleanups.push(() => elsewhere.drop()); // WITH (FORCE): ends the report query first
    await report.query('begin');
    const { rows } = await report.query<{ xid: string; pid: number }>('select pg_current_xact_id()::text as xid, pg_backend_pid() as pid');
    void report.query('select pg_sleep(20)').catch(() => undefined);
    // Idle in transaction here: one with a transaction id, one that read the outbox (and holds a lock on it).
    const idle = await session(database.databaseUrl!);
    await idle.query('begin');
    const idlePid = (await idle.query<{ pid: number }>('select pg_current_xact_id(), pg_backend_pid() as pid')).rows[0]!.pid;
    const reader = await session(database.databaseUrl!);
    await reader.query('begin');
    const readerPid = (await reader.query<{ pid: number }>('select count(*), pg_backend_pid() as pid from events')).rows[0]!.pid;
    // They hold the server-wide horizon (the snapshot's xmin) back: a reader waiting for it would wait 20 s.
    const horizon = await sql<{ held: boolean }>`select pg_snapshot_xmin(pg_current_snapshot()) <= ${rows[0]!.xid}::xid8 as held`.execute(store.db);
    expect(horizon.rows[0]!.held).toBe(true);

    bus.consume('webhooks', record, { pollIntervalMs: 60_000 });
    const started = Date.now();
    // Concurrent transactions commit out of sequence order: real gaps to pass.
    const emitted = await Promise.all(
      Array.from({ length: 10 }, () => bus.transaction(async (trx) => [await bus.emit(trx, 'project.renamed', input), await bus.emit(trx, 'project.renamed', input)])),
    );
    await expect.poll(() => seen.length, { timeout: 2000, interval: 10 }).toBe(20);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(seen).toEqual(emitted.flat().map((e) => e.sequence).sort((a, b) => a - b));

    // All three are still open.
    const open = await sql<{ state: string }>`select state from pg_stat_activity where pid = any(${[rows[0]!.pid, idlePid, readerPid]}::int[]) and xact_start is not null order by state`.execute(store.db);
    expect(open.rows.map((r) => r.state)).toEqual(['active', 'idle in transaction', 'idle in transaction']);
  });

  it.runIf(kind === 'postgres')('waits for a writer holding a lower sequence only until it commits, then delivers its event', async () => {
    const consumer = bus.consume('audit', record, { pollIntervalMs: 60_000 });
    const writer = await openWriter();
    const later = [await emitOne(), await emitOne()];
    await expect.poll(() => consumer.waitingAtGapSince, { timeout: 3000, interval: 10 }).toBeTypeOf('number');
    await sleep(300);
    expect(seen).toEqual([]);

    const held = await writer.commit();
    const committed = Date.now();
    await expect.poll(() => seen, { timeout: 1000, interval: 10 }).toEqual([held, ...later]);
    expect(Date.now() - committed).toBeLessThan(1000);
    expect(consumer.waitingAtGapSince).toBeUndefined();
  });

  it.runIf(kind === 'postgres')('passes a rolled-back gap while other writers keep the outbox busy, and loses none of theirs, one consumer over two nodes', async () => {
    const otherStore = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 6 });
    const other = newBus(otherStore);
    cleanups.push(() => otherStore.close(), () => other.close());
    let inside = 0;
    let overlapped = false;
    const handler = async (events: Array<AnyStoredEvent<TestEvents>>) => {
      overlapped ||= ++inside > 1;
      await record(events);
      inside--;
    };
    bus.consume('audit', handler, { batchSize: 10 });
    other.consume('audit', handler, { batchSize: 10 });

    // Four writers, each holding its transaction open 20 ms after its emit (one is nearly always
    // open), and rolling back one transaction in five.
    let busy = true;
    const committed: number[] = [];
    const writers = Array.from({ length: 4 }, async (_, n) => {
      await sleep(n * 5);
      const on = n % 2 === 0 ? bus : other;
      while (busy) {
        const sequence = await on
          .transaction(async (trx) => {
            const event = await on.emit(trx, 'project.renamed', input);
            await sleep(20);
            if (Math.random() < 0.2) throw new Error('rolled back');
            return event.sequence;
          })
          .catch(() => undefined);
        if (sequence !== undefined) committed.push(sequence);
      }
    });
    const admin = await session(database.databaseUrl!);
    let samples = 0;
    let withWriter = 0;
    const sampler = (async () => {
      while (busy) {
        const locks = await admin.query("select 1 from pg_locks where relation = 'events'::regclass and mode = 'RowExclusiveLock' and granted");
        samples++;
        if (locks.rows.length > 0) withWriter++;
        await sleep(5);
      }
    })();

    await sleep(200);
    await rolledBackEmit();
    const marker = await emitOne();
    const started = Date.now();
    await expect.poll(() => seen.includes(marker), { timeout: 2000, interval: 10 }).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    busy = false;
    await Promise.all([...writers, sampler]);
    // The writers were there: most looks at the locks found one.
    expect(withWriter / samples).toBeGreaterThan(0.5);

    const all = [...committed, marker].sort((a, b) => a - b);
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(all.length);
    expect(seen).toEqual(all);
    expect(overlapped).toBe(false);
  });

  it.runIf(kind === 'postgres')('reports a writer that keeps a gap open past the bound, naming its session, and skips nothing', async () => {
    const consumer = bus.consume('audit', record, { pollIntervalMs: 60_000, heldBackReportMs: 300 });
    const writer = await openWriter();
    const later = await emitOne();

    await expect.poll(() => errors.length, { timeout: 5000 }).toBeGreaterThan(0);
    const report = String(errors[0]);
    expect(report).toMatch(`Durable consumer "audit" has waited`);
    expect(report).toMatch(new RegExp(`pid ${writer.pid} \\(application "[^"]*", idle in transaction since \\d{4}-`));
    expect(report).toMatch(`before sequence ${later} committed`);
    expect(Date.now() - consumer.waitingAtGapSince!).toBeGreaterThanOrEqual(300);
    expect(await gapWaitSeconds()).toBeGreaterThanOrEqual(0.3);
    expect(seen).toEqual([]);
    errors = [];

    const held = await writer.commit();
    await expect.poll(() => seen, { timeout: 1000 }).toEqual([held, later]);
    expect(await gapWaitSeconds()).toBe(0);
  });

  it.runIf(kind === 'postgres')('refuses to pass a gap if the outbox sequence caches values per session', async () => {
    const cache = await sql<{ cache_size: string }>`select cache_size from pg_sequences where sequencename = 'events_sequence_seq'`.execute(store.db);
    expect(Number(cache.rows[0]!.cache_size)).toBe(1);
    await sql`alter sequence events_sequence_seq cache 20`.execute(store.db);
    // One transaction, one session: three consecutive values from its cache, the middle one then lost.
    const sequences = await bus.transaction(async (trx) => [
      (await bus.emit(trx, 'project.renamed', input)).sequence,
      (await bus.emit(trx, 'project.renamed', input)).sequence,
      (await bus.emit(trx, 'project.renamed', input)).sequence,
    ]);
    await sql`delete from events where sequence = ${sequences[1]}`.execute(store.db);

    bus.consume('audit', record, { pollIntervalMs: 60_000, retryDelayMs: 60_000 });
    await expect.poll(() => errors.map(String)).toEqual([expect.stringMatching(/caches 20 values per session.*ALTER SEQUENCE .*events_sequence_seq CACHE 1$/)]);
    errors = [];
    // The batch stopped at the gap, before the handler: nothing is handed over until it is fixed.
    expect(seen).toEqual([]);
  });
});
