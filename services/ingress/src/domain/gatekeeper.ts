import { randomUUID } from 'node:crypto';
import { principalToProto, type Principal } from '@portcullis/identity-client';
import { commonV1, eventsV1 } from '@portcullis/proto-gen';
import { refusal, tokenRefusalCode, type Refusal } from './refusal.js';
import type { Stages } from './stages.js';
import type { ApprovalsPort, Decision, EventsPort, IdentityPort, PolicyPort, RequestContext } from './ports.js';

/** The abort reason the gateway uses when it stops: held requests are refused, not forwarded. */
export const SHUTTING_DOWN = 'portcullis:shutting-down';

/** The protocol-neutral description of what a caller wants to do. */
export interface Target {
  readonly http?: { readonly method: string; readonly path: string };
}

export type Authentication = { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly refusal: Refusal };

export type Authorization =
  | { readonly ok: true; readonly decision: Decision; readonly holdId?: string }
  | { readonly ok: false; readonly refusal: Refusal; readonly holdId?: string };

export interface Completion {
  readonly outcome: 'forwarded' | 'denied' | 'failed';
  readonly status: number;
  readonly durationUs: number;
  readonly masked?: Readonly<Record<string, number>>;
  readonly responseBytes?: number;
  readonly refusal?: Refusal;
}

const OUTCOMES = {
  forwarded: eventsV1.Outcome.OUTCOME_FORWARDED,
  denied: eventsV1.Outcome.OUTCOME_DENIED,
  failed: eventsV1.Outcome.OUTCOME_FAILED,
} as const;

/**
 * The request path of ARCHITECTURE.md, independent of protocol: verify the caller, ask policy,
 * durably record RequestReceived and DecisionMade, hold for approval when required, and record the
 * completion. Nothing is allowed unless every step answered: any part that cannot answer denies.
 */
export class Gatekeeper {
  constructor(
    private readonly ports: { identity: IdentityPort; policy: PolicyPort; events: EventsPort; approvals: ApprovalsPort },
    private readonly source: string,
  ) {}

  newRequestId(): string {
    return randomUUID();
  }

  async authenticate(token: string | undefined): Promise<Authentication> {
    if (!token) return { ok: false, refusal: refusal('TOKEN_MISSING', 'a bearer token is required') };
    const outcome = await this.ports.identity.verify(token);
    if (outcome.ok) return { ok: true, principal: outcome.principal };
    return { ok: false, refusal: refusal(tokenRefusalCode(outcome.code), outcome.message) };
  }

  async authorize(requestId: string, connection: string, principal: Principal, target: Target, protocol: string, signal: AbortSignal, stages?: Stages): Promise<Authorization> {
    const context: RequestContext = {
      requestId,
      connection,
      principal: principalToProto(principal),
      target: targetToProto(target),
    };
    // RequestReceived goes to the bus before policy is asked, and DecisionMade right after the
    // answer; both are awaited before anything else happens to the request, so no request reaches
    // a target without both stored durably. One NATS connection keeps them in this order.
    const received = this.ports.events.record([this.event(requestId, connection, { $case: 'requestReceived', value: { principal: context.principal, protocol, target: context.target } })]);
    received.catch(() => undefined); // observed below; never an unhandled rejection
    const decided = await this.ports.policy.decide(context);
    stages?.lap('policy');
    if (!decided.ok) {
      await received.catch(() => undefined);
      return { ok: false, refusal: refusal('POLICY_UNAVAILABLE', decided.message, [], decided.detail) };
    }
    const decision = decided.decision;
    try {
      await Promise.all([received, this.ports.events.record([this.event(requestId, connection, { $case: 'decisionMade', value: { decision } })])]);
    } catch (err) {
      stages?.lap('record');
      return { ok: false, refusal: refusal('BUS_UNAVAILABLE', 'the event log is unavailable', [], (err as Error).message) };
    }
    stages?.lap('record');

    switch (decision.effect) {
      case commonV1.Effect.EFFECT_ALLOW:
        return { ok: true, decision };
      case commonV1.Effect.EFFECT_REQUIRE_APPROVAL:
        return this.holdForApproval(context, decision, signal, stages);
      default:
        return { ok: false, refusal: refusal('POLICY_DENIED', 'denied by policy', decision.reasons) };
    }
  }

  private async holdForApproval(context: RequestContext, decision: Decision, signal: AbortSignal, stages?: Stages): Promise<Authorization> {
    const result = await this.ports.approvals.hold(context, decision, signal);
    stages?.lap('approval');
    switch (result.status) {
      case 'approved':
        return { ok: true, decision, holdId: result.holdId };
      case 'denied':
        return { ok: false, holdId: result.holdId, refusal: refusal('APPROVAL_DENIED', `denied by ${result.approver}: ${result.reason}`, decision.reasons) };
      case 'expired':
        return { ok: false, holdId: result.holdId, refusal: refusal('APPROVAL_EXPIRED', 'nobody approved the request before its hold expired', decision.reasons) };
      case 'cancelled': {
        const holdId = result.holdId ? { holdId: result.holdId } : {};
        if (signal.reason === SHUTTING_DOWN) return { ok: false, ...holdId, refusal: refusal('GATEWAY_SHUTTING_DOWN', 'the gateway is shutting down; the held request was not forwarded', decision.reasons) };
        return { ok: false, ...holdId, refusal: refusal('CALLER_GONE', 'the caller went away while the request was held') };
      }
      case 'unavailable':
        return { ok: false, refusal: refusal('APPROVALS_UNAVAILABLE', result.message, decision.reasons, result.detail) };
    }
  }

  /**
   * A request refused before any decision (no or bad token, unknown connection, oversized body)
   * still leaves RequestReceived and RequestCompleted in the audit log, without delaying the answer.
   */
  recordRefusedCaller(requestId: string, connection: string, protocol: string, target: Target, principal: Principal | undefined, reason: Refusal, status: number, durationUs: number): void {
    this.ports.events.recordLater(
      this.event(requestId, connection, {
        $case: 'requestReceived',
        value: { principal: principal ? principalToProto(principal) : undefined, protocol, target: targetToProto(target) },
      }),
    );
    this.complete(requestId, connection, { outcome: 'denied', status, durationUs, refusal: reason });
  }

  /** Records the last event of a request without delaying the caller. */
  complete(requestId: string, connection: string, completion: Completion): void {
    this.ports.events.recordLater(
      this.event(requestId, connection, {
        $case: 'requestCompleted',
        value: {
          outcome: OUTCOMES[completion.outcome],
          status: completion.status,
          durationUs: BigInt(Math.max(0, Math.round(completion.durationUs))),
          masked: { ...(completion.masked ?? {}) },
          responseBytes: BigInt(completion.responseBytes ?? 0),
          errorCode: completion.refusal?.code ?? '',
          reasons: [...(completion.refusal?.reasons ?? [])],
        },
      }),
    );
  }

  /** An event envelope from this gateway: a fresh id (the JetStream message id and audit key). */
  private event(requestId: string, connection: string, body: NonNullable<eventsV1.Event['body']>): eventsV1.Event {
    return { id: randomUUID(), occurredAt: new Date(), requestId, connection, source: this.source, body };
  }
}

function targetToProto(target: Target): RequestContext['target'] {
  return target.http ? { $case: 'http', value: { method: target.http.method, path: target.http.path } } : undefined;
}
