import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/db/migrations.ts';
import { openStore, type Store } from '../src/db/store.ts';

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

  it('commits the open group before a statement outside a transaction runs', async () => {
    const write = store.db.transaction().execute((trx) => trx.insertInto('projects').values(project('x')).execute());
    const read = store.db.selectFrom('projects').select('id').execute().then((rows) => ({ rows, durable: committed('x').n }));
    await write;
    expect(await read).toEqual({ rows: [{ id: 'x' }], durable: 1 });
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

  it('streams rows', async () => {
    await Promise.all(['s1', 's2', 's3'].map(insert));
    const ids: string[] = [];
    for await (const row of store.db.selectFrom('projects').select('id').orderBy('id').stream()) ids.push(row.id);
    expect(ids).toEqual(['s1', 's2', 's3']);
  });

  it('moves its change version on writes, here or by another connection, and not on reads', async () => {
    const start = store.changeVersion();
    await store.db.selectFrom('projects').selectAll().execute();
    expect(store.changeVersion()).toBe(start);
    await insert('v1');
    const afterWrite = store.changeVersion();
    expect(afterWrite).not.toBe(start);
    const writer = new SQLite(path.join(dataDir, 'portico.db'));
    writer.prepare('update projects set name = ? where id = ?').run('renamed', 'v1');
    writer.close();
    expect(store.changeVersion()).not.toBe(afterWrite);
  });
});
