import { sql, type Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/domain/migrations/index.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { createProject } from '../src/domain/projects/index.ts';
import { migrateToLatest as migrate } from '../src/platform/db/migrator.ts';
import { STORES } from './harness.ts';
import { freshStorePerTest } from './support/fresh-store.ts';
import { insertUserRows } from './support/user-rows.ts';

describe.each(STORES)('migrations 0061_user_search_text and 0062_user_search_text_table (%s)', (kind) => {
  const current = freshStorePerTest(kind);
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  it('indexes the users a store already has, after higher-numbered migrations', async () => {
    const before = await migrate(store, Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => !name.startsWith('0061_') && !name.startsWith('0062_'))));
    expect(before.applied).toContain('0070_staff');
    const { projectId } = await createProject(store, { name: 'Old', plan: 'enterprise' });
    const db = store.db as unknown as Kysely<any>;
    const at = '2025-01-01T10:00:00.000Z';
    for (const [id, name, email] of [['u1', 'ada lovelace', 'ada@engines.test'], ['u2', 'charles babbage', 'charles@engines.test']]) {
      await insertUserRows(db, [{
        id: id!, project_id: projectId, external_id: `Ext-${id}`, meta: '{}', disabled_at: null, created_at: at, updated_at: at, last_active_at: at,
        search_name: name, search_email: email,
      }]);
    }

    expect((await migrate(store, MIGRATIONS)).applied).toEqual(['0061_user_search_text', '0062_user_search_text_table']);
    if (kind === 'sqlite') {
      const found = await sql<{ id: string }>`select u.id from connected_users_text as f join connected_users as u on u.rowid = f.rowid where f.connected_users_text match ${'"lovelace"'}`.execute(db);
      expect(found.rows.map((row) => row.id)).toEqual(['u1']);
      const byId = await sql<{ id: string }>`select u.id from connected_users_text as f join connected_users as u on u.rowid = f.rowid where f.connected_users_text match ${'"ext-u2"'}`.execute(db);
      expect(byId.rows.map((row) => row.id)).toEqual(['u2']);
    } else {
      // 0062 moved the text and its trigram indexes off the user row (decision 45).
      const indexes = await sql<{ tablename: string; indexname: string }>`select tablename, indexname from pg_indexes where indexname like '%_trgm' order by indexname`.execute(db);
      expect(indexes.rows).toEqual(['external_id', 'search_email', 'search_name'].map((column) => ({ tablename: 'user_search_text', indexname: `user_search_text_${column}_trgm` })));
      const text = () => sql<{ user_id: string; search_name: string | null; external_id: string }>`select user_id, search_name, external_id from user_search_text order by user_id`.execute(db);
      expect((await text()).rows).toEqual([
        { user_id: 'u1', search_name: 'ada lovelace', external_id: 'Ext-u1' },
        { user_id: 'u2', search_name: 'charles babbage', external_id: 'Ext-u2' },
      ]);
      // Kept in step: a rename, a new user, a change of another column (no text change) and a deletion.
      await db.updateTable('connected_users').set({ search_name: 'ada king' }).where('id', '=', 'u1').execute();
      await db.updateTable('connected_users').set({ updated_at: '2025-02-01T10:00:00.000Z' }).where('id', '=', 'u2').execute();
      await insertUserRows(db, [{
        id: 'u3', project_id: projectId, external_id: 'Ext-u3', meta: '{}', disabled_at: null, created_at: at, updated_at: at, last_active_at: at,
        search_name: 'grace hopper', search_email: null,
      }]);
      await db.deleteFrom('connected_users').where('id', '=', 'u2').execute();
      expect((await text()).rows).toEqual([
        { user_id: 'u1', search_name: 'ada king', external_id: 'Ext-u1' },
        { user_id: 'u3', search_name: 'grace hopper', external_id: 'Ext-u3' },
      ]);
    }
  });
});
