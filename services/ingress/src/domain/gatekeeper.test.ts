import { describe, expect, it } from 'vitest';
import { commonV1, type eventsV1 } from '@portcullis/proto-gen';
import { Gatekeeper, SHUTTING_DOWN } from './gatekeeper.js';
import type { ApprovalsPort, Decision, EventsPort, HoldResult, IdentityPort, PolicyPort } from './ports.js';

const principal = { subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'], issuer: 'https://idp.test', expiresAt: new Date(Date.now() + 60_000) };
const decision = (effect: commonV1.Effect, extra: Partial<Decision> = {}): Decision => ({ effect, reasons: ['rule:r'], maskingProfiles: [], approval: undefined, policyVersion: 'v', decidedBy: 'policy-1', ...extra });
const target = { http: { method: 'GET', path: '/x' } };

/** Ports that record what the gatekeeper did; each can be told to fail. */
function setup(options: { decide?: PolicyPort['decide']; recordFails?: boolean; hold?: HoldResult } = {}) {
  const recorded: string[] = [];
  const identity: IdentityPort = { verify: async (token) => (token === 'good' ? { ok: true, principal } : { ok: false, code: 'TOKEN_EXPIRED', message: 'expired' }) };
  const policy: PolicyPort = { decide: options.decide ?? (async () => ({ ok: true, decision: decision(commonV1.Effect.EFFECT_ALLOW) })) };
  const events: EventsPort = {
    record: async (list: readonly eventsV1.Event[]) => {
      if (options.recordFails) throw new Error('nats: no stream');
      recorded.push(...list.map((e) => e.body!.$case));
    },
    recordLater: (e) => void recorded.push(e.body!.$case),
  };
  let held = 0;
  const approvals: ApprovalsPort = {
    hold: async () => {
      held++;
      return options.hold ?? { status: 'approved', holdId: 'h', approver: 'boss' };
    },
  };
  return { gatekeeper: new Gatekeeper({ identity, policy, events, approvals }, 'ingress:test'), recorded, held: () => held };
}

const authorize = (g: Gatekeeper, signal = new AbortController().signal) => g.authorize('req-1', 'demo-http', principal, target, 'http', signal);

describe('Gatekeeper', () => {
  it('authenticates with a typed refusal for missing and bad tokens', async () => {
    const { gatekeeper } = setup();
    expect(await gatekeeper.authenticate(undefined)).toMatchObject({ ok: false, refusal: { code: 'TOKEN_MISSING' } });
    expect(await gatekeeper.authenticate('bad')).toMatchObject({ ok: false, refusal: { code: 'TOKEN_EXPIRED' } });
    expect(await gatekeeper.authenticate('good')).toMatchObject({ ok: true, principal });
  });

  it('allows only after RequestReceived and DecisionMade are recorded, in that order', async () => {
    const { gatekeeper, recorded } = setup();
    expect(await authorize(gatekeeper)).toMatchObject({ ok: true });
    expect(recorded).toEqual(['requestReceived', 'decisionMade']);
  });

  it('refuses when the bus cannot record, even for an allow decision', async () => {
    const { gatekeeper } = setup({ recordFails: true });
    const result = await authorize(gatekeeper);
    expect(result).toMatchObject({ ok: false, refusal: { code: 'BUS_UNAVAILABLE', message: 'the event log is unavailable', detail: 'nats: no stream' } });
  });

  it('refuses when policy cannot answer, and has recorded that the request came', async () => {
    const { gatekeeper, recorded } = setup({ decide: async () => ({ ok: false, message: 'no policy service is running' }) });
    expect(await authorize(gatekeeper)).toMatchObject({ ok: false, refusal: { code: 'POLICY_UNAVAILABLE' } });
    expect(recorded).toEqual(['requestReceived']);
  });

  it.each([commonV1.Effect.EFFECT_DENY, commonV1.Effect.EFFECT_UNSPECIFIED, 99 as commonV1.Effect])('denies effect %s with the decision reasons', async (effect) => {
    const { gatekeeper } = setup({ decide: async () => ({ ok: true, decision: decision(effect) }) });
    expect(await authorize(gatekeeper)).toMatchObject({ ok: false, refusal: { code: 'POLICY_DENIED', reasons: ['rule:r'] } });
  });

  it.each<[HoldResult, string]>([
    [{ status: 'denied', holdId: 'h', approver: 'boss', reason: 'no' }, 'APPROVAL_DENIED'],
    [{ status: 'expired', holdId: 'h' }, 'APPROVAL_EXPIRED'],
    [{ status: 'unavailable', message: 'down' }, 'APPROVALS_UNAVAILABLE'],
    [{ status: 'cancelled', holdId: 'h' }, 'CALLER_GONE'],
  ])('turns a hold that ends %j into %s', async (hold, code) => {
    const { gatekeeper } = setup({ decide: async () => ({ ok: true, decision: decision(commonV1.Effect.EFFECT_REQUIRE_APPROVAL) }), hold });
    expect(await authorize(gatekeeper)).toMatchObject({ ok: false, refusal: { code } });
  });

  it('releases a hold cancelled by shutdown as GATEWAY_SHUTTING_DOWN', async () => {
    const { gatekeeper } = setup({ decide: async () => ({ ok: true, decision: decision(commonV1.Effect.EFFECT_REQUIRE_APPROVAL) }), hold: { status: 'cancelled', holdId: 'h' } });
    const stop = new AbortController();
    stop.abort(SHUTTING_DOWN);
    expect(await authorize(gatekeeper, stop.signal)).toMatchObject({ ok: false, refusal: { code: 'GATEWAY_SHUTTING_DOWN' } });
  });

  it('forwards an approved hold with the hold id', async () => {
    const { gatekeeper, held } = setup({ decide: async () => ({ ok: true, decision: decision(commonV1.Effect.EFFECT_REQUIRE_APPROVAL) }) });
    expect(await authorize(gatekeeper)).toMatchObject({ ok: true, holdId: 'h' });
    expect(held()).toBe(1);
  });

  it('records refused callers as RequestReceived then RequestCompleted', () => {
    const { gatekeeper, recorded } = setup();
    gatekeeper.recordRefusedCaller('req-2', 'demo-http', 'http', target, undefined, { code: 'TOKEN_MISSING', message: 'm', reasons: [] }, 401, 10);
    expect(recorded).toEqual(['requestReceived', 'requestCompleted']);
  });
});
