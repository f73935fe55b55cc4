import { approvalsV1, commonV1 } from '@portcullis/proto-gen';
import { targetFromProto, targetToProto } from '@portcullis/request-model';
import { fail, ok, type Hold, type HoldStatus, type NewHold, type Result } from './domain/index.js';

const STATUSES: Record<HoldStatus, approvalsV1.HoldStatus> = {
  pending: approvalsV1.HoldStatus.HOLD_STATUS_PENDING,
  approved: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED,
  denied: approvalsV1.HoldStatus.HOLD_STATUS_DENIED,
  expired: approvalsV1.HoldStatus.HOLD_STATUS_EXPIRED,
};

/**
 * CreateHold request -> what to hold. Only a require_approval decision with an approval
 * requirement, about a request with a target, can be held; value rules (ids, groups, timeout
 * range, what a target must name) are the domain's.
 */
export function newHoldFromProto(request: approvalsV1.CreateHoldRequest): Result<NewHold> {
  const { context, decision } = request;
  if (!context?.principal) return fail('INVALID_HOLD', 'context with a principal is required');
  if (decision?.effect !== commonV1.Effect.EFFECT_REQUIRE_APPROVAL) return fail('INVALID_HOLD', 'only a require_approval decision can be held');
  if (!decision.approval?.timeout) return fail('INVALID_HOLD', 'decision.approval with a timeout is required');
  const target = targetFromProto(context.target);
  if (!target) return fail('INVALID_HOLD', 'context.target (http, mcp or sql) is required: a hold must name the request it releases');
  const { seconds, nanos } = decision.approval.timeout;
  return ok({
    requestId: context.requestId,
    connection: context.connection,
    requester: { issuer: context.principal.issuer, subject: context.principal.subject, clientId: context.principal.clientId, groups: context.principal.groups },
    target,
    sessionId: context.sessionId,
    reasons: decision.reasons,
    message: decision.message,
    approverGroups: decision.approval.approverGroups,
    timeoutMs: Number(seconds) * 1000 + Math.floor(nanos / 1e6),
  });
}

export function holdToProto(hold: Hold): approvalsV1.Hold {
  return {
    id: hold.id,
    requestId: hold.requestId,
    connection: hold.connection,
    // The requester as the hold records it: who asked, not the principal's every attribute.
    requester: { subject: hold.requester.subject, clientId: hold.requester.clientId, groups: [...hold.requester.groups], issuer: hold.requester.issuer, expiresAt: undefined, scopes: [], kind: '', claimsJson: '' },
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
  };
}
