import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../src/domain/migrations/index.ts';
import type { AppStore as Store } from '../src/domain/database.ts';
import { createProject } from '../src/domain/projects/index.ts';
import { migrateToLatest as migrate } from '../src/platform/db/migrator.ts';
import { startPortico, type Portico } from './harness.ts';
import { freshStorePerTest } from './support/fresh-store.ts';
import { setStoredLastActive, storedLastActive } from './support/user-rows.ts';

/** PostgreSQL keeps each user's activity time in `user_activity`, apart from the user row (migration 0063, decision 54). */
describe('migration 0063_user_activity (postgres)', () => {
  const current = freshStorePerTest('postgres');
  let store: Store;
  beforeEach(() => {
    store = current();
  });

  it('moves every user\'s time into its own table, drops the column and its index, and keeps the table in step', async () => {
    await migrate(store, Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name !== '0063_user_activity')));
    const { projectId } = await createProject(store, { name: 'Old', plan: 'enterprise' });
    const db = store.db as unknown as Kysely<any>;
    const created = '2025-01-01T10:00:00.000Z';
    for (const [id, active] of [['u1', '2025-03-01T10:00:00.000Z'], ['u2', '2025-04-01T10:00:00.000Z']]) {
      await db.insertInto('connected_users').values({
        id, project_id: projectId, external_id: `ext-${id}`, meta: '{}', disabled_at: null, created_at: created, updated_at: created, last_active_at: active,
      }).execute();
    }

    expect((await migrate(store, MIGRATIONS)).applied).toEqual(['0063_user_activity']);
    const times = async () => (await sql<{ user_id: string; at: string }>`select user_id, to_char(last_active_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from user_activity order by user_id`.execute(db)).rows;
    expect(await times()).toEqual([{ user_id: 'u1', at: '2025-03-01T10:00:00.000Z' }, { user_id: 'u2', at: '2025-04-01T10:00:00.000Z' }]);
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'connected_users' and column_name = 'last_active_at'`.execute(db);
    expect(columns.rows).toEqual([]);
    const indexes = await sql<{ indexname: string }>`select indexname from pg_indexes where indexname in ('connected_users_active', 'user_activity_recent') order by indexname`.execute(db);
    expect(indexes.rows).toEqual([{ indexname: 'user_activity_recent' }]);

    // A new user is active when created; a deleted user's time goes with them.
    await db.insertInto('connected_users').values({ id: 'u3', project_id: projectId, external_id: 'ext-u3', meta: '{}', disabled_at: null, created_at: created, updated_at: created }).execute();
    await db.deleteFrom('connected_users').where('id', '=', 'u1').execute();
    expect(await times()).toEqual([{ user_id: 'u2', at: '2025-04-01T10:00:00.000Z' }, { user_id: 'u3', at: created }]);
  });
});

describe('activity on PostgreSQL leaves the user row alone', () => {
  let portico: Portico;
  beforeAll(async () => {
    portico = await startPortico('postgres');
  });
  afterAll(() => portico?.close());

  it('records a returning user\'s activity without a new version of their row, and search sees it', async () => {
    expect((await portico.connect('returner', 'GET', '/sdk/me')).statusCode).toBe(200);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await setStoredLastActive(portico.store.db, portico.project.projectId, 'returner', twoDaysAgo);
    portico.ctx.sdkMeCache.clear();
    // xmin: the transaction that wrote this version of the row; an update of any column changes it.
    const rowVersion = async () => (await sql<{ version: string }>`select xmin::text as version from connected_users where project_id = ${portico.project.projectId} and external_id = 'returner'`.execute(portico.store.db)).rows[0]!.version;
    const before = await rowVersion();
    const asked = Date.now();
    expect((await portico.connect('returner', 'GET', '/sdk/me')).statusCode).toBe(200);
    await expect.poll(() => storedLastActive(portico.store.db, portico.project.projectId, 'returner'), { timeout: 5000, interval: 25 }).toBeGreaterThanOrEqual(asked - 1000);
    expect(await rowVersion()).toBe(before);
    const found = await portico.admin('GET', `/users?activeAfter=${encodeURIComponent(new Date(asked - 60_000).toISOString())}&sort=lastActive`);
    expect(found.statusCode, found.body).toBe(200);
    expect(found.json().data.map((user: { userId: string }) => user.userId)).toContain('returner');
    expect(Date.parse(found.json().data.find((user: { userId: string }) => user.userId === 'returner').dateLastActive)).toBeGreaterThanOrEqual(asked - 1000);
  });
});
