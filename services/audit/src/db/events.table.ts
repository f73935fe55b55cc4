import type { ColumnType, Insertable, Selectable } from 'kysely';

/** The service's own PostgreSQL schema. */
export const SCHEMA = 'audit';

/** Row type of audit.events: one persisted event with its place in the hash chain. */
export interface EventsTable {
  /** int8: pg returns it as a decimal string. */
  seq: ColumnType<string, string, never>;
  event_id: ColumnType<string, string, never>;
  type: ColumnType<string, string, never>;
  request_id: ColumnType<string, string, never>;
  connection: ColumnType<string, string, never>;
  source: ColumnType<string, string, never>;
  /** The event's session ("" when none, and on records written before the column existed). */
  session_id: ColumnType<string, string, never>;
  occurred_at: ColumnType<Date | null, Date | null, never>;
  recorded_at: ColumnType<Date, never, never>;
  stream_seq: ColumnType<string, string, never>;
  /** The exact protobuf bytes received. */
  payload: ColumnType<Buffer, Uint8Array, never>;
  /** jsonb: the protobuf JSON mapping of payload (null for an undecodable message); pg parses it. */
  event_json: ColumnType<unknown, string | null, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
}

export interface AuditDatabase {
  events: EventsTable;
}

export type EventRow = Selectable<EventsTable>;
export type NewEventRow = Insertable<EventsTable>;
