import { sql, type Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/domain/migrations/index.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { createProject } from '../src/domain/projects/index.ts';
import { migrateToLatest as migrate } from '../src/platform/db/migrator.ts';
import { STORES } from './harness.ts';
import { freshStorePerTest } from './support/fresh-store.ts';

describe.each(STORES)('migration 0061_user_search_text (%s)', (kind) => {
  const current = freshStorePerTest(kind);
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  it('indexes the users a store already has, after higher-numbered migrations', async () => {
    const before = await migrate(store, Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name !== '0061_user_search_text')));
    expect(before.applied).toContain('0070_staff');
    const { projectId } = await createProject(store, { name: 'Old', plan: 'enterprise' });
    const db = store.db as unknown as Kysely<any>;
    const at = '2025-01-01T10:00:00.000Z';
    for (const [id, name, email] of [['u1', 'ada lovelace', 'ada@engines.test'], ['u2', 'charles babbage', 'charles@engines.test']]) {
      await db.insertInto('connected_users').values({
        id, project_id: projectId, external_id: `Ext-${id}`, meta: '{}', disabled_at: null, created_at: at, updated_at: at, last_active_at: at,
        search_name: name, search_email: email,
      }).execute();
    }

    expect((await migrate(store, MIGRATIONS)).applied).toEqual(['0061_user_search_text']);
    if (kind === 'sqlite') {
      const found = await sql<{ id: string }>`select u.id from connected_users_text as f join connected_users as u on u.rowid = f.rowid where f.connected_users_text match ${'"lovelace"'}`.execute(db);
      expect(found.rows.map((row) => row.id)).toEqual(['u1']);
      const byId = await sql<{ id: string }>`select u.id from connected_users_text as f join connected_users as u on u.rowid = f.rowid where f.connected_users_text match ${'"ext-u2"'}`.execute(db);
      expect(byId.rows.map((row) => row.id)).toEqual(['u2']);
    } else {
      const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'connected_users' and indexname like '%_trgm' order by indexname`.execute(db);
      expect(indexes.rows.map((row) => row.indexname)).toEqual(['connected_users_external_id_trgm', 'connected_users_search_email_trgm', 'connected_users_search_name_trgm']);
    }
  });
});
