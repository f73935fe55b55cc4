import { describe, expect, it } from 'vitest';
import type { Actor, Hold, NewHold } from './hold.js';
import { checkNewHold, checkResolution, isApprover, isHoldId, MAX_DENY_REASON_LENGTH } from './hold-rules.js';

const now = new Date('2026-01-01T12:00:00Z');
const hold: Hold = {
  id: '7d7f8a3e-1c1b-4b0a-9a57-0d4bb4c0e001',
  requestId: 'req-1',
  connection: 'demo-http',
  requester: { issuer: 'https://idp.test', subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'] },
  http: { method: 'POST', path: '/echo' },
  reasons: ['rule:agents-write'],
  approverGroups: ['approvers'],
  status: 'pending',
  createdAt: new Date(now.getTime() - 1000),
  expiresAt: new Date(now.getTime() + 60_000),
};
const approver: Actor = { issuer: 'https://idp.test', subject: 'demo-approver', groups: ['approvers'] };
const approve = { kind: 'approve' } as const;
const deny = (reason: string) => ({ kind: 'deny', reason }) as const;

describe('checkResolution: identity is issuer + subject', () => {
  it('refuses the requester (same issuer and subject), even when it is an approver', () => {
    const self: Actor = { issuer: 'https://idp.test', subject: 'demo-agent', groups: ['approvers'] };
    expect(checkResolution(hold, self, approve, now)?.code).toBe('SELF_APPROVAL');
  });

  it('treats a hold with an unknown requester issuer (recorded before issuers were) by subject alone', () => {
    const legacy = { ...hold, requester: { ...hold.requester, issuer: '' } };
    expect(checkResolution(legacy, { issuer: 'https://other-idp.test', subject: 'demo-agent', groups: ['approvers'] }, approve, now)?.code).toBe('SELF_APPROVAL');
  });

  it('does not confuse a same-named subject from another issuer with the requester', () => {
    const other: Actor = { issuer: 'https://other-idp.test', subject: 'demo-agent', groups: ['approvers'] };
    expect(checkResolution(hold, other, approve, now)).toBeUndefined();
  });
});

describe('checkResolution', () => {
  it('lets an approver approve or deny a pending hold', () => {
    expect(checkResolution(hold, approver, approve, now)).toBeUndefined();
    expect(checkResolution(hold, approver, deny('not today'), now)).toBeUndefined();
  });

  it('refuses someone outside every approver group', () => {
    const stranger = { issuer: 'https://idp.test', subject: 'someone', groups: ['other'] };
    expect(checkResolution(hold, stranger, approve, now)?.code).toBe('NOT_AN_APPROVER');
    expect(checkResolution(hold, stranger, deny('no'), now)?.code).toBe('NOT_AN_APPROVER');
    expect(checkResolution(hold, { subject: 'nobody', groups: [] }, approve, now)?.code).toBe('NOT_AN_APPROVER');
  });

  it('never lets the requester resolve its own request, even as an approver', () => {
    const requesterAsApprover = { issuer: 'https://idp.test', subject: 'demo-agent', groups: ['agents', 'approvers'] };
    expect(checkResolution(hold, requesterAsApprover, approve, now)?.code).toBe('SELF_APPROVAL');
    expect(checkResolution(hold, requesterAsApprover, deny('changed my mind'), now)?.code).toBe('SELF_APPROVAL');
  });

  it('tells a non-approver nothing about the hold state', () => {
    expect(checkResolution({ ...hold, status: 'approved' }, { subject: 'x', groups: [] }, approve, now)?.code).toBe('NOT_AN_APPROVER');
  });

  it.each(['approved', 'denied', 'expired'] as const)('refuses to resolve a %s hold again', (status) => {
    expect(checkResolution({ ...hold, status }, approver, approve, now)?.code).toBe('ALREADY_RESOLVED');
    expect(checkResolution({ ...hold, status }, approver, deny('late'), now)?.code).toBe('ALREADY_RESOLVED');
  });

  it('refuses to approve a pending hold past its expiry, at the instant of expiry too', () => {
    expect(checkResolution({ ...hold, expiresAt: new Date(now.getTime() - 1) }, approver, approve, now)?.code).toBe('EXPIRED');
    expect(checkResolution({ ...hold, expiresAt: now }, approver, approve, now)?.code).toBe('EXPIRED');
    expect(checkResolution({ ...hold, expiresAt: new Date(now.getTime() + 1) }, approver, approve, now)).toBeUndefined();
  });

  it('still lets an approver deny a pending hold past its expiry: the outcome is the same', () => {
    expect(checkResolution({ ...hold, expiresAt: new Date(now.getTime() - 1) }, approver, deny('too late anyway'), now)).toBeUndefined();
  });

  it('requires a non-blank denial reason of at most 500 characters', () => {
    expect(checkResolution(hold, approver, deny(''), now)?.code).toBe('REASON_REQUIRED');
    expect(checkResolution(hold, approver, deny('   '), now)?.code).toBe('REASON_REQUIRED');
    expect(checkResolution(hold, approver, deny('x'.repeat(MAX_DENY_REASON_LENGTH)), now)).toBeUndefined();
    expect(checkResolution(hold, approver, deny('x'.repeat(MAX_DENY_REASON_LENGTH + 1)), now)?.code).toBe('REASON_TOO_LONG');
  });
});

describe('isApprover', () => {
  it('matches any one of several approver groups', () => {
    const multi = { ...hold, approverGroups: ['approvers', 'oncall'] };
    expect(isApprover(multi, { subject: 'a', groups: ['oncall'] })).toBe(true);
    expect(isApprover(multi, { subject: 'a', groups: ['agents'] })).toBe(false);
  });
});

describe('isHoldId', () => {
  it('accepts UUIDs only', () => {
    expect(isHoldId(hold.id)).toBe(true);
    expect(isHoldId(hold.id.toUpperCase())).toBe(true);
    expect(isHoldId('')).toBe(false);
    expect(isHoldId('42')).toBe(false);
    expect(isHoldId(`${hold.id}'; drop table holds; --`)).toBe(false);
  });
});

describe('checkNewHold', () => {
  const draft: NewHold = {
    requestId: 'req-1',
    connection: 'demo-http',
    requester: { subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents', 'agents'] },
    reasons: ['rule:agents-write'],
    approverGroups: [' approvers ', 'approvers', ''],
    timeoutMs: 120_000,
  };

  it('accepts a valid hold and normalises its groups', () => {
    const result = checkNewHold(draft);
    expect(result.ok && result.value).toMatchObject({ approverGroups: ['approvers'], requester: { groups: ['agents'] } });
  });

  it('refuses what cannot be held, naming every problem', () => {
    const result = checkNewHold({ ...draft, requestId: 'a.b', connection: '', requester: { ...draft.requester, subject: '' }, approverGroups: [''], timeoutMs: 0 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.code).toBe('INVALID_HOLD');
    expect(result.failure.message.split('; ')).toHaveLength(5);
  });

  it('refuses a timeout beyond a week or not a number', () => {
    expect(checkNewHold({ ...draft, timeoutMs: 8 * 24 * 3600 * 1000 }).ok).toBe(false);
    expect(checkNewHold({ ...draft, timeoutMs: Number.NaN }).ok).toBe(false);
  });
});
