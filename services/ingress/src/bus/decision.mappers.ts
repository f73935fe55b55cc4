import { principalToProto } from '@portcullis/identity-client';
import { targetToProto } from '@portcullis/request-model';
import { commonV1 } from '@portcullis/proto-gen';
import type { RequestContext } from '../domain/context.js';
import type { Decision, Effect } from '../domain/decision.js';

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
  const timeout = decision.approval?.timeout;
  return {
    effect,
    reasons: effect === 'deny' && decision.effect !== commonV1.Effect.EFFECT_DENY ? [...decision.reasons, 'error:invalid-decision'] : [...decision.reasons],
    maskingProfiles: [...decision.maskingProfiles],
    ...(effect === 'require_approval' && decision.approval
      ? { approval: { approverGroups: [...decision.approval.approverGroups], timeoutMs: Number(timeout?.seconds ?? 0n) * 1000 + Math.floor((timeout?.nanos ?? 0) / 1e6) } }
      : {}),
    policyVersion: decision.policyVersion,
    decidedBy: decision.decidedBy,
    cacheable: decision.cacheable,
  };
}

export function decisionToProto(decision: Decision): commonV1.Decision {
  return {
    effect: EFFECTS[decision.effect],
    reasons: [...decision.reasons],
    maskingProfiles: [...decision.maskingProfiles],
    approval: decision.approval
      ? {
          approverGroups: [...decision.approval.approverGroups],
          timeout: { seconds: BigInt(Math.floor(decision.approval.timeoutMs / 1000)), nanos: Math.round((decision.approval.timeoutMs % 1000) * 1e6) },
        }
      : undefined,
    policyVersion: decision.policyVersion,
    decidedBy: decision.decidedBy,
    cacheable: decision.cacheable,
  };
}
