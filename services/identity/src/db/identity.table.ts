import type { ColumnType, Generated } from 'kysely';
import type { RevocationKind } from '@portcullis/identity-client';

/** Row types of the `identity` schema. Only repositories see them. */
export interface IdentityDB {
  revocations: RevocationsTable;
  consumed_assertions: ConsumedAssertionsTable;
  outbox: OutboxTable;
}

export interface RevocationsTable {
  kind: RevocationKind;
  value: string;
  /** '' matches every issuer. */
  issuer: string;
  reason: string;
  revoked_by: string;
  revoked_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date | null;
}

export interface ConsumedAssertionsTable {
  issuer: string;
  assertion_id: string;
  expires_at: Date;
}

export interface OutboxTable {
  id: Generated<string>;
  event_id: string;
  payload: Uint8Array;
  created_at: ColumnType<Date, never, never>;
  published_at: ColumnType<Date | null, never, Date>;
}
