import { describe, expect, it } from 'vitest';
import { commonV1, policyV1 } from '@portcullis/proto-gen';
import type { RequestContext } from '../domain/context.js';
import type { Decision } from '../domain/decision.js';
import { contextToProto, decisionFromProto, decisionToProto } from './decision.mappers.js';

const context: RequestContext = {
  requestId: 'r1',
  sessionId: 's1',
  connection: 'demo-http',
  protocol: 'http',
  principal: {
    subject: 'demo-agent',
    clientId: 'demo-agent',
    groups: ['agents'],
    issuer: 'https://idp.test',
    expiresAt: new Date('2026-12-02T00:05:00Z'),
    scopes: ['orders:read', 'orders:write'],
    kind: 'machine',
    claimsJson: '{"sub":"demo-agent","tenant":"acme"}',
  },
  target: { kind: 'http', method: 'DELETE', path: '/orders', query: 'id=1', headers: [{ name: 'user-agent', value: 'bot/1' }] },
};

const held: Decision = {
  effect: 'require_approval',
  reasons: ['rule:deletes'],
  message: 'Deletes wait for two approvers.',
  maskingProfiles: [],
  approval: { approverGroups: ['approvers'], timeoutMs: 90_500, minApprovals: 2, grantMs: 600_000 },
  policyVersion: 'v1',
  decidedBy: 'policy-a',
  cacheable: true,
};

describe('decision mappers', () => {
  it('sends policy every fact: the principal’s scopes, kind and claims, the query and decision headers', () => {
    const wire = policyV1.DecideRequest.decode(policyV1.DecideRequest.encode({ context: contextToProto(context) }).finish());
    expect(wire.context).toMatchObject({
      principal: { subject: 'demo-agent', scopes: ['orders:read', 'orders:write'], kind: 'machine', claimsJson: '{"sub":"demo-agent","tenant":"acme"}' },
      target: { $case: 'http', value: { method: 'DELETE', path: '/orders', query: 'id=1', headers: [{ name: 'user-agent', value: 'bot/1' }] } },
    });
  });

  it('carries the message and the whole approval requirement to the wire and back', () => {
    const wire = commonV1.Decision.decode(commonV1.Decision.encode(decisionToProto(held)).finish());
    expect(wire).toMatchObject({ message: 'Deletes wait for two approvers.', approval: { minApprovals: 2, grant: { seconds: 600n, nanos: 0 }, timeout: { seconds: 90n, nanos: 500_000_000 } } });
    expect(decisionFromProto(wire)).toEqual(held);
  });

  it('reads a decision from a policy service older than quorums and grants: one approver, no grant, no message', () => {
    const older = decisionToProto({ ...held, message: '', approval: { approverGroups: ['approvers'], timeoutMs: 1000, minApprovals: 1 } });
    const wire = commonV1.Decision.decode(commonV1.Decision.encode({ ...older, approval: { ...older.approval!, minApprovals: 0 } }).finish());
    expect(decisionFromProto(wire)).toMatchObject({ message: '', approval: { approverGroups: ['approvers'], timeoutMs: 1000, minApprovals: 1 } });
    expect(decisionFromProto(wire).approval).not.toHaveProperty('grantMs');
  });
});
