import type { Decision, Effect, RequestFacts } from '@portcullis/policy-language';
import { commonV1, type policyV1 } from '@portcullis/proto-gen';
import type { ActivePolicy } from './domain/index.js';
import { targetFromProto } from '@portcullis/request-model';

export const EFFECTS: Record<Effect, commonV1.Effect> = {
  allow: commonV1.Effect.EFFECT_ALLOW,
  deny: commonV1.Effect.EFFECT_DENY,
  require_approval: commonV1.Effect.EFFECT_REQUIRE_APPROVAL,
};

/** Why a request could not be decided on: the one reason of its denial. */
export type RefusalReason = 'error:malformed-request' | 'error:missing-context' | 'error:missing-connection' | 'error:missing-principal' | 'error:missing-target' | 'error:evaluation-failed';

export type FactsResult = { ok: true; facts: RequestFacts } | { ok: false; reason: RefusalReason };

/**
 * Wire request -> the language's facts, decided at `now`. A request without what a decision needs
 * is refused, not guessed: claims that are not a JSON object are a malformed request, not "none".
 */
export function factsFromProto(context: commonV1.RequestContext | undefined, now: Date): FactsResult {
  if (!context) return { ok: false, reason: 'error:missing-context' };
  if (!context.connection) return { ok: false, reason: 'error:missing-connection' };
  const principal = context.principal;
  if (!principal?.subject) return { ok: false, reason: 'error:missing-principal' };
  const target = targetFromProto(context.target);
  if (!target) return { ok: false, reason: 'error:missing-target' };
  const claims = claimsFromJson(principal.claimsJson);
  if (!claims) return { ok: false, reason: 'error:malformed-request' };
  return {
    ok: true,
    facts: {
      connection: context.connection,
      principal: { subject: principal.subject, clientId: principal.clientId, issuer: principal.issuer, kind: principal.kind, groups: principal.groups, scopes: principal.scopes, claims },
      target,
      now,
    },
  };
}

/** The claims object ("" from a sender older than claims means none); undefined if it is not one. */
function claimsFromJson(json: string): Readonly<Record<string, unknown>> | undefined {
  if (json === '') return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function decisionToProto(decision: Decision, policyVersion: string, decidedBy: string): commonV1.Decision {
  return {
    effect: EFFECTS[decision.effect],
    reasons: [...decision.reasons],
    message: decision.message,
    maskingProfiles: [...decision.maskingProfiles],
    approval: decision.approval
      ? {
          approverGroups: [...decision.approval.approverGroups],
          timeout: durationToProto(decision.approval.timeoutMs),
          minApprovals: decision.approval.minApprovals,
          grant: decision.approval.grantMs !== undefined ? durationToProto(decision.approval.grantMs) : undefined,
        }
      : undefined,
    policyVersion,
    decidedBy,
    cacheable: decision.cacheable,
  };
}

/**
 * The decision for a request that could not be read: deny, saying why. Never cacheable: it is about
 * a broken request, not about what the policy says of the request that was meant.
 */
export function refusal(reason: RefusalReason, policyVersion: string, decidedBy: string): commonV1.Decision {
  return { effect: commonV1.Effect.EFFECT_DENY, reasons: [reason], message: REFUSALS[reason], maskingProfiles: [], approval: undefined, policyVersion, decidedBy, cacheable: false };
}

const REFUSALS: Record<RefusalReason, string> = {
  'error:malformed-request': 'denied: the decision request could not be read',
  'error:missing-context': 'denied: the decision request has no request context',
  'error:missing-connection': 'denied: the decision request names no connection',
  'error:missing-principal': 'denied: the decision request has no verified principal',
  'error:missing-target': 'denied: the decision request says nothing about what is asked',
  'error:evaluation-failed': 'denied: the policy could not be evaluated for this request',
};

export function durationToProto(ms: number): { seconds: bigint; nanos: number } {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

/**
 * Decides one wire request with the policy in force, read once: the decision and its version come
 * from the same policy even if a reload swaps it meanwhile.
 */
export function decideRequest(active: ActivePolicy, request: policyV1.DecideRequest, decidedBy: string, now: Date): commonV1.Decision {
  const policy = active.current;
  const version = String(policy.version);
  const facts = factsFromProto(request.context, now);
  return facts.ok ? decisionToProto(policy.compiled.decide(facts.facts), version, decidedBy) : refusal(facts.reason, version, decidedBy);
}
