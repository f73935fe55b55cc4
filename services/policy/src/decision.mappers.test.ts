import { describe, expect, it } from 'vitest';
import { commonV1, type policyV1 } from '@portcullis/proto-gen';
import { decisionToProto, factsFromProto, refusal } from './decision.mappers.js';

const context = (target: commonV1.RequestContext['target']): policyV1.DecideRequest => ({
  context: {
    requestId: 'r1',
    connection: 'warehouse',
    sessionId: 's1',
    principal: { subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'], issuer: 'https://idp.test', expiresAt: undefined, scopes: [], kind: 'machine', claimsJson: '{}' },
    target,
  },
});

describe('factsFromProto', () => {
  it('reads each kind of target into the domain union', () => {
    expect(factsFromProto(context({ $case: 'http', value: { method: 'GET', path: '/x', query: '', headers: [] } }))).toEqual({
      ok: true,
      facts: { connection: 'warehouse', principal: { subject: 'demo-agent', groups: ['agents'] }, target: { kind: 'http', method: 'GET', path: '/x', query: '', headers: [] } },
    });
    expect(factsFromProto(context({ $case: 'mcp', value: { method: 'tools/call', name: 'lookup', argumentsJson: '{"id":1}' } }))).toMatchObject({
      ok: true,
      facts: { target: { kind: 'mcp', method: 'tools/call', name: 'lookup', argumentsJson: '{"id":1}' } },
    });
    const parameters = [{ value: { $case: 'text' as const, value: '1' } }, { value: undefined }];
    expect(factsFromProto(context({ $case: 'sql', value: { statement: 'select $1, $2', parameters } }))).toMatchObject({
      ok: true,
      facts: { target: { kind: 'sql', statement: 'select $1, $2', parameters: [{ text: '1' }, null] } },
    });
  });

  it('refuses a context without a target rather than guessing one', () => {
    expect(factsFromProto(context(undefined))).toEqual({ ok: false, reason: 'error:missing-target' });
  });
});

describe('decision mappers', () => {
  it('carries whether the engine found the decision cacheable', () => {
    const decision = { effect: 'allow', reasons: ['rule:r'], maskingProfiles: [], policyVersion: 'v1' } as const;
    expect(decisionToProto({ ...decision, cacheable: true }, 'policy-a')).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, cacheable: true, decidedBy: 'policy-a' });
    expect(decisionToProto({ ...decision, cacheable: false }, 'policy-a').cacheable).toBe(false);
  });

  it('denies an unreadable request, saying why, and never lets it be cached', () => {
    expect(refusal('error:missing-target', 'v1', 'policy-a')).toEqual({
      effect: commonV1.Effect.EFFECT_DENY,
      reasons: ['error:missing-target'],
      message: '',
      maskingProfiles: [],
      approval: undefined,
      policyVersion: 'v1',
      decidedBy: 'policy-a',
      cacheable: false,
    });
  });
});
