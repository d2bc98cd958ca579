/**
 * One Portico "node" for the cross-process event tests: `node --import tsx events-node.ts <role> <json options>`.
 * It speaks JSON lines: commands on stdin, reports on stdout.
 *
 * - listener: subscribes to every event and reports each notice and each resync with its arrival time.
 * - emitter:  on `{"emit": n}` emits n events one transaction after another and reports when each committed.
 * - consumer: runs a durable consumer that records each event in `consumed` within its batch's transaction,
 *             reporting each batch when it starts and when its handler is done (before the commit).
 */
import readline from 'node:readline';
import { sql } from 'kysely';
import { openAppStore as openStore } from '../../src/domain/database.ts';
import { PgChangeNotifier, createEventBus } from '../../src/platform/events/index.ts';

export interface NodeEvents {
  'test.changed': { n: number };
}

export interface NodeOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Listener: shown as the LISTEN connection's application_name, for pg_terminate_backend. */
  applicationName?: string;
  /** Consumer: milliseconds each batch holds its transaction, so kill -9 lands mid-batch. */
  batchDelayMs?: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

const report = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(role: string, options: NodeOptions): Promise<void> {
  const store = openStore({ databaseUrl: options.databaseUrl, dataDir: options.dataDir, poolSize: 4 });
  const notifier = options.databaseUrl
    ? new PgChangeNotifier({ connectionString: options.databaseUrl, applicationName: options.applicationName, minReconnectDelayMs: 50, onError: () => undefined })
    : undefined;
  const bus = createEventBus<NodeEvents>({ store, notifier, onError: (error, context) => report({ error: `${context}: ${String(error)}` }) });

  if (role === 'listener') {
    bus.subscribe('*', (notice) => report({ notice: notice.sequence, origin: notice.origin, at: preciseNow() }));
    bus.onResync(() => report({ resync: true, at: preciseNow() }));
  }
  if (role === 'consumer') {
    bus.consume(
      'kill-test',
      async (events, trx) => {
        report({ handling: events.length });
        for (const event of events) await sql`insert into consumed (event_id, sequence) values (${event.id}, ${event.sequence})`.execute(trx);
        if (options.batchDelayMs) await new Promise((resolve) => setTimeout(resolve, options.batchDelayMs));
        report({ consumed: events.length });
      },
      { batchSize: 10, pollIntervalMs: 20 },
    );
  }
  await notifier?.start();
  report({ ready: true });

  let n = 0;
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as { emit?: number };
    for (let i = 0; i < (command.emit ?? 0); i++) {
      let commitStart = 0;
      const event = await bus.transaction(async (trx) => {
        const emitted = await bus.emit(trx, 'test.changed', { projectId: 'p1', userId: `u${n}`, actor: { kind: 'system', name: 'test' }, data: { n: n++ } });
        commitStart = preciseNow();
        return emitted;
      });
      report({ emitted: event.sequence, commitStart, committed: preciseNow() });
    }
    report({ done: true });
  }
  await bus.close();
  await notifier?.stop();
  await store.close();
}

const [role = '', json = '{}'] = process.argv.slice(2);
await main(role, JSON.parse(json) as NodeOptions);
