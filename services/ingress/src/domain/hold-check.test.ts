import { describe, expect, it } from 'vitest';
import type { Principal } from '@portcullis/identity-client';
import { mcpTarget, type Target } from '@portcullis/request-model';
import type { RequestContext } from './context.js';
import type { Decision } from './decision.js';
import { holdDescribes, type HeldRequest } from './hold-check.js';

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
  createdAt: 0,
  expiresAt: 60_000,
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
