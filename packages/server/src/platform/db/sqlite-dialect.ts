import {
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Kysely,
} from 'kysely';
import type { GroupCommitSqliteDriver } from './sqlite-driver.ts';

/** Kysely's SQLite dialect on top of `GroupCommitSqliteDriver`. */
export function sqliteDialect(driver: GroupCommitSqliteDriver): Dialect {
  return {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}

/**
 * SQLite's dialect for a query builder whose every statement is a read run by `read` (the store's
 * reads aside, on their worker thread): no transactions, no streaming.
 */
export function asideDialect(read: (query: CompiledQuery) => Promise<unknown[]>): Dialect {
  const connection: DatabaseConnection = {
    executeQuery: async <R>(compiled: CompiledQuery) => ({ rows: (await read(compiled)) as R[] }),
    streamQuery: async function* () {
      throw new Error('Reads aside are not streamed');
    },
  };
  return {
    createDriver: () => ({
      init: async () => undefined,
      acquireConnection: async () => connection,
      beginTransaction: async () => {
        throw new Error('Reads aside run outside transactions');
      },
      commitTransaction: async () => undefined,
      rollbackTransaction: async () => undefined,
      releaseConnection: async () => undefined,
      destroy: async () => undefined,
    }),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
  };
}

