import { principalToProto } from '@portcullis/identity-client';
import { targetToProto } from '@portcullis/request-model';
import { commonV1, type Duration } from '@portcullis/proto-gen';
import type { RequestContext } from '../domain/context.js';
import type { ApprovalRequirement, Decision, Effect } from '../domain/decision.js';

const EFFECTS: Record<Effect, commonV1.Effect> = {
  allow: commonV1.Effect.EFFECT_ALLOW,
  deny: commonV1.Effect.EFFECT_DENY,
  require_approval: commonV1.Effect.EFFECT_REQUIRE_APPROVAL,
};

export function contextToProto(context: RequestContext): commonV1.RequestContext {
  return {
    requestId: context.requestId,
    sessionId: context.sessionId,
    connection: context.connection,
    principal: principalToProto(context.principal),
    target: targetToProto(context.target),
  };
}

/**
 * Wire -> domain. An effect the gateway does not know (unspecified, or added by a newer policy
 * service) is a denial: the gateway never guesses a permission.
 */
export function decisionFromProto(decision: commonV1.Decision): Decision {
  const effect: Effect =
    decision.effect === commonV1.Effect.EFFECT_ALLOW ? 'allow' : decision.effect === commonV1.Effect.EFFECT_REQUIRE_APPROVAL && decision.approval ? 'require_approval' : 'deny';
  return {
    effect,
    reasons: effect === 'deny' && decision.effect !== commonV1.Effect.EFFECT_DENY ? [...decision.reasons, 'error:invalid-decision'] : [...decision.reasons],
    message: decision.message,
    maskingProfiles: [...decision.maskingProfiles],
    ...(effect === 'require_approval' && decision.approval ? { approval: approvalFromProto(decision.approval) } : {}),
    policyVersion: decision.policyVersion,
    decidedBy: decision.decidedBy,
    cacheable: decision.cacheable,
  };
}

export function decisionToProto(decision: Decision): commonV1.Decision {
  return {
    effect: EFFECTS[decision.effect],
    reasons: [...decision.reasons],
    message: decision.message,
    maskingProfiles: [...decision.maskingProfiles],
    approval: decision.approval ? approvalToProto(decision.approval) : undefined,
    policyVersion: decision.policyVersion,
    decidedBy: decision.decidedBy,
    cacheable: decision.cacheable,
  };
}

/** 0 approvals (a policy service older than quorums) means one, as it always did. */
function approvalFromProto(approval: commonV1.ApprovalRequirement): ApprovalRequirement {
  return {
    approverGroups: [...approval.approverGroups],
    timeoutMs: durationMs(approval.timeout),
    minApprovals: Math.max(1, approval.minApprovals),
    ...(approval.grant ? { grantMs: durationMs(approval.grant) } : {}),
  };
}

function approvalToProto(approval: ApprovalRequirement): commonV1.ApprovalRequirement {
  return {
    approverGroups: [...approval.approverGroups],
    timeout: durationToProto(approval.timeoutMs),
    minApprovals: approval.minApprovals,
    grant: approval.grantMs === undefined ? undefined : durationToProto(approval.grantMs),
  };
}

function durationMs(duration: Duration | undefined): number {
  return Number(duration?.seconds ?? 0n) * 1000 + Math.floor((duration?.nanos ?? 0) / 1e6);
}

function durationToProto(ms: number): Duration {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: Math.round((ms % 1000) * 1e6) };
}
