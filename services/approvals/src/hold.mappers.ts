import { approvalsV1, commonV1, type Duration } from '@portcullis/proto-gen';
import { targetFromProto, targetToProto } from '@portcullis/request-model';
import { fail, ok, type Approval, type Grant, type Hold, type HoldStatus, type NewHold, type Result } from './domain/index.js';

const STATUSES: Record<HoldStatus, approvalsV1.HoldStatus> = {
  pending: approvalsV1.HoldStatus.HOLD_STATUS_PENDING,
  approved: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED,
  denied: approvalsV1.HoldStatus.HOLD_STATUS_DENIED,
  expired: approvalsV1.HoldStatus.HOLD_STATUS_EXPIRED,
  cancelled: approvalsV1.HoldStatus.HOLD_STATUS_CANCELLED,
};

/**
 * CreateHold request -> what to hold. Only a require_approval decision with an approval
 * requirement, about a request with a target, can be held; value rules (ids, groups, timeout,
 * quorum and grant ranges, what a target must name) are the domain's. `min_approvals` 0 (a policy
 * service older than quorums) means one, as it always did; a grant is only what the decision sets.
 */
export function newHoldFromProto(request: approvalsV1.CreateHoldRequest): Result<NewHold> {
  const { context, decision } = request;
  if (!context?.principal) return fail('INVALID_HOLD', 'context with a principal is required');
  if (decision?.effect !== commonV1.Effect.EFFECT_REQUIRE_APPROVAL) return fail('INVALID_HOLD', 'only a require_approval decision can be held');
  if (!decision.approval?.timeout) return fail('INVALID_HOLD', 'decision.approval with a timeout is required');
  const target = targetFromProto(context.target);
  if (!target) return fail('INVALID_HOLD', 'context.target (http, mcp or sql) is required: a hold must name the request it releases');
  const { approval } = decision;
  return ok({
    requestId: context.requestId,
    connection: context.connection,
    requester: { issuer: context.principal.issuer, subject: context.principal.subject, clientId: context.principal.clientId, groups: context.principal.groups },
    target,
    sessionId: context.sessionId,
    reasons: decision.reasons,
    message: decision.message,
    approverGroups: approval.approverGroups,
    timeoutMs: durationMs(approval.timeout!),
    minApprovals: approval.minApprovals === 0 ? 1 : approval.minApprovals,
    ...(approval.grant ? { grantMs: durationMs(approval.grant) } : {}),
  });
}

export function holdToProto(hold: Hold): approvalsV1.Hold {
  return {
    id: hold.id,
    requestId: hold.requestId,
    connection: hold.connection,
    // The requester as the hold records it: who asked, not the principal's every attribute.
    requester: { subject: hold.requester.subject, clientId: hold.requester.clientId, groups: [...hold.requester.groups], issuer: hold.requester.issuer, expiresAt: undefined, scopes: [], kind: '', claimsJson: '', tokenId: '' },
    target: targetToProto(hold.target),
    sessionId: hold.sessionId,
    reasons: [...hold.reasons],
    message: hold.message,
    approverGroups: [...hold.approverGroups],
    status: STATUSES[hold.status],
    createdAt: hold.createdAt,
    expiresAt: hold.expiresAt,
    resolvedAt: hold.resolvedAt,
    resolvedBy: hold.resolvedBy ?? '',
    resolutionReason: hold.resolutionReason ?? '',
    minApprovals: hold.minApprovals,
    approvals: hold.approvals.map(approvalToProto),
    grant: hold.grantMs === undefined ? undefined : durationToProto(hold.grantMs),
    grantedByGrant: hold.grantedBy && grantToProto(hold.grantedBy),
    issuedGrant: hold.issuedGrant && grantToProto(hold.issuedGrant),
    release: hold.release && { forwarded: hold.release.forwarded, code: hold.release.code ?? '', message: hold.release.message ?? '', reportedAt: hold.release.reportedAt },
  };
}

export function grantToProto(grant: Grant): approvalsV1.Grant {
  return {
    id: grant.id,
    holdId: grant.holdId,
    requestId: grant.requestId,
    connection: grant.connection,
    requesterIssuer: grant.requester.issuer,
    requesterSubject: grant.requester.subject,
    targetDigest: grant.targetDigest,
    target: targetToProto(grant.target),
    approverGroups: [...grant.approverGroups],
    reasons: [...grant.reasons],
    approvals: grant.approvals.map(approvalToProto),
    issuedAt: grant.issuedAt,
    expiresAt: grant.expiresAt,
    revokedAt: grant.revokedAt,
    revokedBy: grant.revokedBy ?? '',
    revocationReason: grant.revocationReason ?? '',
  };
}

function approvalToProto(approval: Approval): approvalsV1.Approval {
  return { issuer: approval.issuer, subject: approval.subject, approvedAt: approval.approvedAt };
}

/** Whole milliseconds (a sub-millisecond remainder is dropped, as for timeouts). */
function durationMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6);
}

function durationToProto(ms: number): Duration {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}
