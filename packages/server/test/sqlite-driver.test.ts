import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openStore } from '../src/platform/db/store.ts';
import { GroupCommitSqliteDriver } from '../src/platform/db/sqlite-driver.ts';
import { sqliteDialect } from '../src/platform/db/sqlite-dialect.ts';
import type { AppStore as Store } from '../src/domain/database.ts';

/** The embedded store's driver: group commit must keep every transaction's own outcome and durability. */
describe('SQLite driver (group commit)', () => {
  let dataDir: string;
  let store: Store;
  /** A second connection, as another process would have: it sees only what is committed. */
  let observer: SQLite.Database;

  const project = (id: string) => ({ id, name: id, plan: 'basic', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
  const insert = (id: string) => store.db.insertInto('projects').values(project(id)).execute();
  const committed = (id: string) => observer.prepare('select count(*) as n from projects where id = ?').get(id) as { n: number };

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-driver-'));
    store = openStore({ dataDir });
    await migrateToLatest(store);
    observer = new SQLite(path.join(dataDir, 'portico.db'), { readonly: true });
  });

  afterEach(async () => {
    observer.close();
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('resolves each concurrent transaction only once it is committed', async () => {
    const ids = Array.from({ length: 40 }, (_, n) => `p${n}`);
    const seenWhenResolved = await Promise.all(
      ids.map(async (id) => {
        await store.db.transaction().execute(async (trx) => {
          await trx.insertInto('projects').values(project(id)).execute();
        });
        return committed(id).n;
      }),
    );
    expect(seenWhenResolved).toEqual(ids.map(() => 1));
  });

  it('rolls back a failing transaction alone while the others of its group commit', async () => {
    const results = await Promise.allSettled([
      store.db.transaction().execute((trx) => trx.insertInto('projects').values(project('a')).execute()),
      store.db.transaction().execute(async (trx) => {
        await trx.insertInto('projects').values(project('b')).execute();
        throw new Error('changed my mind');
      }),
      store.db.transaction().execute((trx) => trx.insertInto('projects').values(project('a')).execute()),
      store.db.transaction().execute((trx) => trx.insertInto('projects').values(project('c')).execute()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('changed my mind');
    expect((results[2] as PromiseRejectedResult).reason.message).toMatch(/UNIQUE/);
    expect([committed('a').n, committed('b').n, committed('c').n]).toEqual([1, 0, 1]);
  });

  it('lets a later transaction see an earlier one of the same group', async () => {
    const [, count] = await Promise.all([
      store.db.transaction().execute((trx) => trx.insertInto('projects').values(project('first')).execute()),
      store.db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('projects').select('id').execute();
        await trx.insertInto('projects').values(project('second')).execute();
        return rows.length;
      }),
    ]);
    expect(count).toBe(1);
    expect(committed('second').n).toBe(1);
  });

  it('answers reads outside a transaction from durable data, without waiting for a writer', async () => {
    await insert('before');
    const seenOutside = await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('projects').values(project('inside')).execute();
      return (await store.db.selectFrom('projects').select('id').orderBy('id').execute()).map((r) => r.id);
    });
    expect(seenOutside).toEqual(['before']);
    expect((await store.db.selectFrom('projects').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(['before', 'inside']);
  });

  it('resolves each concurrent write outside a transaction only once it is committed', async () => {
    const ids = Array.from({ length: 20 }, (_, n) => `w${n}`);
    const seenWhenResolved = await Promise.all(ids.map(async (id) => {
      await insert(id);
      return committed(id).n;
    }));
    expect(seenWhenResolved).toEqual(ids.map(() => 1));
    const failed = await Promise.allSettled([insert('dup'), insert('dup'), insert('other')]);
    expect(failed.map((r) => r.status).sort()).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect([committed('dup').n, committed('other').n]).toEqual([1, 1]);
  });

  it('keeps savepoints of a controlled transaction and commits it durably', async () => {
    const trx = await store.db.startTransaction().execute();
    await trx.insertInto('projects').values(project('kept')).execute();
    const savepoint = await trx.savepoint('maybe').execute();
    await savepoint.insertInto('projects').values(project('undone')).execute();
    await savepoint.rollbackToSavepoint('maybe').execute();
    await trx.commit().execute();
    expect([committed('kept').n, committed('undone').n]).toEqual([1, 0]);
  });

  it('runs pragmas on the writer, after committing its open group', async () => {
    await sql`pragma cache_size = -1234`.execute(store.db);
    const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(store.db);
    expect(rows).toEqual([{ cache_size: -1234 }]);
    await insert('before-checkpoint');
    const checkpoint = await sql<{ busy: number }>`pragma wal_checkpoint(truncate)`.execute(store.db);
    expect(checkpoint.rows[0]?.busy).toBe(0);
  });

  it('streams rows', async () => {
    await Promise.all(['s1', 's2', 's3'].map(insert));
    const ids: string[] = [];
    for await (const row of store.db.selectFrom('projects').select('id').orderBy('id').stream()) ids.push(row.id);
    expect(ids).toEqual(['s1', 's2', 's3']);
  });

  it('moves its other-process version on another connection\'s commit from the next turn, and not on its own writes or reads', async () => {
    const start = store.otherProcessVersion();
    await store.db.selectFrom('projects').selectAll().execute();
    await insert('v1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.otherProcessVersion()).toBe(start);
    const writer = new SQLite(path.join(dataDir, 'portico.db'));
    writer.prepare('update projects set name = ? where id = ?').run('renamed', 'v1');
    writer.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.otherProcessVersion()).not.toBe(start);
  });

  it('waits for another connection\'s write lock on timers, serving the event loop meanwhile', async () => {
    const other = new SQLite(path.join(dataDir, 'portico.db'));
    other.exec('begin immediate');
    const write = insert('after-lock');
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(committed('after-lock').n).toBe(0);
    other.exec('commit');
    other.close();
    await write;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
    expect(committed('after-lock').n).toBe(1);
  });

  /** Whether the project row `id` is in the database file without its WAL: what a checkpoint has copied into it, and nothing else. */
  const inDataFile = (id: string): number => {
    const copy = path.join(dataDir, 'copy.db');
    fs.copyFileSync(path.join(dataDir, 'portico.db'), copy);
    const alone = new SQLite(copy, { readonly: true });
    try {
      return (alone.prepare('select count(*) as n from projects where id = ?').get(id) as { n: number }).n;
    } finally {
      alone.close();
    }
  };

  it('copies committed writes into the database file on its checkpoint thread, within moments', async () => {
    // The migrations' commits are checkpointed first; then the WAL is far below SQLite's own threshold.
    await expect.poll(() => store.sqliteStats()!.checkpointsAside, { timeout: 5000 }).toBeGreaterThan(0);
    const checkpoints = store.sqliteStats()!.checkpointsAside;
    await insert('checkpointed');
    expect(committed('checkpointed').n).toBe(1);
    await expect.poll(() => inDataFile('checkpointed'), { timeout: 5000 }).toBe(1);
    // The thread has copied the row before its answer reaches this one: the count follows a moment later.
    await expect.poll(() => store.sqliteStats()!.checkpointsAside, { timeout: 5000 }).toBeGreaterThan(checkpoints);
  });

  it('ends the checkpoint thread once no commit came for a second, and starts another for the next commit', async () => {
    await expect.poll(() => store.sqliteStats()!.checkpointsAside, { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(() => store.sqliteStats()!.checkpointThreadRunning, { timeout: 5000 }).toBe(false);
    const started = store.sqliteStats()!.checkpointThreadsStarted;
    await insert('after-idle');
    await expect.poll(() => inDataFile('after-idle'), { timeout: 5000 }).toBe(1);
    expect(store.sqliteStats()!.checkpointThreadsStarted).toBe(started + 1);
  });

  it('waits at close for a thread that ended idle to close its connection', async () => {
    await expect.poll(() => store.sqliteStats()!.checkpointsAside, { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(() => store.sqliteStats()!.checkpointThreadRunning, { timeout: 5000, interval: 1 }).toBe(false);
    observer.close();
    await store.close();
    // The last connection to close removes the WAL: its absence says every one is closed, the ended thread's too.
    expect(fs.existsSync(path.join(dataDir, 'portico.db-wal'))).toBe(false);
    store = openStore({ dataDir });
    observer = new SQLite(path.join(dataDir, 'portico.db'), { readonly: true });
  });

  it('checkpoints again while a reader kept the last commit from being copied, with no commit after it', async () => {
    await expect.poll(() => store.sqliteStats()!.checkpointsAside, { timeout: 5000 }).toBeGreaterThan(0);
    // A reader holding a snapshot from before the write: a checkpoint can copy nothing after it.
    const reader = new SQLite(path.join(dataDir, 'portico.db'), { readonly: true });
    reader.exec('begin');
    reader.prepare('select count(*) from projects').get();
    const before = store.sqliteStats()!.checkpointsAside;
    await insert('held');
    await expect.poll(() => store.sqliteStats()!.checkpointsAside, { timeout: 5000 }).toBeGreaterThan(before + 1);
    expect(inDataFile('held')).toBe(0);
    // The retries back off (200 ms, then twice as long each time): over 3 s a handful, not one each 200 ms.
    const retrying = store.sqliteStats()!.checkpointsAside;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(store.sqliteStats()!.checkpointsAside - retrying).toBeLessThanOrEqual(5);
    // Meanwhile a write behind is fsynced: nothing else would make it durable while the reader stays.
    const synced = store.sqliteStats()!.syncedCommits;
    await store.writeBehind(sql`update projects set updated_at = ${'2026-03-03T00:00:00.000Z'} where id = ${'held'}`.compile(store.db));
    expect(store.sqliteStats()!.syncedCommits).toBe(synced + 1);
    reader.exec('commit');
    reader.close();
    // Nothing is written after the reader lets go: only a checkpoint retried on its own copies the row.
    await expect.poll(() => inDataFile('held'), { timeout: 5000 }).toBe(1);
  });

  it('commits writes behind without an fsync when nothing else shares their group, and with one otherwise', async () => {
    const touch = (id: string) => store.writeBehind(sql`update projects set updated_at = ${'2026-02-02T00:00:00.000Z'} where id = ${id}`.compile(store.db));
    await insert('w1');
    await insert('w2');
    const before = store.sqliteStats()!;
    await Promise.all([touch('w1'), touch('w2')]);
    const alone = store.sqliteStats()!;
    expect(alone.unsyncedCommits - before.unsyncedCommits).toBe(1);
    expect(alone.syncedCommits).toBe(before.syncedCommits);
    // Committed all the same: another connection sees them.
    expect(observer.prepare('select count(*) as n from projects where updated_at = ?').get('2026-02-02T00:00:00.000Z')).toEqual({ n: 2 });

    // A write behind that joins the group of an ordinary write (it waited for the writer the
    // transaction held) is fsynced with it.
    let queued: Promise<void> | undefined;
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('projects').values(project('w3')).execute();
      queued = touch('w1');
    });
    await queued;
    const shared = store.sqliteStats()!;
    expect(shared.unsyncedCommits).toBe(alone.unsyncedCommits);
    expect(shared.syncedCommits - alone.syncedCommits).toBe(1);

    // An ordinary write arriving while writes behind wait in a group commits them first, then needs its own fsync.
    await Promise.all([touch('w2'), insert('w4')]);
    const after = store.sqliteStats()!;
    expect([after.unsyncedCommits - shared.unsyncedCommits, after.syncedCommits - shared.syncedCommits]).toEqual([1, 1]);
    expect(committed('w4').n).toBe(1);
  });

  it('commits writes behind with an fsync once the checkpoint thread has failed', async () => {
    // A driver whose checkpoint thread cannot start (no SQLite module where it looks).
    const file = path.join(dataDir, 'no-thread.db');
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    const failures: string[] = [];
    const driver = new GroupCommitSqliteDriver(database, { checkpointAside: { driverPath: path.join(dataDir, 'missing-driver.js'), onFailure: (message) => failures.push(message) } });
    const db = new Kysely<{ t: { v: number } }>({ dialect: sqliteDialect(driver) });
    try {
      await sql`create table t (v integer)`.execute(db);
      await expect.poll(() => failures.length, { timeout: 5000 }).toBe(1);
      expect(failures[0]).toMatch(/checkpoint thread stopped/);
      const before = driver.stats();
      await driver.writeBehind(sql`insert into t (v) values (1)`.compile(db));
      const after = driver.stats();
      expect([after.syncedCommits - before.syncedCommits, after.unsyncedCommits - before.unsyncedCommits]).toEqual([1, 0]);
    } finally {
      await db.destroy();
    }
  });

  it('starts another checkpoint thread after one failed to start, once one has worked, fsyncing writes behind meanwhile', async () => {
    const database = new SQLite(path.join(dataDir, 'flaky-thread.db'));
    database.pragma('journal_mode = WAL');
    // The thread loads SQLite through this module, which can fail the way a start without file descriptors would.
    const shim = path.join(dataDir, 'driver-shim.cjs');
    const working = `module.exports = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});`;
    fs.writeFileSync(shim, working);
    const failures: string[] = [];
    const driver = new GroupCommitSqliteDriver(database, { checkpointAside: { driverPath: shim, onFailure: (message) => failures.push(message) } });
    const db = new Kysely<{ t: { v: number } }>({ dialect: sqliteDialect(driver) });
    try {
      await sql`create table t (v integer)`.execute(db);
      await expect.poll(() => driver.stats().checkpointsAside, { timeout: 5000 }).toBeGreaterThan(0);
      await expect.poll(() => driver.stats().checkpointThreadRunning, { timeout: 5000 }).toBe(false);
      fs.writeFileSync(shim, "throw new Error('EMFILE: too many open files');");
      await sql`insert into t (v) values (1)`.execute(db);
      await expect.poll(() => driver.stats().checkpointThreadFailures, { timeout: 5000 }).toBeGreaterThan(0);
      fs.writeFileSync(shim, working);
      // Until a thread works again, a write behind is fsynced.
      const before = driver.stats();
      await driver.writeBehind(sql`insert into t (v) values (2)`.compile(db));
      expect(driver.stats().syncedCommits - before.syncedCommits).toBe(1);
      // The retry starts a thread that works: checkpoints go on, and nothing was given up.
      await expect.poll(() => driver.stats().checkpointsAside, { timeout: 5000 }).toBeGreaterThan(before.checkpointsAside);
      expect(failures).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
