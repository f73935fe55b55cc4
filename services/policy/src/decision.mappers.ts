import { commonV1, policyV1 } from '@portcullis/proto-gen';
import { targetFromProto } from '@portcullis/request-model';
import type { Decision, Effect, RequestFacts } from './domain/index.js';

const EFFECTS: Record<Effect, commonV1.Effect> = {
  allow: commonV1.Effect.EFFECT_ALLOW,
  deny: commonV1.Effect.EFFECT_DENY,
  require_approval: commonV1.Effect.EFFECT_REQUIRE_APPROVAL,
};

/** Why a request could not be decided on: the one reason of its denial. */
export type RefusalReason = 'error:malformed-request' | 'error:missing-context' | 'error:missing-connection' | 'error:missing-principal' | 'error:missing-target';

export type FactsResult = { ok: true; facts: RequestFacts } | { ok: false; reason: RefusalReason };

/** Wire request -> domain facts. A request without what a decision needs is refused, not guessed. */
export function factsFromProto(request: policyV1.DecideRequest): FactsResult {
  const context = request.context;
  if (!context) return { ok: false, reason: 'error:missing-context' };
  if (!context.connection) return { ok: false, reason: 'error:missing-connection' };
  if (!context.principal?.subject) return { ok: false, reason: 'error:missing-principal' };
  const target = targetFromProto(context.target);
  if (!target) return { ok: false, reason: 'error:missing-target' };
  return {
    ok: true,
    facts: {
      connection: context.connection,
      principal: { subject: context.principal.subject, groups: context.principal.groups },
      target,
    },
  };
}

export function decisionToProto(decision: Decision, decidedBy: string): commonV1.Decision {
  return {
    effect: EFFECTS[decision.effect],
    reasons: [...decision.reasons],
    // This engine writes no messages, asks one approver and grants nothing; the new engine will.
    message: '',
    maskingProfiles: [...decision.maskingProfiles],
    approval: decision.approval
      ? {
          approverGroups: [...decision.approval.approverGroups],
          timeout: { seconds: BigInt(Math.floor(decision.approval.timeoutMs / 1000)), nanos: (decision.approval.timeoutMs % 1000) * 1e6 },
          minApprovals: 1,
          grant: undefined,
        }
      : undefined,
    policyVersion: decision.policyVersion,
    decidedBy,
    cacheable: decision.cacheable,
  };
}

/**
 * The decision for a request that could not be read: deny, saying why. Never cacheable: it is about
 * a broken request, not about what the policy says of the request that was meant.
 */
export function refusal(reason: RefusalReason, policyVersion: string, decidedBy: string): commonV1.Decision {
  return { effect: commonV1.Effect.EFFECT_DENY, reasons: [reason], message: '', maskingProfiles: [], approval: undefined, policyVersion, decidedBy, cacheable: false };
}
