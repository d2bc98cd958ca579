import type { Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/domain/migrations/index.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { createProject } from '../src/domain/projects/index.ts';
import { migrateToLatest as migrate } from '../src/platform/db/migrator.ts';
import { STORES } from './harness.ts';
import { freshStorePerTest } from './support/fresh-store.ts';
import { insertUserRows } from './support/user-rows.ts';

describe.each(STORES)('migration 0060_user_meta_sorted (%s)', (kind) => {
  const current = freshStorePerTest(kind);
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  it('runs after a higher-numbered migration already applied, and gives every indexed metadata value its user\'s creation time', async () => {
    // A store that has every migration but this one, 0070_staff included.
    const before = await migrate(store, Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name !== '0060_user_meta_sorted')));
    expect(before.applied).toContain('0070_staff');
    const { projectId } = await createProject(store, { name: 'Old', plan: 'enterprise' });
    const db = store.db as unknown as Kysely<any>;
    const users = [['u1', '2025-01-01T10:00:00.000Z'], ['u2', '2025-06-01T10:00:00.000Z']] as const;
    for (const [id, created] of users) {
      await insertUserRows(db, [{
        id, project_id: projectId, external_id: `ext-${id}`, meta: JSON.stringify({ plan: 'pro', seats: 5 }),
        disabled_at: null, created_at: created, updated_at: created, last_active_at: created, search_name: null, search_email: null,
      }]);
      for (const [key, value] of [['plan', 'pro'], ['seats', '5']]) {
        await db.insertInto('user_meta_values').values({ user_id: id, project_id: projectId, key, value }).execute();
      }
    }

    expect((await migrate(store, MIGRATIONS)).applied).toEqual(['0060_user_meta_sorted']);
    const rows = await db.selectFrom('user_meta_values').select(['user_id', 'key', 'created_at']).orderBy('user_id').orderBy('key').execute();
    expect(rows.map((row) => [row.user_id, row.key, new Date(row.created_at).toISOString()])).toEqual([
      ['u1', 'plan', users[0][1]], ['u1', 'seats', users[0][1]], ['u2', 'plan', users[1][1]], ['u2', 'seats', users[1][1]],
    ]);
  });
});
