import { sameTarget, targetDigest, type Target } from '@portcullis/request-model';
import type { RequestContext } from './context.js';
import type { Decision } from './decision.js';

/** Who: an issuer and a subject (a subject is unique only within its issuer). */
export interface Identity {
  readonly issuer: string;
  readonly subject: string;
}

/** The grant that released a hold as it was created, as the approvals service reports it. */
export interface HeldGrant {
  readonly id: string;
  readonly connection: string;
  readonly requester: Identity;
  readonly targetDigest: string;
  readonly approvals: readonly Identity[];
  readonly expiresAt: number;
}

/** A hold as the approvals service reports it, in the gateway's terms. */
export interface HeldRequest {
  readonly id: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: Identity;
  readonly target: Target | undefined;
  readonly approverGroups: readonly string[];
  /** Distinct approvers the hold needs; 0 from an approvals service older than quorums (one). */
  readonly minApprovals: number;
  /** The grant its release issues; absent for none. */
  readonly grantMs?: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** Who approved it so far (an approvals service older than quorums lists nobody). */
  readonly approvals: readonly Identity[];
  /** Subject of the approver who released or denied it; '' for none. */
  readonly resolvedBy: string;
  /** Set when a grant released it as it was created. */
  readonly grantedBy?: HeldGrant;
}

/** Slack for clock differences between the gateway and the approvals database (ms). */
const WINDOW_SLACK_MS = 1000;

/**
 * Whether a stored hold is about exactly the request the gateway is holding, under exactly the
 * approval requirement policy decided: same request, session, connection, requester and target
 * (compared per kind: method and path; tool and canonical arguments; statement and parameters —
 * a hold without a target, or of another kind, describes nothing), the same approver groups, no
 * longer a window than the decision's timeout, as many approvers as decided (a hold needing fewer
 * describes a weaker requirement) and the decided grant (none when none). Only such a hold may
 * release the request.
 */
export function holdDescribes(hold: HeldRequest, context: RequestContext, decision: Decision): boolean {
  const groups = new Set(decision.approval?.approverGroups ?? []);
  const timeoutMs = decision.approval?.timeoutMs ?? 0;
  return (
    hold.requestId === context.requestId &&
    hold.sessionId === context.sessionId &&
    hold.connection === context.connection &&
    hold.requester.subject === context.principal.subject &&
    hold.requester.issuer === context.principal.issuer &&
    sameTarget(hold.target, context.target) &&
    sameGroups(hold.approverGroups, groups) &&
    hold.expiresAt - hold.createdAt <= timeoutMs + WINDOW_SLACK_MS &&
    Math.max(1, hold.minApprovals) === (decision.approval?.minApprovals ?? Number.NaN) &&
    hold.grantMs === decision.approval?.grantMs
  );
}

/**
 * Whether an APPROVED hold that describes this request (holdDescribes) was released as the
 * decision requires: by as many distinct approvers as decided, none of them the requester; or by
 * a grant, only when policy grants, for this very requester, connection and target, backed by as
 * many approvers and not expired at `now` (with the same clock slack). The approvals service
 * decides this; the gateway checks it again, so a broken or older approvals service that releases
 * on one approval, or on a grant policy never gave, releases nothing.
 */
export function releaseSuffices(hold: HeldRequest, context: RequestContext, decision: Decision, now: number): boolean {
  const needed = decision.approval?.minApprovals ?? Number.POSITIVE_INFINITY;
  const requester = context.principal;
  const grant = hold.grantedBy;
  if (grant) {
    return (
      decision.approval?.grantMs !== undefined &&
      grant.connection === context.connection &&
      grant.requester.issuer === requester.issuer &&
      grant.requester.subject === requester.subject &&
      grant.targetDigest === targetDigest(context.target) &&
      grant.expiresAt + WINDOW_SLACK_MS > now &&
      independentApprovers(grant.approvals, requester) >= needed
    );
  }
  // An approvals service older than quorums lists no approvals, only who released the hold: one.
  const approvals = hold.approvals.length > 0 ? hold.approvals : hold.resolvedBy ? [{ issuer: '', subject: hold.resolvedBy }] : [];
  return independentApprovers(approvals, requester) >= needed;
}

/** Distinct approvers, or none at all if the requester is among them (it never approves itself). */
function independentApprovers(approvals: readonly Identity[], requester: Identity): number {
  if (approvals.some((a) => a.subject === requester.subject && (a.issuer === '' || a.issuer === requester.issuer))) return 0;
  return new Set(approvals.map((a) => `${a.issuer}\n${a.subject}`)).size;
}

/** The same set of groups, duplicates aside. */
function sameGroups(held: readonly string[], decided: ReadonlySet<string>): boolean {
  const set = new Set(held);
  return set.size === decided.size && [...set].every((group) => decided.has(group));
}
