import { canonicalJson, PROTOCOLS, sameTarget, type Target } from '@portcullis/request-model';
import type { Actor, Approval, Hold, NewHold, Resolution } from './hold.js';
import { fail, ok, type Failure, type Result } from './failure.js';

export const MAX_DENY_REASON_LENGTH = 500;
/** Policy messages are one sentence; a longer one is a policy mistake, not worth storing. */
export const MAX_MESSAGE_LENGTH = 1000;
/** Longest a request may wait for a human; a longer timeout is a policy mistake, not a wish. */
export const MAX_TIMEOUT_MS = 7 * 24 * 3600 * 1000;
/** Most distinct approvers a hold may need (the policy language's own limit). */
export const MAX_MIN_APPROVALS = 10;
/** Longest grant a release may issue: a standing permission beyond a month is a policy mistake. */
export const MAX_GRANT_MS = 30 * 24 * 3600 * 1000;

/** Request ids and connections end up as NATS subject tokens in every event of the hold. */
const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Hold ids are UUIDs; anything else is refused before it reaches the database. */
export function isHoldId(id: string): boolean {
  return UUID.test(id);
}

/** Only members of one of the approver groups of a hold (or grant) see it, in a list or otherwise. */
export function isApprover(subject: { readonly approverGroups: readonly string[] }, actor: Actor): boolean {
  return actor.groups.some((group) => subject.approverGroups.includes(group));
}

/**
 * The same identity: a subject is unique only within its issuer. A recorded issuer of '' (written
 * before issuers were recorded) compares subjects alone: stricter, never looser.
 */
export function sameIdentity(recorded: { readonly issuer: string; readonly subject: string }, other: { readonly issuer: string; readonly subject: string }): boolean {
  return recorded.subject === other.subject && (recorded.issuer === '' || recorded.issuer === other.issuer);
}

/** How many distinct approvers (by issuer and subject) the approvals name. */
export function distinctApprovers(approvals: readonly Pick<Approval, 'issuer' | 'subject'>[]): number {
  return new Set(approvals.map((a) => `${a.issuer}\n${a.subject}`)).size;
}

/** Whether the hold is released once `approvals` (the recorded ones plus the new one) are counted. */
export function quorumReached(hold: Pick<Hold, 'minApprovals'>, approvals: readonly Pick<Approval, 'issuer' | 'subject'>[]): boolean {
  return distinctApprovers(approvals) >= hold.minApprovals;
}

/**
 * Whether `actor` may resolve `hold` this way at `now`, or why not. Checked in the order that
 * leaks least: someone who is not an approver learns nothing about the hold's state.
 */
export function checkResolution(hold: Hold, actor: Actor, resolution: Resolution, now: Date): Failure | undefined {
  if (resolution.kind === 'deny') {
    const invalid = checkDenyReason(resolution.reason);
    if (invalid) return invalid;
  }
  if (!isApprover(hold, actor)) return { code: 'NOT_AN_APPROVER', message: `${actor.subject} is not in an approver group of this hold` };
  if (isRequester(hold, actor)) return { code: 'SELF_APPROVAL', message: 'a requester cannot approve or deny its own request' };
  if (hold.status === 'cancelled') {
    return { code: 'HOLD_CANCELLED', message: `hold was cancelled by the gateway (${hold.resolutionReason || 'its caller is gone'}): nobody waits for the request, there is nothing to ${resolution.kind}` };
  }
  if (hold.status !== 'pending') return { code: 'ALREADY_RESOLVED', message: `hold is already ${hold.status}` };
  if (resolution.kind === 'deny') return undefined;
  if (hold.expiresAt.getTime() <= now.getTime()) return { code: 'EXPIRED', message: 'hold expired before it was approved' };
  // An approver counts once. A denial after one's own approval is still allowed: it only refuses.
  if (hold.approvals.some((approval) => sameIdentity(approval, actor))) {
    return { code: 'ALREADY_APPROVED', message: `${actor.subject} already approved this hold (${distinctApprovers(hold.approvals)} of ${hold.minApprovals}); another approver must approve it` };
  }
  return undefined;
}

/** The requester never resolves its own hold (identity as in sameIdentity). */
function isRequester(hold: Hold, actor: Actor): boolean {
  return sameIdentity(hold.requester, actor);
}

/**
 * Whether an existing hold is the one `draft` asks for. CreateHold is idempotent per request id,
 * but only for the same request: a different request under a known id (another path, other MCP
 * arguments, other SQL parameters, another protocol) is a conflict, never a hold to wait on.
 */
export function sameRequest(hold: Hold, draft: NewHold): boolean {
  return (
    hold.requestId === draft.requestId &&
    hold.connection === draft.connection &&
    hold.requester.issuer === draft.requester.issuer &&
    hold.requester.subject === draft.requester.subject &&
    hold.sessionId === draft.sessionId &&
    sameTarget(hold.target, draft.target) &&
    sameSet(hold.approverGroups, draft.approverGroups) &&
    sameSet(hold.reasons, draft.reasons) &&
    hold.minApprovals === draft.minApprovals &&
    hold.grantMs === draft.grantMs
  );
}

export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((value) => right.has(value));
}

/** A denial or a revocation needs a reason a person can read later. */
export function checkDenyReason(reason: string): Failure | undefined {
  if (reason.trim() === '') return { code: 'REASON_REQUIRED', message: 'a denial needs a reason' };
  if (reason.length > MAX_DENY_REASON_LENGTH) return { code: 'REASON_TOO_LONG', message: `a denial reason has at most ${MAX_DENY_REASON_LENGTH} characters` };
  return undefined;
}

/** Validates what the gateway asks to hold; normalises groups and reasons (trimmed, no duplicates). */
export function checkNewHold(hold: NewHold): Result<NewHold> {
  const problems: string[] = [];
  if (!SUBJECT_TOKEN.test(hold.requestId)) problems.push('request id must be 1-128 of [A-Za-z0-9_-]');
  if (!SUBJECT_TOKEN.test(hold.connection)) problems.push('connection must be 1-128 of [A-Za-z0-9_-]');
  if (hold.requester.subject.trim() === '') problems.push('requester subject is required');
  const targetProblem = checkTarget(hold.target);
  if (targetProblem) problems.push(targetProblem);
  if (UNSTORABLE.test(hold.message)) problems.push('message must not contain NUL characters or unpaired surrogates');
  if (hold.message.length > MAX_MESSAGE_LENGTH) problems.push(`message must be at most ${MAX_MESSAGE_LENGTH} characters`);
  const approverGroups = distinct(hold.approverGroups);
  if (approverGroups.length === 0) problems.push('at least one approver group is required');
  if (!Number.isFinite(hold.timeoutMs) || hold.timeoutMs <= 0 || hold.timeoutMs > MAX_TIMEOUT_MS) problems.push(`timeout must be in (0, ${MAX_TIMEOUT_MS}] ms`);
  if (!Number.isInteger(hold.minApprovals) || hold.minApprovals < 1 || hold.minApprovals > MAX_MIN_APPROVALS) problems.push(`min approvals must be an integer in [1, ${MAX_MIN_APPROVALS}]`);
  if (hold.grantMs !== undefined) {
    if (!Number.isInteger(hold.grantMs) || hold.grantMs <= 0 || hold.grantMs > MAX_GRANT_MS) problems.push(`grant must be a whole number of ms in (0, ${MAX_GRANT_MS}]`);
    // A subject is unique only within its issuer: a grant for a subject alone would cover namesakes.
    if (hold.requester.issuer.trim() === '') problems.push('a hold whose release issues a grant needs the requester issuer');
  }
  if (problems.length > 0) return fail('INVALID_HOLD', problems.join('; '));
  return ok({ ...hold, approverGroups, reasons: distinct(hold.reasons), requester: { ...hold.requester, groups: distinct(hold.requester.groups) } });
}

/** Characters PostgreSQL text cannot store (NUL) or would silently replace (an unpaired surrogate). */
const UNSTORABLE = /[\0\p{Cs}]/u;

/**
 * What a hold must name so that approving it releases one known request: a target of a known kind
 * whose identifying field is set, stored exactly (nothing PostgreSQL would reject or alter), with
 * MCP arguments already canonical so that equal arguments compare equal whatever their key order.
 */
function checkTarget(target: Target | undefined): string | undefined {
  if (!target || !PROTOCOLS.includes(target.kind)) return 'target (http, mcp or sql) is required: a hold without one would release any request';
  const texts = targetTexts(target);
  if (texts.some((text) => UNSTORABLE.test(text))) return 'target must not contain NUL characters or unpaired surrogates';
  switch (target.kind) {
    case 'http':
      return target.method === '' || target.path === '' ? 'http target needs a method and a path' : undefined;
    case 'mcp':
      if (target.method === '') return 'mcp target needs a method';
      return target.argumentsJson === '' || isCanonicalJson(target.argumentsJson) ? undefined : 'mcp arguments must be canonical JSON (RFC 8785)';
    case 'sql':
      return target.statement.trim() === '' ? 'sql target needs a statement' : undefined;
  }
}

function targetTexts(target: Target): string[] {
  switch (target.kind) {
    case 'http':
      return [target.method, target.path, target.query, ...target.headers.flatMap((h) => [h.name, h.value])];
    case 'mcp':
      return [target.method, target.name, target.argumentsJson];
    case 'sql':
      return [target.statement, ...target.parameters.flatMap((p) => (p !== null && 'text' in p ? [p.text] : []))];
  }
}

function isCanonicalJson(text: string): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
}
