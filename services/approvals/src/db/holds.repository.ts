import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { targetDigest, type HttpHeader, type SqlParameter, type Target } from '@portcullis/request-model';
import type { Hold, HoldStatus, NewHold } from '../domain/index.js';
import type { ApprovalsDB, HoldsTable } from './approvals.table.js';

/** The caller owns the transaction: pass the Kysely for a single statement, a Transaction to group. */
export type Executor = Kysely<ApprovalsDB> | Transaction<ApprovalsDB>;

// Time is the database's: expiry is set and compared with now(), so instances with skewed clocks
// agree. Inside a transaction now() is its start time, the same for every statement in it.
const dbNow = sql<Date>`now()`;

/** Inserts the hold unless one exists for its request id; returns it only if this call created it. */
export async function insertHoldIfAbsent(db: Executor, id: string, hold: NewHold): Promise<Hold | undefined> {
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
      expires_at: sql<Date>`now() + ${hold.timeoutMs}::double precision * interval '1 millisecond'`,
    })
    .onConflict((oc) => oc.column('request_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && holdFromRow(row);
}

export async function findHoldByRequestId(db: Executor, requestId: string): Promise<Hold | undefined> {
  const row = await db.selectFrom('holds').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  return row && holdFromRow(row);
}

/** The hold and the database's now(), so rules judge expiry by the same clock as the UPDATE. */
export async function findHoldById(db: Executor, id: string): Promise<{ hold: Hold; now: Date } | undefined> {
  const row = await db.selectFrom('holds').selectAll().select(dbNow.as('db_now')).where('id', '=', id).executeTakeFirst();
  return row && { hold: holdFromRow(row), now: row.db_now };
}

/** Holds any of `groups` may approve, oldest first; pending only unless `includeResolved`. */
export async function listHoldsForGroups(db: Executor, groups: readonly string[], includeResolved: boolean, limit: number): Promise<Hold[]> {
  if (groups.length === 0) return [];
  let query = db
    .selectFrom('holds')
    .selectAll()
    .where('approver_groups', '&&', sql<string[]>`${[...groups]}::text[]`);
  if (!includeResolved) query = query.where('status', '=', 'pending');
  const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
  return rows.map(holdFromRow);
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
  return row && holdFromRow(row);
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
  return rows.map(holdFromRow).sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime());
}

/** Row -> domain. A row whose target cannot be read is an error, never a hold without a target. */
function holdFromRow(row: Selectable<HoldsTable>): Hold {
  return {
    id: row.id,
    requestId: row.request_id,
    connection: row.connection,
    requester: { issuer: row.requester_issuer, subject: row.requester_subject, clientId: row.requester_client_id, groups: row.requester_groups },
    target: targetFromRow(row),
    sessionId: row.session_id,
    reasons: row.reasons,
    message: row.message,
    approverGroups: row.approver_groups,
    status: row.status as HoldStatus,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.resolved_at ? { resolvedAt: row.resolved_at } : {}),
    ...(row.resolved_by !== null ? { resolvedBy: row.resolved_by } : {}),
    ...(row.resolution_reason !== null ? { resolutionReason: row.resolution_reason } : {}),
  };
}

// The `target` column holds the domain Target as JSON, field for field, except that a binary SQL
// parameter (bytes JSON cannot carry) is written as {"base64": "..."}. Fields are copied one by
// one in both directions, so nothing the domain does not know is stored or read back. HTTP targets
// written before queries and headers were held have neither: they read as "" and [], which keeps
// the digest they were written with (see targetDigest).

type ColumnParameter = { text: string } | { base64: string } | null;

function targetToColumn(target: Target): string {
  switch (target.kind) {
    case 'http':
      return JSON.stringify({ kind: 'http', method: target.method, path: target.path, query: target.query, headers: target.headers.map((h) => ({ name: h.name, value: h.value })) });
    case 'mcp':
      return JSON.stringify({ kind: 'mcp', method: target.method, name: target.name, argumentsJson: target.argumentsJson });
    case 'sql':
      return JSON.stringify({ kind: 'sql', statement: target.statement, parameters: target.parameters.map(parameterToColumn) });
  }
}

function parameterToColumn(parameter: SqlParameter): ColumnParameter {
  if (parameter === null) return null;
  return 'text' in parameter ? { text: parameter.text } : { base64: Buffer.from(parameter.binary).toString('base64') };
}

/** The row's target, after checking it is well-formed and still has the digest it was written with. */
function targetFromRow(row: Selectable<HoldsTable>): Target {
  const target = readTarget(row.target);
  if (!target) throw new Error(`hold ${row.id}: unreadable target`);
  if (targetDigest(target) !== row.target_digest) throw new Error(`hold ${row.id}: target does not match its digest`);
  return target;
}

function readTarget(value: unknown): Target | undefined {
  if (!isRecord(value)) return undefined;
  const { kind } = value;
  if (kind === 'http') {
    const [method, path] = [text(value, 'method'), text(value, 'path')];
    const query = 'query' in value ? text(value, 'query') : '';
    const headers = 'headers' in value ? readHeaders(value.headers) : [];
    return method !== undefined && path !== undefined && query !== undefined && headers !== undefined ? { kind, method, path, query, headers } : undefined;
  }
  if (kind === 'mcp') {
    const [method, name, argumentsJson] = [text(value, 'method'), text(value, 'name'), text(value, 'argumentsJson')];
    return method !== undefined && name !== undefined && argumentsJson !== undefined ? { kind, method, name, argumentsJson } : undefined;
  }
  if (kind === 'sql') {
    const statement = text(value, 'statement');
    const { parameters } = value;
    if (statement === undefined || !Array.isArray(parameters)) return undefined;
    const read = parameters.map(readParameter);
    return read.every((p): p is SqlParameter => p !== undefined) ? { kind, statement, parameters: read } : undefined;
  }
  return undefined;
}

function readHeaders(value: unknown): HttpHeader[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const headers = value.map((h: unknown) => {
    if (!isRecord(h)) return undefined;
    const [name, content] = [text(h, 'name'), text(h, 'value')];
    return name !== undefined && content !== undefined ? { name, value: content } : undefined;
  });
  return headers.every((h): h is HttpHeader => h !== undefined) ? headers : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function readParameter(value: unknown): SqlParameter | undefined {
  if (value === null) return null;
  if (!isRecord(value)) return undefined;
  const plain = text(value, 'text');
  if (plain !== undefined) return { text: plain };
  const base64 = text(value, 'base64');
  return base64 !== undefined && BASE64.test(base64) ? { binary: Buffer.from(base64, 'base64') } : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}
