import type { ColumnType, Generated } from 'kysely';
import type { HoldStatus } from '../domain/index.js';

/** Row types of the `approvals` schema. Only repositories see them; everything else sees domain types. */
export interface ApprovalsDB {
  holds: HoldsTable;
  outbox: OutboxTable;
}

export interface HoldsTable {
  id: string;
  request_id: string;
  connection: string;
  requester_issuer: string;
  requester_subject: string;
  requester_client_id: string;
  requester_groups: string[];
  http_method: string | null;
  http_path: string | null;
  reasons: string[];
  approver_groups: string[];
  status: Generated<HoldStatus>;
  created_at: ColumnType<Date, never, never>;
  expires_at: ColumnType<Date, Date, never>;
  resolved_at: ColumnType<Date | null, never, Date>;
  resolved_by: ColumnType<string | null, never, string | null>;
  resolution_reason: ColumnType<string | null, never, string | null>;
}

/** Events committed with the state change that caused them, waiting for (or done with) the relay. */
export interface OutboxTable {
  /** bigint identity: pg returns it as a string. Publication order. */
  id: Generated<string>;
  event_id: string;
  hold_id: string;
  /** eventsV1.Event, protobuf-encoded. */
  payload: Buffer;
  created_at: ColumnType<Date, never, never>;
  published_at: ColumnType<Date | null, never, Date>;
}
