import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrateToLatest } from '../src/domain/migrations/index.ts';
import { openAppStore } from '../src/domain/database.ts';
import { migrateToLatest as migrateList } from '../src/platform/db/migrator.ts';
import { STORES, createTestDatabase, type TestDatabase } from './harness.ts';

describe.each(STORES)('migration 0004_key_lifecycle (%s)', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
  });

  it('ends revoked keys where they were revoked, keeps current ones open, and makes every API key admin', async () => {
    database = await createTestDatabase(kind);
    const store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    try {
      await migrateList(store, { '0001_initial': MIGRATIONS['0001_initial']! });
      const at = '2026-01-01T00:00:00.000Z';
      const revoked = '2026-02-01T00:00:00.000Z';
      // The tables as 0001 made them, before the columns this migration adds.
      const db = store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
      await db.insertInto('projects').values({ id: 'p', name: 'p', plan: 'basic', created_at: at, updated_at: at }).execute();
      await db.insertInto('signing_keys').values([
        { id: 'old', project_id: 'p', public_key_pem: 'pem', created_at: at, revoked_at: revoked },
        { id: 'current', project_id: 'p', public_key_pem: 'pem', created_at: revoked, revoked_at: null },
      ]).execute();
      await db.insertInto('api_keys').values([
        { id: 'k-old', project_id: 'p', name: 'default', key_hash: 'h1', key_prefix: 'prt_', created_at: at, revoked_at: revoked },
        { id: 'k-current', project_id: 'p', name: 'default', key_hash: 'h2', key_prefix: 'prt_', created_at: at, revoked_at: null },
      ]).execute();

      expect((await migrateToLatest(store)).applied).toContain('0004_key_lifecycle');

      const signing = await store.db.selectFrom('signing_keys').select(['id', 'revoked_at', 'expires_at', 'created_by_api_key_id']).orderBy('id').execute();
      expect(signing).toEqual([
        { id: 'current', revoked_at: null, expires_at: null, created_by_api_key_id: null },
        { id: 'old', revoked_at: revoked, expires_at: revoked, created_by_api_key_id: null },
      ]);
      const api = await store.db.selectFrom('api_keys').select(['id', 'scopes', 'revoked_at', 'expires_at']).orderBy('id').execute();
      expect(api).toEqual([
        { id: 'k-current', scopes: 'admin', revoked_at: null, expires_at: null },
        { id: 'k-old', scopes: 'admin', revoked_at: revoked, expires_at: revoked },
      ]);
    } finally {
      await store.close();
    }
  });
});
