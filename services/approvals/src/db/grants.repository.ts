import { sql, type Selectable } from 'kysely';
import { targetDigest } from '@portcullis/request-model';
import type { Approval, Grant, Hold } from '../domain/index.js';
import type { GrantsTable } from './approvals.table.js';
import { approvalsOf } from './hold-approvals.repository.js';
import type { Executor } from './holds.repository.js';
import { targetFromColumns } from './target.column.js';

// Time is the database's, as for holds: a grant is issued, compared and revoked with now().
const dbNow = sql<Date>`now()`;

/** A grant row with what it is read with from its issuing hold: the request id and the target. */
export type GrantRow = Selectable<GrantsTable> & { hold_request_id: string; hold_target: unknown; hold_target_digest: string; hold_requester_client_id: string };

/** Grants with their issuing hold's request id and target (the target is stored once, on the hold). */
function selectGrants(db: Executor) {
  return db
    .selectFrom('grants as g')
    .innerJoin('holds as h', 'h.id', 'g.hold_id')
    .selectAll('g')
    .select(['h.request_id as hold_request_id', 'h.target as hold_target', 'h.target_digest as hold_target_digest', 'h.requester_client_id as hold_requester_client_id']);
}

/**
 * Issues the grant of a hold just released by its approvers, in the transaction that released it:
 * `expires_at` is the release time (now(), the hold's resolved_at) plus the hold's grant.
 */
export async function insertGrant(db: Executor, id: string, released: Hold): Promise<void> {
  if (released.grantMs === undefined) throw new Error(`hold ${released.id} issues no grant`);
  await db
    .insertInto('grants')
    .values({
      id,
      hold_id: released.id,
      connection: released.connection,
      requester_issuer: released.requester.issuer,
      requester_subject: released.requester.subject,
      target_digest: targetDigest(released.target),
      approver_groups: [...released.approverGroups],
      reasons: [...released.reasons],
      expires_at: sql<Date>`now() + ${released.grantMs}::double precision * interval '1 millisecond'`,
    })
    .execute();
}

export interface GrantKey {
  readonly connection: string;
  readonly requester: { readonly issuer: string; readonly subject: string };
  readonly targetDigest: string;
}

/**
 * Live grants for one requester, connection and target digest, latest expiry first, with the
 * database's now(); undefined when there is none. They are locked FOR SHARE until the caller's transaction ends, so a concurrent
 * revocation either happens before (and the grant is not returned) or waits until the hold that
 * used it is committed.
 */
export async function liveGrantsFor(db: Executor, key: GrantKey): Promise<{ grants: Grant[]; now: Date } | undefined> {
  const rows = await selectGrants(db)
    .select(dbNow.as('db_now'))
    .where('g.requester_subject', '=', key.requester.subject)
    .where('g.requester_issuer', '=', key.requester.issuer)
    .where('g.connection', '=', key.connection)
    .where('g.target_digest', '=', key.targetDigest)
    .where('g.revoked_at', 'is', null)
    .where('g.expires_at', '>', dbNow)
    .orderBy('g.expires_at', 'desc')
    .forShare('g')
    .execute();
  const [first] = rows;
  return first && { grants: await withApprovals(db, rows), now: first.db_now };
}

/** One grant, locked FOR UPDATE (a revocation), with the database's now(). */
export async function lockGrantById(db: Executor, id: string): Promise<{ grant: Grant; now: Date } | undefined> {
  const row = await selectGrants(db).select(dbNow.as('db_now')).where('g.id', '=', id).forUpdate('g').executeTakeFirst();
  if (!row) return undefined;
  const [grant] = await withApprovals(db, [row]);
  return { grant: grant!, now: row.db_now };
}

/** Grants any of `groups` issued, latest first; live ones only unless `includeInactive`. */
export async function listGrantsForGroups(db: Executor, groups: readonly string[], includeInactive: boolean, limit: number): Promise<Grant[]> {
  if (groups.length === 0) return [];
  let query = selectGrants(db).where('g.approver_groups', '&&', sql<string[]>`${[...groups]}::text[]`);
  if (!includeInactive) query = query.where('g.revoked_at', 'is', null).where('g.expires_at', '>', dbNow);
  const rows = await query.orderBy('g.issued_at', 'desc').orderBy('g.id').limit(limit).execute();
  return withApprovals(db, rows);
}

/** Revokes a live grant with one conditional UPDATE; false if it was no longer live. */
export async function revokeGrant(db: Executor, id: string, revokedBy: string, reason: string): Promise<boolean> {
  const result = await db
    .updateTable('grants')
    .set({ revoked_at: dbNow, revoked_by: revokedBy, revocation_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', dbNow)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** The grants issued by any of `issuingHoldIds` or with any of `ids`, as rows (see grantFromRow). */
export async function grantRowsFor(db: Executor, issuingHoldIds: readonly string[], ids: readonly string[]): Promise<GrantRow[]> {
  if (issuingHoldIds.length === 0 && ids.length === 0) return [];
  return selectGrants(db)
    .where((eb) => eb.or([...(issuingHoldIds.length > 0 ? [eb('g.hold_id', 'in', [...issuingHoldIds])] : []), ...(ids.length > 0 ? [eb('g.id', 'in', [...ids])] : [])]))
    .execute();
}

async function withApprovals(db: Executor, rows: readonly GrantRow[]): Promise<Grant[]> {
  const approvals = await approvalsOf(db, rows.map((row) => row.hold_id));
  return rows.map((row) => grantFromRow(row, approvals.get(row.hold_id) ?? []));
}

/**
 * Row -> domain. The grant's digest must be its issuing hold's, and that hold's target must still
 * have it: a grant that cannot say what it covers is an error, never a grant that covers something.
 */
export function grantFromRow(row: GrantRow, approvals: readonly Approval[]): Grant {
  if (row.target_digest !== row.hold_target_digest) throw new Error(`grant ${row.id}: digest differs from its hold's target`);
  return {
    id: row.id,
    holdId: row.hold_id,
    requestId: row.hold_request_id,
    connection: row.connection,
    requester: { issuer: row.requester_issuer, subject: row.requester_subject, clientId: row.hold_requester_client_id },
    targetDigest: row.target_digest,
    target: targetFromColumns(`grant ${row.id}`, row.hold_target, row.hold_target_digest),
    approverGroups: row.approver_groups,
    reasons: row.reasons,
    approvals,
    issuedAt: row.issued_at,
    expiresAt: row.expires_at,
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
    ...(row.revoked_by !== null ? { revokedBy: row.revoked_by } : {}),
    ...(row.revocation_reason !== null ? { revocationReason: row.revocation_reason } : {}),
  };
}
