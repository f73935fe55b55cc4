import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { targetDigest } from '@portcullis/request-model';
import type { Approval, Grant, Hold, HoldListQuery, NewHold } from '../domain/index.js';
import type { ApprovalsDB, HoldsTable } from './approvals.table.js';
import { grantFromRow, grantRowsFor } from './grants.repository.js';
import { approvalsOf } from './hold-approvals.repository.js';
import { targetFromColumns, targetToColumn } from './target.column.js';

/** The caller owns the transaction: pass the Kysely for a single statement, a Transaction to group. */
export type Executor = Kysely<ApprovalsDB> | Transaction<ApprovalsDB>;

type HoldRow = Selectable<HoldsTable>;

// Time is the database's: expiry is set and compared with now(), so instances with skewed clocks
// agree. Inside a transaction now() is its start time, the same for every statement in it.
const dbNow = sql<Date>`now()`;

/**
 * Inserts the hold unless one exists for its request id; returns it only if this call created it.
 * With `grantedBy` the hold is inserted already approved by that grant (resolved now, by nobody).
 */
export async function insertHoldIfAbsent(db: Executor, id: string, hold: NewHold, grantedBy?: Grant): Promise<Hold | undefined> {
  const row = await db
    .insertInto('holds')
    .values({
      id,
      request_id: hold.requestId,
      connection: hold.connection,
      requester_issuer: hold.requester.issuer,
      requester_subject: hold.requester.subject,
      requester_client_id: hold.requester.clientId,
      requester_groups: [...hold.requester.groups],
      target: targetToColumn(hold.target),
      target_digest: targetDigest(hold.target),
      session_id: hold.sessionId,
      reasons: [...hold.reasons],
      message: hold.message,
      approver_groups: [...hold.approverGroups],
      min_approvals: hold.minApprovals,
      grant_ms: hold.grantMs ?? null,
      expires_at: sql<Date>`now() + ${hold.timeoutMs}::double precision * interval '1 millisecond'`,
      ...(grantedBy ? { status: 'approved' as const, resolved_at: dbNow, granted_by_grant: grantedBy.id } : {}),
    })
    .onConflict((oc) => oc.column('request_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && (await hydrate(db, [row]))[0];
}

export async function findHoldByRequestId(db: Executor, requestId: string): Promise<Hold | undefined> {
  const row = await db.selectFrom('holds').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  return row && (await hydrate(db, [row]))[0];
}

/** The hold and the database's now(), so rules judge expiry by the same clock as the UPDATE. */
export async function findHoldById(db: Executor, id: string): Promise<{ hold: Hold; now: Date } | undefined> {
  const row = await db.selectFrom('holds').selectAll().select(dbNow.as('db_now')).where('id', '=', id).executeTakeFirst();
  return row && { hold: (await hydrate(db, [row]))[0]!, now: row.db_now };
}

/**
 * The hold locked FOR UPDATE until the caller's transaction ends, and the database's now(). Every
 * approval and denial of a hold takes this lock first, so approvers of one hold (on any instance)
 * are counted one after the other: each sees the approvals committed before it.
 */
export async function lockHoldById(db: Executor, id: string): Promise<{ hold: Hold; now: Date } | undefined> {
  const row = await db.selectFrom('holds').selectAll().select(dbNow.as('db_now')).where('id', '=', id).forUpdate().executeTakeFirst();
  return row && { hold: (await hydrate(db, [row]))[0]!, now: row.db_now };
}

/**
 * One page of the holds any of `groups` may approve, newest first (created_at, then id, both
 * descending), with how many match on every page. Pages continue after the hold the query names,
 * by its stored position, so holds created meanwhile never shift a page.
 */
export async function listHoldsPage(db: Executor, groups: readonly string[], query: HoldListQuery): Promise<{ holds: Hold[]; more: boolean; total: number }> {
  if (groups.length === 0) return { holds: [], more: false, total: 0 };
  let matching = db.selectFrom('holds').where('approver_groups', '&&', sql<string[]>`${[...groups]}::text[]`);
  if (!query.includeResolved) matching = matching.where('status', '=', 'pending');
  if (query.connection !== undefined) matching = matching.where('connection', '=', query.connection);
  if (query.requester !== undefined) {
    const requester = query.requester;
    matching = matching.where((eb) => eb.or([eb('requester_subject', '=', requester), eb('requester_client_id', '=', requester)]));
  }
  let page = matching.selectAll();
  if (query.after !== undefined) {
    const after = query.after;
    page = page.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.selectFrom('holds as cursor').select(['cursor.created_at', 'cursor.id']).where('cursor.id', '=', after).$asTuple('created_at', 'id')));
  }
  const [rows, counted] = await Promise.all([
    page.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.pageSize + 1).execute(),
    matching.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  const more = rows.length > query.pageSize;
  return { holds: await hydrate(db, more ? rows.slice(0, query.pageSize) : rows), more, total: Number(counted.total) };
}

/**
 * Withdraws a pending hold (the gateway's caller is gone): one conditional UPDATE, so of a
 * cancellation racing an approval or the sweeper exactly one wins; undefined for the losers.
 */
export async function cancelHold(db: Executor, id: string, reason: string): Promise<Hold | undefined> {
  const row = await db
    .updateTable('holds')
    .set({ status: 'cancelled', resolved_at: dbNow, resolution_reason: reason })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
  return row && (await hydrate(db, [row]))[0];
}

export interface ResolveHold {
  readonly status: 'approved' | 'denied';
  readonly resolvedBy: string;
  readonly reason?: string;
  /** Approvals must land before expiry; a denial of an overdue hold has the same outcome as expiry. */
  readonly requireUnexpired: boolean;
}

/**
 * Resolves a pending hold with one conditional UPDATE. Of several racing callers (approvers,
 * instances, the sweeper) exactly one gets the row back; the others get undefined.
 */
export async function resolveHold(db: Executor, id: string, resolution: ResolveHold): Promise<Hold | undefined> {
  let query = db
    .updateTable('holds')
    .set({ status: resolution.status, resolved_at: dbNow, resolved_by: resolution.resolvedBy, resolution_reason: resolution.reason ?? null })
    .where('id', '=', id)
    .where('status', '=', 'pending');
  if (resolution.requireUnexpired) query = query.where('expires_at', '>', dbNow);
  const row = await query.returningAll().executeTakeFirst();
  return row && (await hydrate(db, [row]))[0];
}

/**
 * Records what the gateway did with a released hold, once: only an approved hold without a report
 * is updated; undefined otherwise (not found, not released, already reported).
 */
export async function recordRelease(db: Executor, id: string, release: { forwarded: boolean; code?: string; message?: string }): Promise<Hold | undefined> {
  const row = await db
    .updateTable('holds')
    .set({ release_forwarded: release.forwarded, release_code: release.code ?? null, release_message: release.message ?? null, release_reported_at: dbNow })
    .where('id', '=', id)
    .where('status', '=', 'approved')
    .where('release_reported_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row && (await hydrate(db, [row]))[0];
}

/**
 * Marks up to `limit` overdue pending holds expired. Rows another transaction holds (an approver
 * resolving it, another instance sweeping) are skipped, not waited for.
 */
export async function expireDueHolds(db: Executor, limit: number): Promise<Hold[]> {
  const due = db
    .selectFrom('holds')
    .select('id')
    .where('status', '=', 'pending')
    .where('expires_at', '<=', dbNow)
    .orderBy('expires_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
  const rows = await db
    .updateTable('holds')
    .set({ status: 'expired', resolved_at: dbNow })
    .where('id', 'in', due)
    .where('status', '=', 'pending')
    .returningAll()
    .execute();
  return (await hydrate(db, rows)).sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
}

/**
 * Rows -> domain holds with their approvals and grants: the grant a hold's release issued (only an
 * approved hold with a grant, released by approvers, has one) and the grant that released it.
 * Three queries whatever the number of rows, fewer when no row can have a grant.
 */
async function hydrate(db: Executor, rows: readonly HoldRow[]): Promise<Hold[]> {
  if (rows.length === 0) return [];
  const issuing = rows.filter((row) => row.status === 'approved' && row.grant_ms !== null && row.granted_by_grant === null).map((row) => row.id);
  const used = rows.flatMap((row) => (row.granted_by_grant !== null ? [row.granted_by_grant] : []));
  const grantRows = await grantRowsFor(db, issuing, used);
  const approvals = await approvalsOf(db, [...rows.map((row) => row.id), ...grantRows.map((row) => row.hold_id)]);
  const grants = grantRows.map((row) => grantFromRow(row, approvals.get(row.hold_id) ?? []));
  return rows.map((row) => holdFromRow(row, approvals.get(row.id) ?? [], grants));
}

/** Row -> domain. A row whose target cannot be read is an error, never a hold without a target. */
function holdFromRow(row: HoldRow, approvals: readonly Approval[], grants: readonly Grant[]): Hold {
  const grantedBy = row.granted_by_grant === null ? undefined : grants.find((grant) => grant.id === row.granted_by_grant);
  if (row.granted_by_grant !== null && !grantedBy) throw new Error(`hold ${row.id}: the grant that released it (${row.granted_by_grant}) was not found`);
  const issuedGrant = grants.find((grant) => grant.holdId === row.id);
  return {
    id: row.id,
    requestId: row.request_id,
    connection: row.connection,
    requester: { issuer: row.requester_issuer, subject: row.requester_subject, clientId: row.requester_client_id, groups: row.requester_groups },
    target: targetFromColumns(`hold ${row.id}`, row.target, row.target_digest),
    sessionId: row.session_id,
    reasons: row.reasons,
    message: row.message,
    approverGroups: row.approver_groups,
    minApprovals: row.min_approvals,
    approvals,
    ...(row.grant_ms !== null ? { grantMs: Number(row.grant_ms) } : {}),
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.resolved_at ? { resolvedAt: row.resolved_at } : {}),
    ...(row.resolved_by !== null ? { resolvedBy: row.resolved_by } : {}),
    ...(row.resolution_reason !== null ? { resolutionReason: row.resolution_reason } : {}),
    ...(grantedBy ? { grantedBy } : {}),
    ...(issuedGrant ? { issuedGrant } : {}),
    ...(row.release_forwarded !== null && row.release_reported_at !== null
      ? { release: { forwarded: row.release_forwarded, reportedAt: row.release_reported_at, ...(row.release_code !== null ? { code: row.release_code } : {}), ...(row.release_message !== null ? { message: row.release_message } : {}) } }
      : {}),
  };
}
