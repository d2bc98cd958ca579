import type { ColumnType } from 'kysely';

/**
 * The outbox: one row per domain event, written in the transaction that made the change.
 * `sequence` and `xid` come back as strings from PostgreSQL (int8, xid8) and numbers from SQLite.
 */
export interface EventTable {
  /** Monotonic (bigserial / SQLite AUTOINCREMENT, never reused even after pruning). */
  sequence: ColumnType<string | number, never, never>;
  /**
   * PostgreSQL: the emitting transaction's id (`pg_current_xact_id()`, a column default), which
   * lets a reader tell finished transactions from running ones. SQLite: always 0.
   */
  xid: ColumnType<string | number, never, never>;
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

/** Where each durable consumer has read the outbox up to: the (xid, sequence) of its last event. */
export interface EventCursorTable {
  consumer: string;
  last_xid: ColumnType<string | number, never, string | number>;
  last_sequence: ColumnType<string | number, number, number>;
  updated_at: string;
}

/** A type alias, not an interface: `withTables<EventTables>()` needs its implicit index signature. */
export type EventTables = {
  events: EventTable;
  event_cursors: EventCursorTable;
};
