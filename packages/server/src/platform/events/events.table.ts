import type { ColumnType } from 'kysely';

/**
 * The outbox: one row per domain event, written in the transaction that made the change.
 * `sequence` comes back as a string from PostgreSQL (int8) and a number from SQLite.
 */
export interface EventTable {
  /**
   * Taken at insert: bigserial with CACHE 1 (values handed out in order, across sessions), SQLite
   * AUTOINCREMENT (never reused even after pruning). A rolled-back insert leaves a gap on PostgreSQL.
   */
  sequence: ColumnType<string | number, never, never>;
  id: string;
  project_id: string;
  user_id: string | null;
  type: string;
  actor_kind: string;
  actor_name: string;
  /** JSON object as text (jsonb on PostgreSQL). */
  data: string;
  created_at: string;
}

/** Where each durable consumer has read the outbox up to: the sequence of its last event. */
export interface EventCursorTable {
  consumer: string;
  last_sequence: ColumnType<string | number, number, number>;
  updated_at: string;
}

/** A type alias, not an interface: `withTables<EventTables>()` needs its implicit index signature. */
export type EventTables = {
  events: EventTable;
  event_cursors: EventCursorTable;
};
