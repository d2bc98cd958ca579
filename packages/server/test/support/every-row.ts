import { sql } from 'kysely';
import type { Portico } from '../harness.ts';

export interface StoredRow {
  table: string;
  row: Record<string, unknown>;
  /** The row as JSON text, to look for values in. */
  text: string;
}

/** Every row of every table of the database, whatever room owns it, read with plain SQL. */
export async function everyRow(portico: Portico): Promise<StoredRow[]> {
  const db = portico.store.db;
  const tables = portico.kind === 'postgres'
    ? (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db)).rows
    : (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)).rows;
  const rows: StoredRow[] = [];
  for (const { name } of tables) {
    const result = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    for (const row of result.rows) rows.push({ table: name, row, text: JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)) });
  }
  return rows;
}
