import type { ColumnType, Generated } from 'kysely';
import type { Protocol } from '@portcullis/request-model';
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
  /** The domain Target as JSON (see holds.repository.ts), read as unknown until validated. Never updated. */
  target: ColumnType<unknown, string, never>;
  /** targetDigest(target), written with it and checked against it on every read. */
  target_digest: ColumnType<string, string, never>;
  /** Derived by the database from target->>'kind' (a generated column). */
  target_kind: ColumnType<Protocol, never, never>;
  /** '' for holds created before sessions were recorded. */
  session_id: ColumnType<string, string, never>;
  reasons: string[];
  /** The decision's message; '' for holds created before messages were recorded. Never updated. */
  message: ColumnType<string, string, never>;
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
