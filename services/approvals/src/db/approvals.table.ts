import type { ColumnType, Generated } from 'kysely';
import type { Protocol } from '@portcullis/request-model';
import type { HoldStatus } from '../domain/index.js';

/** Row types of the `approvals` schema. Only repositories see them; everything else sees domain types. */
export interface ApprovalsDB {
  holds: HoldsTable;
  hold_approvals: HoldApprovalsTable;
  grants: GrantsTable;
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
  /** Distinct approvers needed; 1 for holds created before quorums. Never updated. */
  min_approvals: ColumnType<number, number | undefined, never>;
  /** bigint (pg returns it as a string): the grant a release issues; null for none. Never updated. */
  grant_ms: ColumnType<string | null, number | null | undefined, never>;
  /** The grant that released the hold as it was created; set on insert only. */
  granted_by_grant: ColumnType<string | null, string | null | undefined, never>;
  status: ColumnType<HoldStatus, HoldStatus | undefined, HoldStatus>;
  created_at: ColumnType<Date, never, never>;
  expires_at: ColumnType<Date, Date, never>;
  /** Set on insert only for a hold a grant released. */
  resolved_at: ColumnType<Date | null, Date | undefined, Date>;
  resolved_by: ColumnType<string | null, never, string | null>;
  resolution_reason: ColumnType<string | null, never, string | null>;
  /** What the gateway did with the released request; null until it reported. */
  release_forwarded: ColumnType<boolean | null, never, boolean>;
  release_code: ColumnType<string | null, never, string | null>;
  release_message: ColumnType<string | null, never, string | null>;
  release_reported_at: ColumnType<Date | null, never, Date>;
}

/** One approver's approval of a hold; the key (hold, issuer, subject) makes approvers distinct. */
export interface HoldApprovalsTable {
  hold_id: string;
  /** '' for approvals recorded before issuers were (backfilled from holds.resolved_by). */
  approver_issuer: string;
  approver_subject: string;
  approved_at: ColumnType<Date, never, never>;
}

/** What a release issued: the requester may repeat the request until expires_at. */
export interface GrantsTable {
  id: string;
  /** The hold whose release issued it (one grant per hold at most). */
  hold_id: string;
  connection: string;
  requester_issuer: string;
  requester_subject: string;
  target_digest: string;
  approver_groups: string[];
  reasons: string[];
  issued_at: ColumnType<Date, never, never>;
  expires_at: ColumnType<Date, Date, never>;
  revoked_at: ColumnType<Date | null, never, Date>;
  revoked_by: ColumnType<string | null, never, string>;
  revocation_reason: ColumnType<string | null, never, string>;
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
