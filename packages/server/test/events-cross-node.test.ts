import net from 'node:net';
import pg from 'pg';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../src/domain/database.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { PgChangeNotifier, createEventBus, notifyChange, type ChangeMessage, type EventNotice } from '../src/platform/events/index.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';
import { EventsNode, type Report } from './support/events-process.ts';
import type { NodeEvents } from './support/events-node.ts';

const system = { kind: 'system', name: 'test' } as const;
const CHANGES = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

async function terminateListeners(database: TestDatabase, applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: database.databaseUrl });
  await client.connect();
  try {
    const result = await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1', [applicationName]);
    return result.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** A TCP proxy to PostgreSQL whose current connections can be frozen: they stay open and carry nothing, as after a NAT forgets them. */
async function freezableProxy(target: URL): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const connections = new Set<{ frozen: boolean; sockets: net.Socket[] }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    const connection = { frozen: false, sockets: [client, upstream] };
    connections.add(connection);
    client.on('data', (data) => connection.frozen || upstream.write(data));
    upstream.on('data', (data) => connection.frozen || client.write(data));
    for (const socket of connection.sockets) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        connections.delete(connection);
        for (const other of connection.sockets) other.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    freeze: () => connections.forEach((c) => (c.frozen = true)),
    close: async () => {
      for (const c of connections) for (const socket of c.sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.each(STORES)('domain events across processes (%s)', (kind) => {
  let database: TestDatabase;
  let store: Store;
  const nodes: EventsNode[] = [];
  const closers: Array<() => Promise<void>> = [];

  const startNode = async (role: 'listener' | 'emitter' | 'consumer', options: { applicationName?: string; batchDelayMs?: number } = {}) => {
    const node = new EventsNode(role, { databaseUrl: database.databaseUrl, dataDir: database.dataDir, ...options });
    nodes.push(node);
    await node.waitFor((r) => r.ready === true);
    return node;
  };

  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 4 });
    await migrateToLatest(store);
  });

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.kill('SIGKILL')));
    for (const close of closers.splice(0).reverse()) await close();
    await store.close();
    await database.drop();
  });

  it.runIf(kind === 'postgres')('tells subscribers on another node about each committed event, and this node once', async () => {
    const other = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 4 });
    const notifierA = new PgChangeNotifier({ connectionString: database.databaseUrl!, applicationName: 'node-a' });
    const notifierB = new PgChangeNotifier({ connectionString: database.databaseUrl!, applicationName: 'node-b' });
    const a = createEventBus<NodeEvents>({ store, notifier: notifierA });
    const b = createEventBus<NodeEvents>({ store: other, notifier: notifierB });
    closers.push(() => other.close(), () => notifierA.stop(), () => notifierB.stop(), () => a.close(), () => b.close());
    await Promise.all([notifierA.start(), notifierB.start()]);

    const onA: EventNotice[] = [];
    const onB: EventNotice[] = [];
    a.subscribe('*', (notice) => void onA.push(notice));
    b.subscribe('test.changed', (notice) => void onB.push(notice));
    const consumedOnB: number[] = [];
    b.consume('remote-wakeup', async (events) => void consumedOnB.push(...events.map((e) => e.sequence)), { pollIntervalMs: 60_000 });

    const emitted = await a.transaction(async (trx) => [
      await a.emit(trx, 'test.changed', { projectId: 'p1', userId: 'u1', actor: system, data: { n: 1 } }),
      await a.emit(trx, 'test.changed', { projectId: 'p1', userId: null, actor: system, data: { n: 2 } }),
    ]);
    const sequences = emitted.map((e) => e.sequence);

    await expect.poll(() => onB.map((n) => n.sequence)).toEqual(sequences);
    expect(onB[0]).toEqual({ sequence: sequences[0], type: 'test.changed', projectId: 'p1', userId: 'u1', origin: 'remote' });
    expect(onB[1]!.userId).toBeNull();
    // B's durable consumer polls once a minute: only the notice can have woken it.
    await expect.poll(() => consumedOnB).toEqual(sequences);
    // A hears its own NOTIFY too, and drops it: its subscribers were told after the commit.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(onA.map((n) => [n.sequence, n.origin])).toEqual(sequences.map((s) => [s, 'local']));
  });

  it.runIf(kind === 'postgres')('finds an event whose node committed it and died before announcing it', async () => {
    const notifier = new PgChangeNotifier({ connectionString: database.databaseUrl!, applicationName: 'node-b' });
    const b = createEventBus<NodeEvents>({ store, notifier, sweep: { intervalMs: 100 } });
    closers.push(() => notifier.stop(), () => b.close());
    await notifier.start();
    const heard: EventNotice[] = [];
    b.subscribe('*', (notice) => void heard.push(notice));
    await new Promise((resolve) => setTimeout(resolve, 300));

    // What a node leaves behind when kill -9 lands between its COMMIT and its announcement.
    const { rows } = await sql<{ sequence: string }>`
      insert into events (id, project_id, user_id, type, actor_kind, actor_name, data, created_at)
      values ('evt-orphan', 'p1', 'u1', 'test.changed', 'system', 'dead-node', '{}', ${new Date().toISOString()})
      returning sequence`.execute(store.db);
    const sequence = Number(rows[0]!.sequence);

    await expect.poll(() => heard, { timeout: 3000 }).toEqual([{ sequence, type: 'test.changed', projectId: 'p1', userId: 'u1', origin: 'remote' }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard).toHaveLength(1);
  });

  it.runIf(kind === 'postgres')('announces the events of concurrent commits in batches, each event once', async () => {
    const other = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 8 });
    const notifierB = new PgChangeNotifier({ connectionString: database.databaseUrl!, applicationName: 'node-b' });
    const raw = new PgChangeNotifier({ connectionString: database.databaseUrl!, applicationName: 'raw' });
    const a = createEventBus<NodeEvents>({ store: other });
    const b = createEventBus<NodeEvents>({ store, notifier: notifierB });
    closers.push(() => other.close(), () => notifierB.stop(), () => raw.stop(), () => a.close(), () => b.close());
    await Promise.all([notifierB.start(), raw.start()]);
    const messages: ChangeMessage[] = [];
    raw.on('events', (message) => void messages.push(message));
    const onB: number[] = [];
    b.subscribe('*', (notice) => void onB.push(notice.sequence));

    const transactions = 200;
    const emitted = await Promise.all(
      Array.from({ length: transactions }, (_, n) => a.transaction((trx) => a.emit(trx, 'test.changed', { projectId: 'p1', userId: `u${n}`, actor: system, data: { n } }))),
    );
    await expect.poll(() => onB.length, { timeout: 5000 }).toBe(transactions);
    expect([...onB].sort((x, y) => x - y)).toEqual(emitted.map((e) => e.sequence).sort((x, y) => x - y));
    const carried = messages.reduce((sum, message) => sum + (message.e as unknown[]).length, 0);
    expect(carried).toBe(transactions);
    console.log(`${transactions} concurrent commits announced in ${messages.length} NOTIFY messages`);
    expect(messages.length).toBeLessThan(transactions);
  });

  it.runIf(kind === 'postgres')(`delivers ${CHANGES} changes from node A to node B's subscriber within 100 ms (p99), and B resyncs after losing its LISTEN connection`, async () => {
    const b = await startNode('listener', { applicationName: 'portico-listener-b' });
    const a = await startNode('emitter', { applicationName: 'portico-listener-a' });
    expect(b.reports.filter((r) => r.resync)).toHaveLength(1);

    a.send({ emit: CHANGES });
    await a.waitFor((r) => r.done === true);
    const emitted = a.reports.filter((r) => typeof r.emitted === 'number') as Array<Report & { emitted: number; commitStart: number; committed: number }>;
    expect(emitted).toHaveLength(CHANGES);
    const received = (await b.waitFor((r) => typeof r.notice === 'number', CHANGES)) as Array<Report & { notice: number; at: number; origin: string }>;
    const arrival = new Map(received.map((r) => [r.notice, r]));
    expect(arrival.size).toBe(CHANGES);

    const fromCommitSent = emitted.map((e) => arrival.get(e.emitted)!.at - e.commitStart).sort((x, y) => x - y);
    const fromCommitDone = emitted.map((e) => arrival.get(e.emitted)!.at - e.committed).sort((x, y) => x - y);
    const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
    console.log(
      `cross-node latency, ${CHANGES} changes, commit on A -> subscriber on B (two processes, two pools):\n` +
        `  from COMMIT sent:         p50 ${fmt(percentile(fromCommitSent, 0.5))}, p99 ${fmt(percentile(fromCommitSent, 0.99))}, max ${fmt(fromCommitSent.at(-1)!)}\n` +
        `  from COMMIT acknowledged: p50 ${fmt(percentile(fromCommitDone, 0.5))}, p99 ${fmt(percentile(fromCommitDone, 0.99))}`,
    );
    expect(received.every((r) => r.origin === 'remote')).toBe(true);
    expect(percentile(fromCommitSent, 0.99)).toBeLessThan(100);

    // Kill B's LISTEN connection: B reconnects, tells its subscribers to resync, and hears A again.
    expect(await terminateListeners(database, 'portico-listener-b')).toBe(1);
    await b.waitFor((r) => r.resync === true, 2);
    a.send({ emit: 5 });
    await a.waitFor((r) => r.done === true, 2);
    const after = a.reports.filter((r) => typeof r.emitted === 'number').slice(CHANGES).map((r) => r.emitted);
    await b.waitFor((r) => typeof r.notice === 'number', CHANGES + 5);
    expect(b.reports.filter((r) => typeof r.notice === 'number').slice(CHANGES).map((r) => r.notice)).toEqual(after);
  });

  it.runIf(kind === 'postgres')('notices a silently dead LISTEN connection by its heartbeat, reconnects and resyncs', async () => {
    const proxy = await freezableProxy(new URL(database.databaseUrl!));
    const lost: unknown[] = [];
    const notifier = new PgChangeNotifier({ connectionString: proxy.url, heartbeatIntervalMs: 200, minReconnectDelayMs: 20, onError: (error) => void lost.push(error) });
    closers.push(() => proxy.close(), () => notifier.stop());
    let resyncs = 0;
    notifier.onResync(() => resyncs++);
    const received: ChangeMessage[] = [];
    notifier.on('project.changed', (message) => void received.push(message));
    await notifier.start();
    expect(resyncs).toBe(1);

    proxy.freeze();
    await expect.poll(() => resyncs, { timeout: 5000 }).toBe(2);
    expect(String(lost[0])).toMatch(/timeout/i);
    await notifyChange(store.db, 'project.changed', { projectId: 'p1' });
    await expect.poll(() => received).toEqual([{ k: 'project.changed', projectId: 'p1' }]);
  });

  it('a durable consumer killed with SIGKILL mid-batch again and again handles every event exactly once', async () => {
    await sql`create table consumed (event_id text not null, sequence bigint not null)`.execute(store.db);
    const bus = createEventBus<NodeEvents>({ store });
    closers.push(() => bus.close());
    const total = 300;
    for (let n = 0; n < total; n += 20) {
      await bus.transaction(async (trx) => {
        for (let i = n; i < n + 20; i++) await bus.emit(trx, 'test.changed', { projectId: 'p1', actor: system, data: { n: i } });
      });
    }
    const counts = async () => {
      const { rows } = await sql<{ all: number | string; distinct: number | string }>`select count(*) as "all", count(distinct event_id) as "distinct" from consumed`.execute(store.db);
      return { all: Number(rows[0]!.all), distinct: Number(rows[0]!.distinct) };
    };

    let started = 0;
    for (let kill = 0; kill < 4; kill++) {
      const consumer = await startNode('consumer', { batchDelayMs: 25 });
      await consumer.waitFor((r) => typeof r.consumed === 'number', 2 + kill);
      await consumer.kill('SIGKILL');
      nodes.splice(nodes.indexOf(consumer), 1);
      started += consumer.reports.reduce((sum, r) => sum + (typeof r.handling === 'number' ? r.handling : 0), 0);
    }
    const partial = await counts();
    expect(partial.all).toBeLessThan(total);
    expect(partial.all).toBe(partial.distinct);
    // The kills landed inside batches: some handled events were rolled back with their batch.
    expect(started).toBeGreaterThan(partial.all);

    await startNode('consumer');
    await expect.poll(async () => (await counts()).all, { timeout: 20_000 }).toBe(total);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await counts()).toEqual({ all: total, distinct: total });
  });
});
