import { describe, expect, it } from 'vitest';
import type { Principal } from '@portcullis/identity-client';
import { mcpTarget, targetDigest, type Target } from '@portcullis/request-model';
import type { RequestContext } from './context.js';
import type { Decision } from './decision.js';
import { holdDescribes, releaseSuffices, type HeldGrant, type HeldRequest } from './hold-check.js';

const principal: Principal = { subject: 'agent', clientId: 'agent', groups: ['agents'], issuer: 'https://idp', expiresAt: new Date(0), scopes: [], kind: 'machine', claimsJson: '{}' };
const decision: Decision = {
  effect: 'require_approval',
  reasons: ['rule:h'],
  message: 'Deletes wait for an approver.',
  maskingProfiles: [],
  approval: { approverGroups: ['approvers'], timeoutMs: 60_000, minApprovals: 1 },
  policyVersion: 'v',
  decidedBy: 'p',
  cacheable: true,
};
const http = (query: string): Target => ({ kind: 'http', method: 'DELETE', path: '/x', query, headers: [{ name: 'accept', value: '*/*' }] });
const sql: Target = { kind: 'sql', statement: 'delete from t where id = $1', parameters: [{ text: '1' }] };
const mcp = mcpTarget('tools/call', 'transfer', { amount: 5000, to: 'acct-1' });

const context = (target: Target): RequestContext => ({ requestId: 'r1', sessionId: 's1', connection: 'db', protocol: target.kind, principal, target });
const held = (target: Target | undefined, extra: Partial<HeldRequest> = {}): HeldRequest => ({
  id: 'h1',
  requestId: 'r1',
  sessionId: 's1',
  connection: 'db',
  requester: { issuer: 'https://idp', subject: 'agent' },
  target,
  approverGroups: ['approvers'],
  minApprovals: 1,
  createdAt: 0,
  expiresAt: 60_000,
  approvals: [],
  resolvedBy: '',
  ...extra,
});

describe('holdDescribes: a hold releases only the request it describes', () => {
  it('accepts the hold of exactly this request, for every kind of target', () => {
    for (const target of [sql, mcp, http('id=1')]) expect(holdDescribes(held(target), context(target), decision)).toBe(true);
  });

  it('refuses a hold approved for another query or other decision headers (DELETE /x?id=1 never releases ?id=2)', () => {
    expect(holdDescribes(held(http('id=1')), context(http('id=2')), decision)).toBe(false);
    expect(holdDescribes(held(http('id=1')), context(http('')), decision)).toBe(false);
    expect(holdDescribes(held(http('id=1')), context({ ...http('id=1'), headers: [] } as Target), decision)).toBe(false);
  });

  it('refuses a hold for the same tool with other arguments (compared canonically)', () => {
    expect(holdDescribes(held(mcpTarget('tools/call', 'transfer', { to: 'acct-1', amount: 5000 })), context(mcp), decision)).toBe(true);
    expect(holdDescribes(held(mcpTarget('tools/call', 'transfer', { amount: 50, to: 'acct-1' })), context(mcp), decision)).toBe(false);
    expect(holdDescribes(held(mcpTarget('tools/call', 'refund', { amount: 5000, to: 'acct-1' })), context(mcp), decision)).toBe(false);
  });

  it('refuses a hold for the same statement with other parameters, and NULL is not the text "null"', () => {
    expect(holdDescribes(held({ ...sql, parameters: [{ text: '2' }] }), context(sql), decision)).toBe(false);
    const withNull: Target = { ...sql, parameters: [null] };
    expect(holdDescribes(held({ ...sql, parameters: [{ text: 'null' }] }), context(withNull), decision)).toBe(false);
    expect(holdDescribes(held({ ...sql, statement: 'delete from t' }), context(sql), decision)).toBe(false);
  });

  it('refuses a hold of another protocol kind, or with no target at all', () => {
    expect(holdDescribes(held(http('')), context(mcp), decision)).toBe(false);
    expect(holdDescribes(held(sql), context(mcp), decision)).toBe(false);
    expect(holdDescribes(held(undefined), context(mcp), decision)).toBe(false);
  });

  it('refuses another request, session, connection or requester, other approvers, or a longer window', () => {
    for (const extra of [
      { requestId: 'r2' },
      { sessionId: 's2' },
      { connection: 'other' },
      { requester: { issuer: 'https://other', subject: 'agent' } },
      { requester: { issuer: 'https://idp', subject: 'someone' } },
      { approverGroups: ['approvers', 'everyone'] },
      { expiresAt: 3_600_000 },
    ]) {
      expect(holdDescribes(held(mcp, extra), context(mcp), decision)).toBe(false);
    }
  });
});

describe('holdDescribes: the quorum and the grant are part of the requirement', () => {
  const quorum: Decision = { ...decision, approval: { approverGroups: ['approvers'], timeoutMs: 60_000, minApprovals: 2, grantMs: 900_000 } };

  it('accepts a hold of as many approvers and the same grant', () => {
    expect(holdDescribes(held(mcp, { minApprovals: 2, grantMs: 900_000 }), context(mcp), quorum)).toBe(true);
  });

  it('refuses a hold needing fewer (or more) approvers, or with another grant or none', () => {
    for (const extra of [{ minApprovals: 1, grantMs: 900_000 }, { minApprovals: 0, grantMs: 900_000 }, { minApprovals: 3, grantMs: 900_000 }, { minApprovals: 2 }, { minApprovals: 2, grantMs: 3_600_000 }]) {
      expect(holdDescribes(held(mcp, extra), context(mcp), quorum)).toBe(false);
    }
    expect(holdDescribes(held(mcp, { grantMs: 900_000 }), context(mcp), decision)).toBe(false);
  });

  it('reads 0 approvers (an approvals service older than quorums) as one', () => {
    expect(holdDescribes(held(mcp, { minApprovals: 0 }), context(mcp), decision)).toBe(true);
  });
});

describe('releaseSuffices: an approved hold releases only with the approvals its decision requires', () => {
  const now = 100_000;
  const two: Decision = { ...decision, approval: { approverGroups: ['approvers'], timeoutMs: 60_000, minApprovals: 2, grantMs: 900_000 } };
  const alice = { issuer: 'https://idp', subject: 'alice' };
  const bob = { issuer: 'https://idp', subject: 'bob' };
  const approved = (extra: Partial<HeldRequest>) => held(mcp, { minApprovals: 2, grantMs: 900_000, ...extra });

  it('counts distinct approvers against the decision', () => {
    expect(releaseSuffices(approved({ approvals: [alice, bob], resolvedBy: 'bob' }), context(mcp), two, now)).toBe(true);
    expect(releaseSuffices(approved({ approvals: [alice], resolvedBy: 'alice' }), context(mcp), two, now)).toBe(false);
    expect(releaseSuffices(approved({ approvals: [alice, alice], resolvedBy: 'alice' }), context(mcp), two, now)).toBe(false);
  });

  it('refuses a release the requester took part in', () => {
    expect(releaseSuffices(approved({ approvals: [alice, { issuer: 'https://idp', subject: 'agent' }] }), context(mcp), two, now)).toBe(false);
  });

  it('takes an older approvals service’s resolved_by as the one approval it had', () => {
    expect(releaseSuffices(held(mcp, { resolvedBy: 'ops' }), context(mcp), decision, now)).toBe(true);
    expect(releaseSuffices(held(mcp, { resolvedBy: '' }), context(mcp), decision, now)).toBe(false);
    expect(releaseSuffices(held(mcp, { resolvedBy: 'agent' }), context(mcp), decision, now)).toBe(false);
  });

  const grant: HeldGrant = { id: 'g1', connection: 'db', requester: { issuer: 'https://idp', subject: 'agent' }, targetDigest: targetDigest(mcp), approvals: [alice, bob], expiresAt: now + 60_000 };

  it('accepts a release by a live grant for this requester, connection and target, backed by enough approvers', () => {
    expect(releaseSuffices(approved({ grantedBy: grant }), context(mcp), two, now)).toBe(true);
  });

  it.each<[string, Partial<HeldGrant>]>([
    ['another requester', { requester: { issuer: 'https://idp', subject: 'someone' } }],
    ['another issuer', { requester: { issuer: 'https://other', subject: 'agent' } }],
    ['another connection', { connection: 'other' }],
    ['another target', { targetDigest: targetDigest(sql) }],
    ['too few approvers', { approvals: [alice] }],
    ['an expired grant', { expiresAt: now - 1001 }],
  ])('refuses a grant for %s', (_, extra) => {
    expect(releaseSuffices(approved({ grantedBy: { ...grant, ...extra } }), context(mcp), two, now)).toBe(false);
  });

  it('refuses any grant when policy does not grant', () => {
    const noGrant: Decision = { ...decision, approval: { approverGroups: ['approvers'], timeoutMs: 60_000, minApprovals: 1 } };
    expect(releaseSuffices(held(mcp, { grantedBy: grant }), context(mcp), noGrant, now)).toBe(false);
  });
});
