import { afterEach, beforeEach } from 'vitest';
import { openAppStore, type AppStore } from '../../src/domain/database.ts';
import { createTestDatabase, type StoreKind, type TestDatabase } from '../harness.ts';

/**
 * A new empty database of `kind` for each test of the calling `describe`, opened as a store and
 * dropped after the test; no migration has run (a migration test picks which ones). Read the
 * store through the returned function inside a test.
 */
export function freshStorePerTest(kind: StoreKind): () => AppStore {
  let database: TestDatabase | undefined;
  let store: AppStore | undefined;
  beforeEach(async () => {
    database = await createTestDatabase(kind);
    store = openAppStore({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, poolSize: 2 });
  });
  afterEach(async () => {
    await store?.close();
    await database?.drop();
    store = undefined;
    database = undefined;
  });
  return () => {
    if (!store) throw new Error('freshStorePerTest: the store exists only inside a test');
    return store;
  };
}
