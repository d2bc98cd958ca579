import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AppStore as Store } from '../../src/domain/database.ts';

/** Columns that record activity rather than state; reads may move them. */
const VOLATILE_COLUMNS = new Set(['last_active_at']);
/**
 * Tables that record how far background readers have got, not state: durable consumers (the
 * webhook fan-out) advance their cursors on their own after the events a test's set-up made.
 */
const VOLATILE_TABLES = new Set(['event_cursors']);

async function tableNames(store: Store): Promise<string[]> {
  const query = store.dialect === 'sqlite'
    ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`
    : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`;
  const { rows } = await query.execute(store.db);
  return rows.map((r) => r.name).filter((name) => !name.startsWith('portico_migrations') && !VOLATILE_TABLES.has(name)).sort();
}

export interface Fingerprint {
  hash: string;
  rows: Record<string, number>;
}

/**
 * A digest of every row of every table (found at run time, so new tables are covered), ignoring
 * activity timestamps. Equal fingerprints mean nothing was written.
 */
export async function fingerprint(store: Store): Promise<Fingerprint> {
  const tables = await tableNames(store);
  const hash = createHash('sha256');
  const rows: Record<string, number> = {};
  const contents = await Promise.all(tables.map((table) => sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(store.db)));
  tables.forEach((table, i) => {
    const lines = contents[i]!.rows.map((row) => JSON.stringify(Object.entries(row).filter(([column]) => !VOLATILE_COLUMNS.has(column)))).sort();
    rows[table] = lines.length;
    hash.update(`${table}\n${lines.join('\n')}\n`);
  });
  return { hash: hash.digest('hex'), rows };
}
