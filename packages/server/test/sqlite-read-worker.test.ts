import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompiledQuery } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteReadPool, SqliteReadWorker } from '../src/platform/db/sqlite-read-worker.ts';

const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');

/** A SQLite read thread that fails hands its reads to the main thread's reader, and the pool stops choosing it. */
describe('SQLite read threads that fail', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0)) await step();
  });

  function database(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-read-worker-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const Database = createRequire(import.meta.url)('better-sqlite3');
    const file = path.join(dir, 'reads.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('create table t (n integer); insert into t values (1), (2), (3);');
    db.close();
    return file;
  }

  const query = CompiledQuery.raw('select count(*) as n from t');

  it('answers a read sent to a thread that dies from the fallback, and says so once', async () => {
    const file = database();
    const fallbackCalls: string[] = [];
    const warnings: string[] = [];
    // A driver path that does not load: the thread dies right after it starts, with the read pending.
    const worker = new SqliteReadWorker(file, path.join(path.dirname(file), 'no-such-driver.js'), 1024, async (q) => {
      fallbackCalls.push(q.sql);
      return [{ n: 'from the main thread' }];
    }, (message) => warnings.push(message));
    cleanup.push(() => worker.close());
    expect(await worker.read(query)).toEqual([{ n: 'from the main thread' }]);
    expect(worker.usable).toBe(false);
    expect(await worker.read(query)).toEqual([{ n: 'from the main thread' }]);
    expect(fallbackCalls).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/read thread stopped/);
  });

  it('sends reads to the threads that still work', async () => {
    const file = database();
    let fallbacks = 0;
    const pool = new SqliteReadPool(2, file, driverPath, 1024, async () => {
      fallbacks += 1;
      return [];
    });
    cleanup.push(() => pool.close());
    expect(await pool.read(query)).toEqual([{ n: 3 }]);
    // The first thread is closed (as a dead one is unusable); every read now goes to the second.
    await (pool as unknown as { workers: SqliteReadWorker[] }).workers[0]!.close();
    for (let i = 0; i < 5; i++) expect(await pool.read(query)).toEqual([{ n: 3 }]);
    expect(fallbacks).toBe(0);
  });
});
