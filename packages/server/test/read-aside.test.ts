import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppStore } from '../src/domain/database.ts';
import { migrateToLatest } from '../src/domain/migrations/index.ts';
import { createProject } from '../src/domain/projects/index.ts';
import { STORES } from './harness.ts';
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
});
