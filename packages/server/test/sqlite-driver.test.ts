import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { openStore } from '../src/platform/db/store.ts';
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
