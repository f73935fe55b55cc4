import { describe, expect, it } from 'vitest';
import { mcpTarget, type Target } from '@portcullis/request-model';
import type { Actor, Hold, NewHold } from './hold.js';
import { checkNewHold, checkResolution, distinctApprovers, isApprover, isHoldId, MAX_DENY_REASON_LENGTH, MAX_GRANT_MS, MAX_MESSAGE_LENGTH, MAX_MIN_APPROVALS, quorumReached, sameRequest } from './hold-rules.js';

const now = new Date('2026-01-01T12:00:00Z');
const hold: Hold = {
  id: '7d7f8a3e-1c1b-4b0a-9a57-0d4bb4c0e001',
  requestId: 'req-1',
  connection: 'demo-http',
  requester: { issuer: 'https://idp.test', subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'] },
  target: { kind: 'http', method: 'POST', path: '/echo', query: '', headers: [] },
  sessionId: 'sess-1',
  reasons: ['rule:agents-write'],
  message: 'Writes wait for an approver.',
  approverGroups: ['approvers'],
  minApprovals: 1,
  approvals: [],
  status: 'pending',
  createdAt: new Date(now.getTime() - 1000),
  expiresAt: new Date(now.getTime() + 60_000),
};
const http = (method: string, path: string, extra: Partial<Extract<Target, { kind: 'http' }>> = {}): Target => ({ kind: 'http', method, path, query: '', headers: [], ...extra });
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
    expect(checkResolution(hold, { issuer: 'https://idp.test', subject: 'nobody', groups: [] }, approve, now)?.code).toBe('NOT_AN_APPROVER');
  });

  it('never lets the requester resolve its own request, even as an approver', () => {
    const requesterAsApprover = { issuer: 'https://idp.test', subject: 'demo-agent', groups: ['agents', 'approvers'] };
    expect(checkResolution(hold, requesterAsApprover, approve, now)?.code).toBe('SELF_APPROVAL');
    expect(checkResolution(hold, requesterAsApprover, deny('changed my mind'), now)?.code).toBe('SELF_APPROVAL');
  });

  it('tells a non-approver nothing about the hold state', () => {
    expect(checkResolution({ ...hold, status: 'approved' }, { issuer: 'https://idp.test', subject: 'x', groups: [] }, approve, now)?.code).toBe('NOT_AN_APPROVER');
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

describe('checkResolution with a quorum', () => {
  const quorum: Hold = { ...hold, minApprovals: 2 };
  const alice: Actor = { issuer: 'https://idp.test', subject: 'alice', groups: ['approvers'] };
  const approvedByAlice: Hold = { ...quorum, approvals: [{ issuer: 'https://idp.test', subject: 'alice', approvedAt: now }] };

  it('refuses the same approver twice, saying how far the quorum is', () => {
    expect(checkResolution(approvedByAlice, alice, approve, now)).toEqual({ code: 'ALREADY_APPROVED', message: 'alice already approved this hold (1 of 2); another approver must approve it' });
  });

  it('lets another approver approve, and a namesake from another issuer is another approver', () => {
    expect(checkResolution(approvedByAlice, approver, approve, now)).toBeUndefined();
    expect(checkResolution(approvedByAlice, { ...alice, issuer: 'https://other-idp.test' }, approve, now)).toBeUndefined();
  });

  it('counts an approval recorded without an issuer (before issuers were) as the subject from any issuer', () => {
    const legacy: Hold = { ...quorum, approvals: [{ issuer: '', subject: 'alice', approvedAt: now }] };
    expect(checkResolution(legacy, { ...alice, issuer: 'https://other-idp.test' }, approve, now)?.code).toBe('ALREADY_APPROVED');
  });

  it('still lets an approver who approved deny: one denial denies', () => {
    expect(checkResolution(approvedByAlice, alice, deny('changed my mind'), now)).toBeUndefined();
  });

  it('refuses the requester and non-approvers before saying anything about approvals', () => {
    const requester: Actor = { issuer: 'https://idp.test', subject: 'demo-agent', groups: ['approvers'] };
    expect(checkResolution(approvedByAlice, requester, approve, now)?.code).toBe('SELF_APPROVAL');
    expect(checkResolution(approvedByAlice, { ...alice, groups: [] }, approve, now)?.code).toBe('NOT_AN_APPROVER');
  });

  it('judges expiry before a repeated approval', () => {
    expect(checkResolution({ ...approvedByAlice, expiresAt: now }, alice, approve, now)?.code).toBe('EXPIRED');
  });
});

describe('quorumReached', () => {
  const a = { issuer: 'i', subject: 'a' };
  const b = { issuer: 'i', subject: 'b' };
  it('counts distinct approvers by issuer and subject', () => {
    expect(quorumReached({ minApprovals: 1 }, [a])).toBe(true);
    expect(quorumReached({ minApprovals: 2 }, [a])).toBe(false);
    expect(quorumReached({ minApprovals: 2 }, [a, a])).toBe(false);
    expect(quorumReached({ minApprovals: 2 }, [a, b])).toBe(true);
    expect(quorumReached({ minApprovals: 2 }, [a, { issuer: 'j', subject: 'a' }])).toBe(true);
    expect(distinctApprovers([a, b, a])).toBe(2);
  });
});

describe('isApprover', () => {
  it('matches any one of several approver groups', () => {
    const multi = { ...hold, approverGroups: ['approvers', 'oncall'] };
    expect(isApprover(multi, { issuer: 'https://idp.test', subject: 'a', groups: ['oncall'] })).toBe(true);
    expect(isApprover(multi, { issuer: 'https://idp.test', subject: 'a', groups: ['agents'] })).toBe(false);
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
    requester: { issuer: 'https://idp.test', subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents', 'agents'] },
    target: { kind: 'http', method: 'POST', path: '/echo', query: '', headers: [] },
    sessionId: 'sess-1',
    reasons: ['rule:agents-write'],
    message: 'Writes wait for an approver.',
    approverGroups: [' approvers ', 'approvers', ''],
    timeoutMs: 120_000,
    minApprovals: 1,
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

  it('accepts a quorum of 1 to 10 and a grant of up to 30 days', () => {
    expect(checkNewHold({ ...draft, minApprovals: MAX_MIN_APPROVALS, grantMs: MAX_GRANT_MS }).ok).toBe(true);
    expect(checkNewHold({ ...draft, minApprovals: 2, grantMs: 1 }).ok).toBe(true);
  });

  it.each([0, -1, 1.5, MAX_MIN_APPROVALS + 1, Number.NaN])('refuses %s approvers', (minApprovals) => {
    expect(checkNewHold({ ...draft, minApprovals })).toEqual({ ok: false, failure: { code: 'INVALID_HOLD', message: `min approvals must be an integer in [1, ${MAX_MIN_APPROVALS}]` } });
  });

  it.each([0, -5, 0.5, MAX_GRANT_MS + 1, Number.POSITIVE_INFINITY])('refuses a grant of %s ms', (grantMs) => {
    expect(checkNewHold({ ...draft, grantMs })).toEqual({ ok: false, failure: { code: 'INVALID_HOLD', message: `grant must be a whole number of ms in (0, ${MAX_GRANT_MS}]` } });
  });

  it('refuses a grant for a requester without an issuer: it would cover namesakes of other issuers', () => {
    const result = checkNewHold({ ...draft, requester: { ...draft.requester, issuer: '' }, grantMs: 60_000 });
    expect(result).toEqual({ ok: false, failure: { code: 'INVALID_HOLD', message: 'a hold whose release issues a grant needs the requester issuer' } });
    expect(checkNewHold({ ...draft, requester: { ...draft.requester, issuer: '' } }).ok).toBe(true);
  });

  it('refuses a timeout beyond a week or not a number', () => {
    expect(checkNewHold({ ...draft, timeoutMs: 8 * 24 * 3600 * 1000 }).ok).toBe(false);
    expect(checkNewHold({ ...draft, timeoutMs: Number.NaN }).ok).toBe(false);
  });

  const refusal = (target: unknown) => {
    const result = checkNewHold({ ...draft, target: target as Target });
    return result.ok ? undefined : result.failure;
  };

  it('refuses a hold without a target, or of a kind it does not know: it would release any request', () => {
    expect(refusal(undefined)).toEqual({ code: 'INVALID_HOLD', message: 'target (http, mcp or sql) is required: a hold without one would release any request' });
    expect(refusal(null)?.code).toBe('INVALID_HOLD');
    expect(refusal({ kind: 'grpc', method: 'x' })?.code).toBe('INVALID_HOLD');
  });

  it('refuses a target that names nothing', () => {
    expect(refusal(http('', '/x'))?.message).toBe('http target needs a method and a path');
    expect(refusal(http('GET', ''))?.code).toBe('INVALID_HOLD');
    expect(refusal({ kind: 'mcp', method: '', name: 'x', argumentsJson: '' })?.message).toBe('mcp target needs a method');
    expect(refusal({ kind: 'sql', statement: ' \n', parameters: [] })?.message).toBe('sql target needs a statement');
  });

  it('accepts MCP arguments only as canonical JSON, so equal arguments always compare equal', () => {
    expect(refusal(mcpTarget('tools/call', 'refund', { order: 42, amount: { value: 10, currency: 'EUR' } }))).toBeUndefined();
    expect(refusal(mcpTarget('tools/list', '', undefined))).toBeUndefined();
    for (const argumentsJson of ['{"order":42,"amount":1}', '{ "amount": 1 }', '{"a":1', 'null ']) {
      expect(refusal({ kind: 'mcp', method: 'tools/call', name: 'refund', argumentsJson })?.message).toBe('mcp arguments must be canonical JSON (RFC 8785)');
    }
  });

  it('refuses what PostgreSQL would reject or silently alter (NUL, an unpaired surrogate)', () => {
    expect(refusal(mcpTarget('tools/call', 'ref\0und', {}))?.message).toBe('target must not contain NUL characters or unpaired surrogates');
    expect(refusal(http('GET', '/\ud800'))?.code).toBe('INVALID_HOLD');
    expect(refusal({ kind: 'sql', statement: 'select $1', parameters: [{ text: 'a\0b' }] })?.code).toBe('INVALID_HOLD');
    // Bytes are bytes: a binary parameter may hold anything.
    expect(refusal({ kind: 'sql', statement: 'select $1, $2', parameters: [{ binary: new Uint8Array([0, 0xd8]) }, null] })).toBeUndefined();
    expect(refusal(http('GET', '/caf\u00e9/😀'))).toBeUndefined();
    expect(refusal(http('GET', '/x', { query: 'a=\0' }))?.code).toBe('INVALID_HOLD');
    expect(refusal(http('GET', '/x', { headers: [{ name: 'x-a', value: '\ud800' }] }))?.code).toBe('INVALID_HOLD');
  });

  it('refuses a message PostgreSQL cannot store, or longer than a sentence needs', () => {
    expect(checkNewHold({ ...draft, message: 'a\0b' })).toMatchObject({ ok: false, failure: { message: 'message must not contain NUL characters or unpaired surrogates' } });
    expect(checkNewHold({ ...draft, message: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) })).toMatchObject({ ok: false, failure: { message: `message must be at most ${MAX_MESSAGE_LENGTH} characters` } });
    expect(checkNewHold({ ...draft, message: '' }).ok).toBe(true);
  });
});

describe('sameRequest: CreateHold is idempotent for the same request only', () => {
  const draftOf = (target: Target, overrides: Partial<NewHold> = {}): NewHold => ({
    requestId: hold.requestId,
    connection: hold.connection,
    requester: hold.requester,
    target,
    sessionId: hold.sessionId,
    reasons: hold.reasons,
    message: hold.message,
    approverGroups: hold.approverGroups,
    timeoutMs: 60_000,
    minApprovals: 1,
    ...overrides,
  });
  const holdOf = (target: Target): Hold => ({ ...hold, target });
  const same = (held: Target, asked: Target) => sameRequest(holdOf(held), draftOf(asked));

  const refund = (args: unknown) => mcpTarget('tools/call', 'refund', args);
  const select = (...parameters: ({ text: string } | { binary: Uint8Array } | null)[]): Target => ({ kind: 'sql', statement: 'select * from orders where id = $1', parameters });

  it('is the same request for an identical target of each kind', () => {
    expect(same(http('POST', '/echo'), http('POST', '/echo'))).toBe(true);
    expect(same(refund({ order: 42 }), refund({ order: 42 }))).toBe(true);
    expect(same(select({ text: '42' }, null, { binary: new Uint8Array([1, 2]) }), select({ text: '42' }, null, { binary: new Uint8Array([1, 2]) }))).toBe(true);
  });

  it('HTTP: another method or path is another request', () => {
    expect(same(http('POST', '/echo'), http('POST', '/echo/'))).toBe(false);
    expect(same(http('POST', '/echo'), http('PUT', '/echo'))).toBe(false);
  });

  it('HTTP: another query or other decision headers is another request', () => {
    const accept = { name: 'accept', value: '*/*' };
    expect(same(http('DELETE', '/x', { query: 'id=1', headers: [accept] }), http('DELETE', '/x', { query: 'id=1', headers: [accept] }))).toBe(true);
    expect(same(http('DELETE', '/x', { query: 'id=1' }), http('DELETE', '/x', { query: 'id=2' }))).toBe(false);
    expect(same(http('DELETE', '/x', { headers: [accept] }), http('DELETE', '/x'))).toBe(false);
  });

  it('MCP: the same tool with other arguments is another request', () => {
    expect(same(refund({ order: 42, amount: 10 }), refund({ order: 42, amount: 10_000 }))).toBe(false);
    expect(same(refund({ order: 42 }), refund(undefined))).toBe(false);
    expect(same(refund({ order: 42 }), mcpTarget('tools/call', 'refund-all', { order: 42 }))).toBe(false);
    expect(same(refund({ order: 42 }), mcpTarget('prompts/get', 'refund', { order: 42 }))).toBe(false);
  });

  it('MCP: the key order of the arguments does not matter, their canonical JSON is compared', () => {
    expect(same(refund({ order: 42, amount: { value: 10, currency: 'EUR' } }), refund(JSON.parse('{"amount":{"currency":"EUR","value":10},"order":42}')))).toBe(true);
  });

  it('SQL: the same statement with other parameters is another request', () => {
    expect(same(select({ text: '42' }), select({ text: '43' }))).toBe(false);
    expect(same(select({ text: '42' }), select({ text: '42' }, { text: '' }))).toBe(false);
    expect(same(select({ binary: new Uint8Array([1]) }), select({ binary: new Uint8Array([2]) }))).toBe(false);
    expect(same(select({ text: '42' }), { kind: 'sql', statement: 'select * from orders where id = $1 ', parameters: [{ text: '42' }] })).toBe(false);
  });

  it('SQL: NULL, the text "null", the empty text and the same bytes as binary all differ', () => {
    expect(same(select(null), select({ text: 'null' }))).toBe(false);
    expect(same(select(null), select({ text: '' }))).toBe(false);
    expect(same(select({ text: 'ab' }), select({ binary: new TextEncoder().encode('ab') }))).toBe(false);
  });

  it('a target of another kind is never the same request', () => {
    expect(same(http('tools/call', 'refund'), mcpTarget('tools/call', 'refund', undefined))).toBe(false);
    expect(same(select(), http('POST', '/echo'))).toBe(false);
  });

  it('a hold read without a target matches nothing, not even a draft without one', () => {
    expect(sameRequest({ ...hold, target: undefined as unknown as Target }, draftOf(undefined as unknown as Target))).toBe(false);
  });

  it.each([
    ['request id', { requestId: 'req-2' }],
    ['connection', { connection: 'other' }],
    ['requester issuer', { requester: { ...hold.requester, issuer: 'https://other-idp.test' } }],
    ['requester subject', { requester: { ...hold.requester, subject: 'someone' } }],
    ['session', { sessionId: 'sess-2' }],
    ['approver groups', { approverGroups: ['approvers', 'friends'] }],
    ['reasons', { reasons: ['rule:other'] }],
    ['number of approvers', { minApprovals: 2 }],
    ['grant', { grantMs: 60_000 }],
  ] as const)('another %s is another request', (_, overrides) => {
    expect(sameRequest(hold, draftOf(hold.target, overrides))).toBe(false);
  });

  it('compares groups and reasons as sets', () => {
    expect(sameRequest({ ...hold, approverGroups: ['a', 'b'] }, draftOf(hold.target, { approverGroups: ['b', 'a', 'a'] }))).toBe(true);
  });
});
