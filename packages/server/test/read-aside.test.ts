import { sql, type Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppStore } from '../src/domain/database.ts';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { createProject } from '../src/domain/projects/index.ts';
import { STORES, createTestDatabase } from './harness.ts';
import { openAppStore } from '../src/domain/database.ts';
import { loadConfig } from '../src/platform/config.ts';
import { freshStorePerTest } from './support/fresh-store.ts';

/** `store.readAside`: long reads (search counts) off the event loop on SQLite (decision 43), ordinary queries on PostgreSQL. */
describe.each(STORES)('reads aside (%s)', (kind) => {
  const current = freshStorePerTest(kind);
  let store: AppStore;
  beforeEach(async () => {
    store = current();
    await migrateToLatest(store);
  });

  it('sees what was committed just before, and answers many reads at once in order', async () => {
    const { projectId } = await createProject(store, { name: 'Aside', plan: 'enterprise' });
    const count = () => store.readAside(sql<{ n: number | string }>`select count(*) as n from projects where id = ${projectId}`.compile(store.db));
    expect(Number((await count())[0]!.n)).toBe(1);
    const many = await Promise.all(Array.from({ length: 20 }, (_, n) => store.readAside(sql<{ n: number | string }>`select ${n} + 0 as n`.compile(store.db))));
    expect(many.map((rows) => Number(rows[0]!.n))).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it.runIf(kind === 'sqlite')('runs on its own read-only connection: a write sent aside is refused and changes nothing', async () => {
    const { projectId } = await createProject(store, { name: 'Aside', plan: 'enterprise' });
    await expect(store.readAside(sql`update projects set name = 'Changed' where id = ${projectId}`.compile(store.db))).rejects.toThrow();
    const row = await store.db.selectFrom('projects').select('name').where('id', '=', projectId).executeTakeFirstOrThrow();
    expect(row.name).toBe('Aside');
  });

  it('hot reads: the same SQL with new parameters; on PostgreSQL a prepared statement that survives a migration changing its table', async () => {
    const db = store.db as unknown as Kysely<any>;
    await db.schema.createTable('hot_things').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('label', 'text', (c) => c.notNull()).execute();
    await db.insertInto('hot_things').values([{ id: 1, label: 'one' }, { id: 2, label: 'two' }]).execute();
    const query = (id: number) => db.selectFrom('hot_things').selectAll().where('id', '=', id).compile();
    const read = (id: number) => store.hotRead<Record<string, unknown>>('test_hot_things', query(id));
    expect(await read(1)).toEqual([{ id: 1, label: 'one' }]);
    expect(await read(2)).toEqual([{ id: 2, label: 'two' }]);
    if (kind === 'postgres') {
      // Prepared on the pool's connections; each reports it (two connections, so read until both have).
      await Promise.all([read(1), read(2), read(1), read(2)]);
      const names = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(db);
      expect(names.rows.map((row) => row.name)).toContain('test_hot_things_0');
    }
    // A migration adds a column: the prepared statement's result type changed.
    await db.schema.alterTable('hot_things').addColumn('weight', 'integer').execute();
    await db.updateTable('hot_things').set({ weight: 7 }).where('id', '=', 2).execute();
    for (let i = 0; i < 4; i++) expect(await read(2)).toEqual([{ id: 2, label: 'two', weight: 7 }]);
    await expect(store.hotRead('test_hot_things', db.selectFrom('hot_things').select('id').compile())).rejects.toThrow(/two different statements/);
  });
});

describe.each(STORES)('hot reads after writes (%s)', (kind) => {
  const current = freshStorePerTest(kind);

  it('see every write that resolved before they were asked (SQLite reads them on a thread of its own)', async () => {
    const store = current();
    await migrateToLatest(store);
    const { projectId } = await createProject(store, { name: 'Hot 0', plan: 'enterprise' });
    const read = () => store.hotRead<{ name: string }>('test_hot_project', store.db.selectFrom('projects').select('name').where('id', '=', projectId).compile());
    for (let n = 1; n <= 40; n++) {
      await store.db.updateTable('projects').set({ name: `Hot ${n}` }).where('id', '=', projectId).execute();
      expect(await read()).toEqual([{ name: `Hot ${n}` }]);
    }
    // One that fails to prepare does not spoil its name: the text is sent again with the next read.
    const broken = () => store.hotRead('test_hot_broken', sql`select name from no_such_table`.compile(store.db));
    await expect(broken()).rejects.toThrow(/no_such_table|no such table|does not exist/);
    await expect(broken()).rejects.toThrow(/no_such_table|no such table|does not exist/);
  });
});

describe('hot reads without prepared statements (PostgreSQL behind a transaction-mode pooler)', () => {
  it.runIf(STORES.includes('postgres'))('answers the same, and prepares nothing', async () => {
    const database = await createTestDatabase('postgres');
    const store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 1, preparedStatements: false });
    try {
      const db = store.db as unknown as Kysely<any>;
      await db.schema.createTable('hot_things').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('label', 'text', (c) => c.notNull()).execute();
      await db.insertInto('hot_things').values([{ id: 1, label: 'one' }]).execute();
      for (let i = 0; i < 3; i++) {
        expect(await store.hotRead('test_hot_things', db.selectFrom('hot_things').selectAll().where('id', '=', 1).compile())).toEqual([{ id: 1, label: 'one' }]);
      }
      // One pooled connection: what it has prepared is what this session sees.
      const names = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(db);
      expect(names.rows).toEqual([]);
    } finally {
      await store.close();
      await database.drop();
    }
  });

  it('is a setting with two values', () => {
    expect(loadConfig({ PORTICO_DATA_DIR: '/tmp/x' }).pgPreparedStatements).toBe(true);
    expect(loadConfig({ PORTICO_DATA_DIR: '/tmp/x', PORTICO_PG_PREPARED_STATEMENTS: 'off' }).pgPreparedStatements).toBe(false);
    expect(() => loadConfig({ PORTICO_DATA_DIR: '/tmp/x', PORTICO_PG_PREPARED_STATEMENTS: 'no' })).toThrow(/on.*off|off.*on/);
  });
});
