import { migrateToLatest } from '../../src/domain/migrations/index.ts';
import { openAppStore as openStore } from '../../src/domain/database.ts';
import type { AppStore as Store } from '../../src/domain/database.ts';
import { JobQueue, jobsDb, type JobQueueOptions } from '../../src/platform/jobs/index.ts';
import type { JobsDb } from '../../src/platform/jobs/jobs.repository.ts';
import { createTestDatabase, type StoreKind, type TestDatabase } from '../harness.ts';

/** A migrated test database and the stores (think: nodes) opened on it. */
export interface JobsFixture {
  database: TestDatabase;
  store: Store;
  db: JobsDb;
  /** Another connection pool on the same database, as a second node would have. */
  openStore(): Store;
  /** A queue with test-speed polling; stopped (abandoning leases) and closed by `close()`. */
  queue(options?: Partial<JobQueueOptions>): JobQueue;
  close(): Promise<void>;
}

export async function jobsFixture(kind: StoreKind): Promise<JobsFixture> {
  const database = await createTestDatabase(kind);
  const stores: Store[] = [];
  const queues: JobQueue[] = [];
  const open = () => {
    const store = openStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 5 });
    stores.push(store);
    return store;
  };
  const store = open();
  await migrateToLatest(store);
  let nodes = 0;
  return {
    database,
    store,
    db: jobsDb(store.db),
    openStore: open,
    queue(options = {}) {
      const queue = new JobQueue({
        store,
        nodeId: `node-${++nodes}`,
        pollIntervalMs: 50,
        schedulerIntervalMs: 100,
        backoff: { baseMs: 50, maxMs: 1000 },
        ...options,
      });
      queues.push(queue);
      return queue;
    },
    async close() {
      await Promise.all(queues.map((q) => q.stop({ drainMs: 0, releaseLeases: false })));
      for (const s of stores) await s.close();
      await database.drop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
