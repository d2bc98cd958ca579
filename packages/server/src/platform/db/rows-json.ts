import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from './store.ts';

/**
 * Pieces for reads that bring several tables' rows back in one statement as JSON (an aggregate of
 * one JSON object per row), each row the way the driver would have given it alone: on PostgreSQL
 * a timestamptz as the ISO text `pgTimestampToIso` makes (UTC, milliseconds, `Z`) and jsonb as its
 * text; on SQLite, where both are text already, the columns as they are.
 */

/** A timestamp column as `2026-12-04T16:28:55.538Z` (null stays null). */
export function isoTextOf(dialect: DialectName, column: string): RawBuilder<string> {
  return dialect === 'postgres'
    ? sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : sql<string>`${sql.ref(column)}`;
}

/** A JSON column as the text the driver hands over for it. */
export function jsonTextOf(dialect: DialectName, column: string): RawBuilder<string> {
  return dialect === 'postgres' ? sql<string>`${sql.ref(column)}::text` : sql<string>`${sql.ref(column)}`;
}

/**
 * `(select <JSON array of one object per row> from TABLE ALIAS where ALIAS.COLUMN = OUTER [order by ...])`:
 * the rows of a table that belong to the outer row, as one JSON array text (`[]` when none).
 * `fields` maps each output name to its expression (plain columns by name).
 */
export function rowsAsJson(dialect: DialectName, options: {
  table: string;
  alias: string;
  fields: Readonly<Record<string, string | RawBuilder<unknown>>>;
  where: { column: string; equalsRef: string };
  orderBy?: readonly string[];
}): RawBuilder<string> {
  const pairs = Object.entries(options.fields).map(([name, value]) => sql`${sql.lit(name)}, ${typeof value === 'string' ? sql.ref(`${options.alias}.${value}`) : value}`);
  const order = options.orderBy && options.orderBy.length > 0 ? sql` order by ${sql.join(options.orderBy.map((column) => sql.ref(`${options.alias}.${column}`)))}` : sql``;
  const from = sql`from ${sql.table(options.table)} as ${sql.ref(options.alias)} where ${sql.ref(`${options.alias}.${options.where.column}`)} = ${sql.ref(options.where.equalsRef)}`;
  return dialect === 'postgres'
    ? sql<string>`(select coalesce(json_agg(json_build_object(${sql.join(pairs)})${order}), '[]') ${from})`
    // SQLite 3.44+ orders inside the aggregate; an empty group gives '[]'.
    : sql<string>`(select json_group_array(json_object(${sql.join(pairs)})${order}) ${from})`;
}
