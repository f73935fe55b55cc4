import { describe, expect, it } from 'vitest';
import type { CompiledPolicy, Decision } from '@portcullis/policy-language';
import { commonV1 } from '@portcullis/proto-gen';
import { ActivePolicy } from './domain/index.js';
import { decideRequest, decisionToProto, factsFromProto, refusal } from './decision.mappers.js';

const NOW = new Date('2026-12-10T12:00:00Z');

const context = (target: commonV1.RequestContext['target']): commonV1.RequestContext => ({
  requestId: 'r1',
  connection: 'warehouse',
  sessionId: 's1',
  principal: { subject: 'demo-agent', clientId: 'demo-client', groups: ['agents'], issuer: 'https://idp.test', expiresAt: undefined, scopes: ['read'], kind: 'machine', claimsJson: '{"tenant":"acme"}' },
  target,
});

describe('factsFromProto', () => {
  it('reads each kind of target into the domain union, with the principal and the time', () => {
    expect(factsFromProto(context({ $case: 'http', value: { method: 'GET', path: '/x', query: 'a=1', headers: [{ name: 'accept', value: 'text/csv' }] } }), NOW)).toEqual({
      ok: true,
      facts: {
        connection: 'warehouse',
        principal: { subject: 'demo-agent', clientId: 'demo-client', issuer: 'https://idp.test', kind: 'machine', groups: ['agents'], scopes: ['read'], claims: { tenant: 'acme' } },
        target: { kind: 'http', method: 'GET', path: '/x', query: 'a=1', headers: [{ name: 'accept', value: 'text/csv' }] },
        now: NOW,
      },
    });
    expect(factsFromProto(context({ $case: 'mcp', value: { method: 'tools/call', name: 'lookup', argumentsJson: '{"id":1}' } }), NOW)).toMatchObject({
      ok: true,
      facts: { target: { kind: 'mcp', method: 'tools/call', name: 'lookup', argumentsJson: '{"id":1}' } },
    });
    const parameters = [{ value: { $case: 'text' as const, value: '1' } }, { value: undefined }];
    expect(factsFromProto(context({ $case: 'sql', value: { statement: 'select $1, $2', parameters } }), NOW)).toMatchObject({
      ok: true,
      facts: { target: { kind: 'sql', statement: 'select $1, $2', parameters: [{ text: '1' }, null] } },
    });
  });

  it('refuses a context without what a decision needs rather than guessing', () => {
    const http = { $case: 'http' as const, value: { method: 'GET', path: '/x', query: '', headers: [] } };
    expect(factsFromProto(undefined, NOW)).toEqual({ ok: false, reason: 'error:missing-context' });
    expect(factsFromProto({ ...context(http), connection: '' }, NOW)).toEqual({ ok: false, reason: 'error:missing-connection' });
    expect(factsFromProto({ ...context(http), principal: undefined }, NOW)).toEqual({ ok: false, reason: 'error:missing-principal' });
    expect(factsFromProto(context(undefined), NOW)).toEqual({ ok: false, reason: 'error:missing-target' });
    for (const claimsJson of ['[1]', 'null', '{nope']) {
      expect(factsFromProto({ ...context(http), principal: { ...context(http).principal!, claimsJson } }, NOW)).toEqual({ ok: false, reason: 'error:malformed-request' });
    }
    expect(factsFromProto({ ...context(http), principal: { ...context(http).principal!, claimsJson: '' } }, NOW)).toMatchObject({ ok: true, facts: { principal: { claims: {} } } });
  });
});

describe('decision mappers', () => {
  const decision: Decision = { effect: 'require_approval', reasons: ['rule:r'], message: 'needs approval', maskingProfiles: ['pii'], approval: { approverGroups: ['leads'], minApprovals: 2, timeoutMs: 90_500, grantMs: 600_000 }, cacheable: true };

  it('carries the version, the instance, the message, the approval and whether the decision may be cached', () => {
    expect(decisionToProto(decision, '7', 'policy-a')).toEqual({
      effect: commonV1.Effect.EFFECT_REQUIRE_APPROVAL,
      reasons: ['rule:r'],
      message: 'needs approval',
      maskingProfiles: ['pii'],
      approval: { approverGroups: ['leads'], timeout: { seconds: 90n, nanos: 500_000_000 }, minApprovals: 2, grant: { seconds: 600n, nanos: 0 } },
      policyVersion: '7',
      decidedBy: 'policy-a',
      cacheable: true,
    });
    expect(decisionToProto({ ...decision, cacheable: false }, '7', 'policy-a').cacheable).toBe(false);
  });

  it('denies an unreadable request, saying why, and never lets it be cached', () => {
    expect(refusal('error:missing-target', '7', 'policy-a')).toEqual({
      effect: commonV1.Effect.EFFECT_DENY,
      reasons: ['error:missing-target'],
      message: 'denied: the decision request says nothing about what is asked',
      maskingProfiles: [],
      approval: undefined,
      policyVersion: '7',
      decidedBy: 'policy-a',
      cacheable: false,
    });
  });

  it('decides with the policy in force and names its version', () => {
    const seen: string[] = [];
    const policy = (answer: Decision): CompiledPolicy => ({ digest: 'd', ruleCount: 1, decide: (facts) => (seen.push(facts.connection), answer), explain: () => ({ decision: answer, rules: [] }) });
    const active = new ActivePolicy();
    active.offer({ version: 3, digest: 'a', compiled: policy({ ...decision, effect: 'allow' }) });
    const request = { context: context({ $case: 'http', value: { method: 'GET', path: '/x', query: '', headers: [] } }) };
    expect(decideRequest(active, request, 'policy-a', NOW)).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, policyVersion: '3' });
    active.offer({ version: 4, digest: 'b', compiled: policy({ ...decision, effect: 'deny', approval: undefined }) });
    expect(decideRequest(active, request, 'policy-a', NOW)).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, policyVersion: '4' });
    expect(decideRequest(active, { context: undefined }, 'policy-a', NOW)).toMatchObject({ reasons: ['error:missing-context'], policyVersion: '4' });
    expect(seen).toEqual(['warehouse', 'warehouse']);
  });
});
