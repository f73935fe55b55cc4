// Pure rendering of holds and audit records for the terminal and for --json. The generated proto
// types are the CLI's model on purpose: it only displays what the services return, so a separate
// domain layer would be a copy with no decisions in it. `now` is passed in, never read here.
import { approvalsV1, auditV1, eventsV1 } from '@portcullis/proto-gen';
import { targetFromProto } from '@portcullis/request-model';
import { formatTargetDetails, holdTarget, targetSummary } from './target-format.js';

type Hold = approvalsV1.Hold;
type Grant = approvalsV1.Grant;
type AuditRecord = auditV1.AuditRecord;

/** Columns separated by two spaces; every column but the last padded to its widest cell. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "42s", "4m 05s", "2h 07m", "3d 4h"; "expired" once the time has passed. */
export function formatRemaining(ms: number): string {
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor(s / 3600) % 24}h`;
}

export function holdStatusLabel(status: approvalsV1.HoldStatus): string {
  return enumLabel(approvalsV1.holdStatusToJSON(status), 'HOLD_STATUS_');
}

/** The requester as a person reads it: subject, plus the client when it acts for someone else. */
export function requesterLabel(requester: Hold['requester']): string {
  if (!requester) return '-';
  const { subject, clientId } = requester;
  if (subject && clientId && clientId !== subject) return `${subject} (${clientId})`;
  return subject || clientId || '-';
}

/** Distinct approvers a hold needs: 0 (an approvals service older than quorums) means one. */
function needed(hold: Hold): number {
  return Math.max(1, hold.minApprovals);
}

/** "1/2 (alice)": approvals so far of those needed, and who; "grant" for a hold a grant released. */
export function approvalsLabel(hold: Hold): string {
  if (hold.grantedByGrant) return 'grant';
  const who = hold.approvals.map((a) => a.subject);
  return `${who.length}/${needed(hold)}${who.length > 0 ? ` (${who.join(', ')})` : ''}`;
}

/**
 * The holds as a table, one line each with the target summarised and the approvals so far (k/n),
 * followed by the full target of every hold whose line cannot carry it (MCP arguments, SQL
 * statement and parameters): an approver sees exactly what approving would release without asking
 * for --json.
 */
export function formatHoldsTable(holds: readonly Hold[], now: Date, options: { withStatus: boolean }): string {
  if (holds.length === 0) return options.withStatus ? 'no holds' : 'no pending holds';
  const headers = ['ID', 'REQUESTED BY', 'CONNECTION', 'TARGET', 'REASONS', 'APPROVALS', ...(options.withStatus ? ['STATUS'] : []), 'EXPIRES IN'];
  const rows = holds.map((h) => {
    const pending = h.status === approvalsV1.HoldStatus.HOLD_STATUS_PENDING;
    return [
      h.id,
      requesterLabel(h.requester),
      h.connection || '-',
      targetSummary(holdTarget(h)),
      h.reasons.join(', ') || '-',
      approvalsLabel(h),
      ...(options.withStatus ? [`${holdStatusLabel(h.status)}${h.release && !h.release.forwarded ? `, not forwarded (${h.release.code})` : ''}`] : []),
      !pending ? '-' : h.expiresAt ? formatRemaining(h.expiresAt.getTime() - now.getTime()) : '-',
    ];
  });
  const details = formatTargetDetails(holds);
  return details ? `${formatTable(headers, rows)}\n\n${details}` : formatTable(headers, rows);
}

/**
 * What an approval or denial did, in one line: "recorded (1 of 2)" while the hold waits for more
 * approvers, else its status, and the grant a release issued (who may repeat it, until when).
 */
export function formatResolvedHold(hold: Hold): string {
  const target = hold.target ? `, ${targetSummary(holdTarget(hold))}` : '';
  const about = `(request ${hold.requestId || '-'}${target})`;
  if (hold.status === approvalsV1.HoldStatus.HOLD_STATUS_PENDING) {
    const k = hold.approvals.length;
    const more = needed(hold) - k;
    return `hold ${hold.id} recorded (${k} of ${needed(hold)}), waiting for ${more} more approver${more === 1 ? '' : 's'} ${about}`;
  }
  if (hold.grantedByGrant) return `hold ${hold.id} approved by grant ${hold.grantedByGrant.id} ${about}`;
  const reason = hold.resolutionReason ? `: ${hold.resolutionReason}` : '';
  const grant = hold.issuedGrant;
  const issued = grant ? `; grant ${grant.id} lets ${hold.requester?.subject || 'the requester'} repeat it until ${grant.expiresAt?.toISOString() ?? '?'}` : '';
  return `hold ${hold.id} ${holdStatusLabel(hold.status)} ${about}${reason}${issued}`;
}

/**
 * What the gateway did with a released hold, once it said: approving released it, but a caller no
 * longer valid (expired token, revoked identity) is refused rather than forwarded.
 */
export function formatRelease(hold: Hold): string {
  if (!hold.release) return `the gateway has not yet said whether it forwarded the request (see \`approvals list --all\`)`;
  if (hold.release.forwarded) return 'the gateway forwarded the request';
  return `the gateway did NOT forward the request: ${hold.release.message || 'its caller is no longer valid'} (${hold.release.code})`;
}

/** live, revoked or expired at `now`. */
export function grantStatusLabel(grant: Grant, now: Date): string {
  if (grant.revokedAt) return 'revoked';
  return grant.expiresAt && grant.expiresAt.getTime() > now.getTime() ? 'live' : 'expired';
}

/** The grants as a table: who may repeat what, on whose approval, for how long. */
export function formatGrantsTable(grants: readonly Grant[], now: Date, options: { withStatus: boolean }): string {
  if (grants.length === 0) return options.withStatus ? 'no grants' : 'no live grants';
  const headers = ['ID', 'REQUESTER', 'CONNECTION', 'TARGET', 'APPROVED BY', ...(options.withStatus ? ['STATUS'] : []), 'EXPIRES IN'];
  const rows = grants.map((g) => {
    const status = grantStatusLabel(g, now);
    return [
      g.id,
      g.requesterSubject || '-',
      g.connection || '-',
      targetSummary(targetFromProto(g.target)),
      g.approvals.map((a) => a.subject).join(', ') || '-',
      ...(options.withStatus ? [status] : []),
      status === 'live' && g.expiresAt ? formatRemaining(g.expiresAt.getTime() - now.getTime()) : '-',
    ];
  });
  return formatTable(headers, rows);
}

export function formatRevokedGrant(grant: Grant): string {
  const target = targetFromProto(grant.target);
  return `grant ${grant.id} revoked (${grant.requesterSubject || '-'}${target ? `, ${targetSummary(target)}` : ''}): ${grant.revocationReason}`;
}

export function formatVerify(result: auditV1.VerifyChainResponse): string {
  if (result.ok) return `audit chain OK: ${result.records} records, head ${result.headHash || '(none)'}`;
  return `audit chain BROKEN at seq ${result.firstBadSeq}: ${result.message || 'no detail given'}`;
}

export function formatEventsTable(records: readonly AuditRecord[]): string {
  const rows = sortBySeq(records).map((r) => [
    String(r.seq),
    (r.occurredAt ?? r.recordedAt)?.toISOString() ?? '-',
    r.type || '-',
    r.source || '-',
    summarizeEvent(r.eventJson),
  ]);
  return formatTable(['SEQ', 'TIME', 'TYPE', 'SOURCE', 'SUMMARY'], rows);
}

export function sortBySeq(records: readonly AuditRecord[]): AuditRecord[] {
  return [...records].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
}

// --json output follows the protobuf JSON mapping (uint64 as strings, enums by name, ISO times),
// except that verify lists every field: the mapping would drop `ok: false`.
export const holdsJson = (holds: readonly Hold[]): string => json(holds.map((h) => approvalsV1.Hold.toJSON(h)));
export const grantsJson = (grants: readonly Grant[]): string => json(grants.map((g) => approvalsV1.Grant.toJSON(g)));
export const recordsJson = (records: readonly AuditRecord[]): string =>
  json(sortBySeq(records).map((r) => auditV1.AuditRecord.toJSON(r)));
export const verifyJson = (r: auditV1.VerifyChainResponse): string =>
  json({ ok: r.ok, records: String(r.records), headHash: r.headHash, firstBadSeq: String(r.firstBadSeq), message: r.message });

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

type Json = Record<string, unknown>;

const ENVELOPE = new Set(['id', 'occurredAt', 'occurred_at', 'requestId', 'request_id', 'connection', 'source']);

// Body summarizers by oneof field name of events.v1.Event.
const SUMMARIES: Readonly<Record<string, (body: Json) => string>> = {
  requestReceived: (b) => {
    const principal = obj(b, 'principal');
    const who = str(principal, 'subject') || str(principal, 'clientId') || '?';
    const target = targetFromProto(eventsV1.RequestReceived.fromJSON(b).target);
    const protocol = str(b, 'protocol');
    return `${who}: ${target ? targetSummary(target) : '-'}${protocol ? ` (${protocol})` : ''}`;
  },
  sessionStarted: (b) => {
    const principal = obj(b, 'principal');
    return `session of ${str(principal, 'subject') || str(principal, 'clientId') || '?'} (${str(b, 'protocol') || '?'}) from ${str(b, 'clientAddress') || '?'}`;
  },
  sessionEnded: (b) => `session ended ${enumLabel(str(b, 'reason') || 'SESSION_END_REASON_UNSPECIFIED', 'SESSION_END_REASON_')} after ${String(get(b, 'requests') ?? 0)} request(s)`,
  policyChanged: (b) => {
    const head = `policy ${str(b, 'policyVersion') || '?'} (${String(get(b, 'rules') ?? 0)} rules)`;
    if (str(b, 'cause') === 'POLICY_CHANGE_CAUSE_START') return `${head} in force at an instance's start`;
    const changes = (Array.isArray(get(b, 'changes')) ? (get(b, 'changes') as unknown[]) : []).filter(isObj);
    const what = changes.map((c) => `${enumLabel(str(c, 'action') || '?', 'POLICY_DOCUMENT_ACTION_')} ${str(c, 'name') || '?'}`);
    const by = str(b, 'changedBy');
    return `${head}${by ? ` by ${by}` : ''}${what.length ? `: ${what.join(', ')}` : ''}`;
  },
  decisionMade: (b) => {
    const d = obj(b, 'decision') ?? {};
    const profiles = strs(d, 'maskingProfiles');
    return `${enumLabel(str(d, 'effect') || 'EFFECT_UNSPECIFIED', 'EFFECT_')}${list(d, 'reasons')}${profiles.length ? ` mask=${profiles.join('+')}` : ''}`;
  },
  approvalRequested: (b) => {
    const groups = strs(b, 'approverGroups');
    const expires = str(b, 'expiresAt');
    const target = targetFromProto(eventsV1.ApprovalRequested.fromJSON(b).target);
    return `hold ${str(b, 'holdId') || '?'}${target ? ` of ${targetSummary(target)}` : ''}${groups.length ? ` for ${groups.join(', ')}` : ''}${expires ? ` until ${expires}` : ''}${list(b, 'reasons')}`;
  },
  approvalRecorded: (b) => `approval ${String(get(b, 'approvals') ?? '?')} of ${String(get(b, 'minApprovals') ?? '?')} by ${str(obj(b, 'approver'), 'subject') || '?'} (hold ${str(b, 'holdId') || '?'})`,
  approvalGranted: (b) => {
    const approvers = subjects(b, 'approvers');
    const by = approvers.length > 1 ? approvers.join(', ') : str(b, 'approver') || '?';
    const grant = str(b, 'grantId');
    return `approved by ${by} (hold ${str(b, 'holdId') || '?'})${grant ? `; grant ${grant} until ${str(b, 'grantExpiresAt') || '?'}` : ''}`;
  },
  grantUsed: (b) => `released by grant ${str(b, 'grantId') || '?'} of hold ${str(b, 'grantHoldId') || '?'} for ${str(b, 'requester') || '?'} (hold ${str(b, 'holdId') || '?'})`,
  toolDefinitionChanged: (b) => `tool ${str(b, 'tool') || '?'} changed its definition (approved ${str(b, 'approvedDigest').slice(0, 12) || '?'}, now ${str(b, 'newDigest').slice(0, 12) || '?'}): withheld until approved`,
  toolDefinitionApproved: (b) => `tool ${str(b, 'tool') || '?'} definition ${str(b, 'digest').slice(0, 12) || '?'} approved by ${str(b, 'approvedBy') || '?'}`,
  grantRevoked: (b) => {
    const reason = str(b, 'reason');
    return `grant ${str(b, 'grantId') || '?'} revoked by ${str(b, 'revokedBy') || '?'}${reason ? `: ${JSON.stringify(reason)}` : ''}`;
  },
  approvalDenied: (b) => {
    const reason = str(b, 'reason');
    return `denied by ${str(b, 'approver') || '?'}${reason ? `: ${JSON.stringify(reason)}` : ''} (hold ${str(b, 'holdId') || '?'})`;
  },
  approvalExpired: (b) => `expired (hold ${str(b, 'holdId') || '?'})`,
  approvalCancelled: (b) => {
    const reason = str(b, 'reason');
    return `cancelled by the gateway${reason ? `: ${JSON.stringify(reason)}` : ''} (hold ${str(b, 'holdId') || '?'})`;
  },
  requestCompleted: (b) => {
    const parts = [enumLabel(str(b, 'outcome') || 'OUTCOME_UNSPECIFIED', 'OUTCOME_')];
    // The status in the caller's protocol: an HTTP status, a SQLSTATE or a JSON-RPC error code.
    const http = get(b, 'httpStatus');
    const sqlstate = str(b, 'sqlstate');
    const jsonrpc = get(b, 'jsonrpcCode');
    if (typeof http === 'number') parts.push(String(http));
    else if (sqlstate) parts.push(`SQLSTATE ${sqlstate}`);
    else if (typeof jsonrpc === 'number') parts.push(`JSON-RPC ${jsonrpc}`);
    const tags = get(b, 'commandTags');
    if (Array.isArray(tags) && tags.length > 0) parts.push(tags.map(String).join(', '));
    const rows = Number(get(b, 'rows') ?? 0);
    if (rows > 0) parts.push(`${rows} row(s)`);
    const us = Number(get(b, 'durationUs') ?? 0); // uint64: a string in the JSON mapping
    if (us > 0) parts.push(`in ${formatMicros(us)}`);
    const errorCode = str(b, 'errorCode');
    if (errorCode) parts.push(errorCode);
    const masked = Object.entries(obj(b, 'masked') ?? {}).map(([k, v]) => `${k}:${String(v)}`);
    if (masked.length) parts.push(`masked ${masked.join(' ')}`);
    return parts.join(' ') + list(b, 'reasons');
  },
};

/**
 * One line for an event's JSON: the known body rendered for a person (decision effect and reasons,
 * approver, outcome and status…); anything else as compact JSON without the envelope.
 */
export function summarizeEvent(eventJson: string, maxLength = 120): string {
  let event: unknown;
  try {
    event = JSON.parse(eventJson);
  } catch {
    return '(event JSON unreadable)';
  }
  if (!isObj(event)) return truncate(eventJson, maxLength);
  for (const [field, summarize] of Object.entries(SUMMARIES)) {
    const body = obj(event, field);
    if (body) return truncate(summarize(body), maxLength);
  }
  const rest = Object.fromEntries(Object.entries(event).filter(([k]) => !ENVELOPE.has(k)));
  return truncate(JSON.stringify(rest), maxLength);
}

export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${Number((us / 1000).toFixed(1))} ms`;
  return `${Number((us / 1_000_000).toFixed(2))} s`;
}

/** `EFFECT_REQUIRE_APPROVAL` → `require_approval`. */
function enumLabel(name: string, prefix: string): string {
  return (name.startsWith(prefix) ? name.slice(prefix.length) : name).toLowerCase();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function isObj(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Field access accepting both the JSON mapping's lowerCamelCase and the proto's snake_case names.
function get(o: Json | undefined, camel: string): unknown {
  if (!o) return undefined;
  return o[camel] ?? o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}
function obj(o: Json | undefined, camel: string): Json | undefined {
  const v = get(o, camel);
  return isObj(v) ? v : undefined;
}
function str(o: Json | undefined, camel: string): string {
  const v = get(o, camel);
  return typeof v === 'string' ? v : '';
}
function strs(o: Json | undefined, camel: string): string[] {
  const v = get(o, camel);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
/** The subjects of a list of approvers. */
function subjects(o: Json | undefined, camel: string): string[] {
  const v = get(o, camel);
  return Array.isArray(v) ? v.flatMap((x: unknown) => (isObj(x) && str(x, 'subject') ? [str(x, 'subject')] : [])) : [];
}
function list(o: Json | undefined, camel: string): string {
  const v = strs(o, camel);
  return v.length ? ` [${v.join(', ')}]` : '';
}
