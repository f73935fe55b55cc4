import { describe, expect, it } from 'vitest';
import { mcpTarget, targetDigest, type Target } from '@portcullis/request-model';
import type { Actor, Grant, NewHold } from './hold.js';
import { checkRevocation, grantCovers, isLive } from './grant-rules.js';

const now = new Date('2026-01-01T12:00:00Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);
const refund = mcpTarget('tools/call', 'refund', { order: 42, amount: 10 });
const alice = { issuer: 'https://idp.test', subject: 'alice', approvedAt: at(-60_000) };
const bob = { issuer: 'https://idp.test', subject: 'bob', approvedAt: at(-59_000) };

/** Issued a minute ago for 15 minutes, after alice and bob approved. */
const grant: Grant = {
  id: '6a1f7a3e-1c1b-4b0a-9a57-0d4bb4c0e002',
  holdId: '7d7f8a3e-1c1b-4b0a-9a57-0d4bb4c0e001',
  requestId: 'req-0',
  connection: 'payments',
  requester: { issuer: 'https://idp.test', subject: 'agent', clientId: 'agent' },
  targetDigest: targetDigest(refund),
  target: refund,
  approverGroups: ['finance', 'ops'],
  reasons: ['rule:refunds'],
  approvals: [alice, bob],
  issuedAt: at(-60_000),
  expiresAt: at(14 * 60_000),
};

const draft: NewHold = {
  requestId: 'req-1',
  connection: 'payments',
  requester: { issuer: 'https://idp.test', subject: 'agent', clientId: 'agent', groups: ['agents'] },
  target: mcpTarget('tools/call', 'refund', { amount: 10, order: 42 }),
  sessionId: 'sess-9',
  reasons: ['rule:refunds'],
  message: 'Refunds need two approvers.',
  approverGroups: ['ops', 'finance'],
  timeoutMs: 60_000,
  minApprovals: 2,
  grantMs: 15 * 60_000,
};

describe('grantCovers: a grant releases only the very request of the very requester it was issued for', () => {
  it('covers the same requester, connection and target (arguments compared canonically), in another session', () => {
    expect(grantCovers(grant, draft, now)).toBe(true);
  });

  it.each<[string, Partial<NewHold>]>([
    ['other arguments', { target: mcpTarget('tools/call', 'refund', { order: 42, amount: 10_000 }) }],
    ['another tool', { target: mcpTarget('tools/call', 'refund-all', { order: 42, amount: 10 }) }],
    ['another protocol', { target: { kind: 'http', method: 'POST', path: '/refund', query: '', headers: [] } as Target }],
    ['another connection', { connection: 'payments-eu' }],
    ['another subject', { requester: { ...draft.requester, subject: 'other-agent' } }],
    ['the same subject from another issuer', { requester: { ...draft.requester, issuer: 'https://other-idp.test' } }],
    ['the same subject through another client', { requester: { ...draft.requester, clientId: 'other-client' } }],
  ])('does not cover %s', (_, overrides) => {
    expect(grantCovers(grant, { ...draft, ...overrides }, now)).toBe(false);
  });

  it('does not cover a requirement it did not meet: other approver groups or reasons, or more approvers', () => {
    expect(grantCovers(grant, { ...draft, approverGroups: ['ops'] }, now)).toBe(false);
    expect(grantCovers(grant, { ...draft, reasons: ['rule:refunds', 'rule:big-refunds'] }, now)).toBe(false);
    expect(grantCovers(grant, { ...draft, minApprovals: 3 }, now)).toBe(false);
    expect(grantCovers(grant, { ...draft, minApprovals: 1 }, now)).toBe(true);
  });

  it('counts distinct approvers behind the grant, not approvals', () => {
    expect(grantCovers({ ...grant, approvals: [alice, { ...alice, approvedAt: now }] }, draft, now)).toBe(false);
  });

  it('applies only while policy still grants, and for no longer than it grants now', () => {
    const { grantMs: _, ...withoutGrant } = draft;
    expect(grantCovers(grant, withoutGrant, now)).toBe(false);
    // Issued a minute ago: a policy that now grants 30 s no longer covers it; 61 s still does.
    expect(grantCovers(grant, { ...draft, grantMs: 30_000 }, now)).toBe(false);
    expect(grantCovers(grant, { ...draft, grantMs: 61_000 }, now)).toBe(true);
  });

  it('never applies once expired (at the instant of expiry too) or revoked', () => {
    expect(grantCovers(grant, draft, at(14 * 60_000 - 1))).toBe(true);
    expect(grantCovers(grant, draft, grant.expiresAt)).toBe(false);
    expect(grantCovers(grant, draft, at(20 * 60_000))).toBe(false);
    expect(grantCovers({ ...grant, revokedAt: at(-1), revokedBy: 'bob', revocationReason: 'done' }, draft, now)).toBe(false);
  });

  it('never applies a grant without a requester issuer, or one its own requester approved', () => {
    expect(grantCovers({ ...grant, requester: { issuer: '', subject: 'agent', clientId: 'agent' } }, { ...draft, requester: { ...draft.requester, issuer: '' } }, now)).toBe(false);
    expect(grantCovers({ ...grant, approvals: [alice, { issuer: 'https://idp.test', subject: 'agent', approvedAt: now }] }, draft, now)).toBe(false);
  });

  it('never applies a grant whose digest is not its target’s', () => {
    expect(grantCovers({ ...grant, targetDigest: targetDigest(mcpTarget('tools/call', 'refund', { order: 43 })) }, draft, now)).toBe(false);
  });
});

describe('isLive', () => {
  it('is live until it expires or is revoked', () => {
    expect(isLive(grant, now)).toBe(true);
    expect(isLive(grant, grant.expiresAt)).toBe(false);
    expect(isLive({ ...grant, revokedAt: now }, now)).toBe(false);
  });
});

describe('checkRevocation', () => {
  const ops: Actor = { issuer: 'https://idp.test', subject: 'carol', groups: ['ops'] };

  it('lets an approver of the grant revoke a live grant with a reason', () => {
    expect(checkRevocation(grant, ops, 'incident over', now)).toBeUndefined();
  });

  it('requires a reason, then an approver, then a live grant', () => {
    expect(checkRevocation(grant, ops, ' ', now)?.code).toBe('REASON_REQUIRED');
    expect(checkRevocation({ ...grant, revokedAt: now }, { ...ops, groups: ['agents'] }, 'x', now)?.code).toBe('NOT_AN_APPROVER');
    expect(checkRevocation({ ...grant, revokedAt: at(-1), revokedBy: 'bob' }, ops, 'x', now)).toEqual({ code: 'GRANT_INACTIVE', message: 'grant was already revoked by bob' });
    expect(checkRevocation(grant, ops, 'x', grant.expiresAt)).toEqual({ code: 'GRANT_INACTIVE', message: 'grant has already expired' });
  });
});
