import { approvalsV1, auditV1 } from '@portcullis/proto-gen';
import { describe, expect, it } from 'vitest';
import {
  approvalsLabel,
  formatEventsTable,
  formatGrantsTable,
  formatHoldsTable,
  formatMicros,
  formatRemaining,
  formatResolvedHold,
  formatRevokedGrant,
  formatTable,
  formatVerify,
  grantsJson,
  holdsJson,
  recordsJson,
  requesterLabel,
  summarizeEvent,
  verifyJson,
} from './format.js';

const NOW = new Date('2025-06-01T12:00:00.000Z');
const { HoldStatus } = approvalsV1;

function hold(overrides: Partial<approvalsV1.Hold> = {}): approvalsV1.Hold {
  return {
    ...approvalsV1.Hold.fromPartial({}),
    id: 'h-1',
    requestId: 'req-1',
    connection: 'orders-api',
    requester: { subject: 'svc-reporting', clientId: 'svc-reporting', groups: [], issuer: 'http://idp', expiresAt: undefined },
    target: { $case: 'http', value: { method: 'DELETE', path: '/orders/42', query: '', headers: [] } },
    reasons: ['rule:deletes-need-approval'],
    status: HoldStatus.HOLD_STATUS_PENDING,
    expiresAt: new Date(NOW.getTime() + 4 * 60_000 + 5_000),
    minApprovals: 1,
    ...overrides,
  };
}

const approval = (subject: string): approvalsV1.Approval => ({ issuer: 'http://idp', subject, approvedAt: NOW });

function grant(overrides: Partial<approvalsV1.Grant> = {}): approvalsV1.Grant {
  return {
    ...approvalsV1.Grant.fromPartial({}),
    id: 'g-1',
    holdId: 'h-0',
    requestId: 'req-0',
    connection: 'orders-api',
    requesterIssuer: 'http://idp',
    requesterSubject: 'svc-reporting',
    target: { $case: 'http', value: { method: 'DELETE', path: '/orders/42', query: '', headers: [] } },
    approverGroups: ['sre'],
    approvals: [approval('alice'), approval('bob')],
    issuedAt: new Date(NOW.getTime() - 60_000),
    expiresAt: new Date(NOW.getTime() + 14 * 60_000),
    ...overrides,
  };
}

function record(seq: bigint, type: string, event: object): auditV1.AuditRecord {
  return {
    ...auditV1.AuditRecord.fromPartial({}),
    seq,
    type,
    requestId: 'req-1',
    source: 'ingress-1',
    occurredAt: new Date(NOW.getTime() + Number(seq)),
    eventJson: JSON.stringify({ id: `e${seq}`, requestId: 'req-1', ...event }),
  };
}

describe('formatRemaining', () => {
  it.each([
    [-1, 'expired'],
    [0, 'expired'],
    [999, '0s'],
    [42_000, '42s'],
    [4 * 60_000 + 5_000, '4m 05s'],
    [2 * 3_600_000 + 7 * 60_000, '2h 07m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d 4h'],
  ])('%d ms → %s', (ms, text) => expect(formatRemaining(ms)).toBe(text));
});

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    expect(formatTable(['A', 'BB'], [['long', 'x'], ['s', 'yyyy']])).toBe('A     BB\nlong  x\ns     yyyy');
  });
});

describe('holds', () => {
  it('lists pending holds with requester, target, reasons and time left', () => {
    const text = formatHoldsTable([hold()], NOW, { withStatus: false });
    const [header, row] = text.split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['ID', 'REQUESTED BY', 'CONNECTION', 'TARGET', 'REASONS', 'APPROVALS', 'EXPIRES IN']);
    expect(row?.split(/\s{2,}/)).toEqual(['h-1', 'svc-reporting', 'orders-api', 'http DELETE /orders/42', 'rule:deletes-need-approval', '0/1', '4m 05s']);
    expect(text.split('\n')).toHaveLength(2); // an HTTP target is all in its line
  });

  it('summarises MCP and SQL targets in the table and shows them in full below it', () => {
    const mcp = hold({ id: 'h-2', target: { $case: 'mcp', value: { method: 'tools/call', name: 'refund', argumentsJson: '{"amount":10,"order":42}' } } });
    const sql = hold({
      id: 'h-3',
      target: {
        $case: 'sql',
        value: { statement: 'update orders\n   set note = $1, blob = $2, gone = $3\n where id = 42 and status = \'open\'', parameters: [{ value: { $case: 'text', value: 'null' } }, { value: { $case: 'binary', value: Buffer.from([0, 1, 255]) } }, { value: undefined }] },
      },
    });
    const [, ...lines] = formatHoldsTable([hold(), mcp, sql], NOW, { withStatus: false }).split('\n');
    expect(lines.slice(0, 3).map((l) => l.split(/\s{2,}/)[3])).toEqual(['http DELETE /orders/42', 'mcp tools/call refund', 'sql update orders set note = $1, blob = $2, gone = $3 where…']);
    expect(lines.slice(3)).toEqual([
      '',
      'hold h-2',
      '  method     tools/call',
      '  name       refund',
      '  arguments  {"amount":10,"order":42}',
      'hold h-3',
      '  statement  update orders',
      '                set note = $1, blob = $2, gone = $3',
      "              where id = 42 and status = 'open'",
      '  $1         "null"',
      '  $2         3 bytes: 0001ff',
      '  $3         NULL',
    ]);
  });

  it('shows "-" for a hold without a target (never invents one)', () => {
    const text = formatHoldsTable([hold({ target: undefined })], NOW, { withStatus: false });
    expect(text.split('\n')[1]?.split(/\s{2,}/)[3]).toBe('-');
    expect(formatResolvedHold(hold({ target: undefined, status: HoldStatus.HOLD_STATUS_APPROVED }))).toBe('hold h-1 approved (request req-1)');
  });

  it('adds a status column with --all and leaves time left empty for resolved holds', () => {
    const text = formatHoldsTable([hold({ status: HoldStatus.HOLD_STATUS_DENIED })], NOW, { withStatus: true });
    expect(text.split('\n')[1]?.split(/\s{2,}/).slice(-2)).toEqual(['denied', '-']);
  });

  it('shows k/n approvals and who approved, and "grant" for a hold a grant released', () => {
    const text = formatHoldsTable([hold({ minApprovals: 3, approvals: [approval('alice'), approval('bob')] })], NOW, { withStatus: false });
    expect(text.split('\n')[1]?.split(/\s{2,}/)[5]).toBe('2/3 (alice, bob)');
    expect(approvalsLabel(hold({ minApprovals: 0 }))).toBe('0/1'); // an approvals service older than quorums
    expect(approvalsLabel(hold({ status: HoldStatus.HOLD_STATUS_APPROVED, grantedByGrant: grant() }))).toBe('grant');
  });

  it('says an approval short of the quorum was recorded (k of n), and how many are still needed', () => {
    expect(formatResolvedHold(hold({ minApprovals: 2, approvals: [approval('alice')] }))).toBe('hold h-1 recorded (1 of 2), waiting for 1 more approver (request req-1, http DELETE /orders/42)');
    expect(formatResolvedHold(hold({ minApprovals: 3, approvals: [approval('alice')] }))).toBe('hold h-1 recorded (1 of 3), waiting for 2 more approvers (request req-1, http DELETE /orders/42)');
  });

  it('says which grant a release issued, and which grant released a hold', () => {
    const issuing = hold({ status: HoldStatus.HOLD_STATUS_APPROVED, approvals: [approval('alice')], issuedGrant: grant() });
    expect(formatResolvedHold(issuing)).toBe('hold h-1 approved (request req-1, http DELETE /orders/42); grant g-1 lets svc-reporting repeat it until 2025-06-01T12:14:00.000Z');
    expect(formatResolvedHold(hold({ status: HoldStatus.HOLD_STATUS_APPROVED, grantedByGrant: grant() }))).toBe('hold h-1 approved by grant g-1 (request req-1, http DELETE /orders/42)');
  });

  it('says so when there is nothing to decide', () => {
    expect(formatHoldsTable([], NOW, { withStatus: false })).toBe('no pending holds');
    expect(formatHoldsTable([], NOW, { withStatus: true })).toBe('no holds');
  });

  it('shows the client when it acts on behalf of a different subject', () => {
    expect(requesterLabel({ subject: 'alice', clientId: 'agent-7', groups: [], issuer: '', expiresAt: undefined })).toBe('alice (agent-7)');
    expect(requesterLabel(undefined)).toBe('-');
  });

  it('describes a resolved hold in one line', () => {
    const denied = hold({ status: HoldStatus.HOLD_STATUS_DENIED, resolutionReason: 'not during freeze' });
    expect(formatResolvedHold(denied)).toBe('hold h-1 denied (request req-1, http DELETE /orders/42): not during freeze');
    expect(formatResolvedHold(hold({ status: HoldStatus.HOLD_STATUS_APPROVED }))).toBe('hold h-1 approved (request req-1, http DELETE /orders/42)');
    const sql = hold({ status: HoldStatus.HOLD_STATUS_APPROVED, target: { $case: 'sql', value: { statement: 'delete\nfrom orders', parameters: [] } } });
    expect(formatResolvedHold(sql)).toBe('hold h-1 approved (request req-1, sql delete from orders)');
  });

  it('renders --json with the protobuf JSON mapping, the full target included', () => {
    const [first] = JSON.parse(holdsJson([hold()])) as Record<string, unknown>[];
    expect(first).toMatchObject({ id: 'h-1', status: 'HOLD_STATUS_PENDING', expiresAt: '2025-06-01T12:04:05.000Z', http: { method: 'DELETE', path: '/orders/42' } });
    const sql = hold({ sessionId: 's-1', target: { $case: 'sql', value: { statement: 'select $1', parameters: [{ value: { $case: 'binary', value: Buffer.from([0, 1, 255]) } }] } } });
    expect(JSON.parse(holdsJson([sql]))[0]).toMatchObject({ sessionId: 's-1', sql: { statement: 'select $1', parameters: [{ binary: 'AAH/' }] } });
  });
});

describe('grants', () => {
  it('lists live grants: who may repeat what, on whose approval, for how long', () => {
    const [header, row] = formatGrantsTable([grant()], NOW, { withStatus: false }).split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['ID', 'REQUESTER', 'CONNECTION', 'TARGET', 'APPROVED BY', 'EXPIRES IN']);
    expect(row?.split(/\s{2,}/)).toEqual(['g-1', 'svc-reporting', 'orders-api', 'http DELETE /orders/42', 'alice, bob', '14m 00s']);
  });

  it('with --all, says which are revoked or expired', () => {
    const text = formatGrantsTable([grant({ revokedAt: NOW, revokedBy: 'carol' }), grant({ id: 'g-2', expiresAt: NOW })], NOW, { withStatus: true });
    expect(text.split('\n').slice(1).map((line) => line.split(/\s{2,}/).slice(-2))).toEqual([['revoked', '-'], ['expired', '-']]);
    expect(formatGrantsTable([], NOW, { withStatus: false })).toBe('no live grants');
    expect(formatGrantsTable([], NOW, { withStatus: true })).toBe('no grants');
  });

  it('describes a revocation in one line, and renders --json with the protobuf JSON mapping', () => {
    expect(formatRevokedGrant(grant({ revokedAt: NOW, revokedBy: 'carol', revocationReason: 'incident over' }))).toBe('grant g-1 revoked (svc-reporting, http DELETE /orders/42): incident over');
    expect(JSON.parse(grantsJson([grant()]))[0]).toMatchObject({ id: 'g-1', requesterSubject: 'svc-reporting', http: { method: 'DELETE' }, approvals: [{ subject: 'alice' }, { subject: 'bob' }] });
  });
});

describe('verify', () => {
  const ok = { ok: true, records: 1204n, headHash: 'ab12', firstBadSeq: 0n, message: '' };
  const broken = { ok: false, records: 1204n, headHash: '', firstBadSeq: 17n, message: 'hash mismatch' };

  it('prints the verdict line', () => {
    expect(formatVerify(ok)).toBe('audit chain OK: 1204 records, head ab12');
    expect(formatVerify(broken)).toBe('audit chain BROKEN at seq 17: hash mismatch');
  });

  it('keeps ok:false in --json output', () => {
    expect(JSON.parse(verifyJson(broken))).toEqual({ ok: false, records: '1204', headHash: '', firstBadSeq: '17', message: 'hash mismatch' });
  });
});

describe('summarizeEvent', () => {
  it.each([
    [{ requestReceived: { principal: { subject: 'svc-reporting' }, protocol: 'http', http: { method: 'GET', path: '/orders' } } }, 'svc-reporting: http GET /orders (http)'],
    [{ requestReceived: { principal: { subject: 'agent' }, protocol: 'mcp', mcp: { method: 'tools/call', name: 'refund', argumentsJson: '{"a":1}' } } }, 'agent: mcp tools/call refund (mcp)'],
    [{ sessionStarted: { principal: { subject: 'agent' }, protocol: 'http', clientAddress: '127.0.0.1:5000' } }, 'session of agent (http) from 127.0.0.1:5000'],
    [{ sessionEnded: { reason: 'SESSION_END_REASON_CLOSED', requests: 1 } }, 'session ended closed after 1 request(s)'],
    [{ policyChanged: { policyVersion: 'abc', rules: 3 } }, 'policy abc (3 rules)'],
    [{ policyChanged: { policyVersion: '2', rules: 3, cause: 'POLICY_CHANGE_CAUSE_START' } }, "policy 2 (3 rules) in force at an instance's start"],
    [
      { policyChanged: { policyVersion: '8', rules: 5, cause: 'POLICY_CHANGE_CAUSE_CHANGE', changedBy: 'alice', changes: [{ name: 'sql.yaml', action: 'POLICY_DOCUMENT_ACTION_PUT' }, { name: 'old.yaml', action: 'POLICY_DOCUMENT_ACTION_DELETE' }] } },
      'policy 8 (5 rules) by alice: put sql.yaml, delete old.yaml',
    ],
    [{ decisionMade: { decision: { effect: 'EFFECT_REQUIRE_APPROVAL', reasons: ['rule:a', 'rule:b'] } } }, 'require_approval [rule:a, rule:b]'],
    [{ decisionMade: { decision: { effect: 'EFFECT_ALLOW', reasons: ['rule:r'], maskingProfiles: ['pii'] } } }, 'allow [rule:r] mask=pii'],
    [{ approvalRequested: { holdId: 'h-1', approverGroups: ['sre'], expiresAt: '2025-06-01T12:05:00Z' } }, 'hold h-1 for sre until 2025-06-01T12:05:00Z'],
    [{ approvalRequested: { holdId: 'h-1', approverGroups: ['sre'], mcp: { method: 'tools/call', name: 'refund', argumentsJson: '{}' } } }, 'hold h-1 of mcp tools/call refund for sre'],
    [{ approvalRequested: { holdId: 'h-1', http: { method: 'DELETE', path: '/orders/42' }, reasons: ['rule:d'] } }, 'hold h-1 of http DELETE /orders/42 [rule:d]'],
    [{ approvalGranted: { holdId: 'h-1', approver: 'alice' } }, 'approved by alice (hold h-1)'],
    [{ approvalRecorded: { holdId: 'h-1', approver: { subject: 'alice' }, approvals: 1, minApprovals: 2 } }, 'approval 1 of 2 by alice (hold h-1)'],
    [{ approvalGranted: { holdId: 'h-1', approver: 'bob', approvers: [{ subject: 'alice' }, { subject: 'bob' }] } }, 'approved by alice, bob (hold h-1)'],
    [{ approvalGranted: { holdId: 'h-1', approver: 'bob', grantId: 'g-1', grantExpiresAt: '2025-06-01T12:15:00Z' } }, 'approved by bob (hold h-1); grant g-1 until 2025-06-01T12:15:00Z'],
    [{ grantUsed: { holdId: 'h-2', grantId: 'g-1', grantHoldId: 'h-1', requester: 'agent' } }, 'released by grant g-1 of hold h-1 for agent (hold h-2)'],
    [{ grantRevoked: { grantId: 'g-1', revokedBy: 'carol', reason: 'over' } }, 'grant g-1 revoked by carol: "over"'],
    [{ approvalDenied: { holdId: 'h-1', approver: 'bob', reason: 'freeze' } }, 'denied by bob: "freeze" (hold h-1)'],
    [{ approvalExpired: { holdId: 'h-1' } }, 'expired (hold h-1)'],
    [{ approvalCancelled: { holdId: 'h-1', reason: 'CALLER_GONE: the caller went away' } }, 'cancelled by the gateway: "CALLER_GONE: the caller went away" (hold h-1)'],
    [{ requestCompleted: { outcome: 'OUTCOME_FORWARDED', httpStatus: 200, durationUs: '1234', masked: { card: 2 } } }, 'forwarded 200 in 1.2 ms masked card:2'],
    [{ requestCompleted: { outcome: 'OUTCOME_DENIED', httpStatus: 403, reasons: ['approval:expired'] } }, 'denied 403 [approval:expired]'],
    [{ requestCompleted: { outcome: 'OUTCOME_FORWARDED', sqlstate: '00000', rows: '3' } }, 'forwarded SQLSTATE 00000 3 row(s)'],
    [{ requestCompleted: { outcome: 'OUTCOME_FORWARDED', sqlstate: '00000', commandTags: ['BEGIN', 'UPDATE 1'], rows: '0' } }, 'forwarded SQLSTATE 00000 BEGIN, UPDATE 1'],
    [{ requestCompleted: { outcome: 'OUTCOME_FORWARDED', sqlstate: '00000', commandTags: [] } }, 'forwarded SQLSTATE 00000'],
    [{ requestCompleted: { outcome: 'OUTCOME_DENIED', jsonrpcCode: -32001 } }, 'denied JSON-RPC -32001'],
    [{ request_completed: { outcome: 'OUTCOME_FAILED', error_code: 'UPSTREAM_UNAVAILABLE' } }, 'failed UPSTREAM_UNAVAILABLE'],
  ])('%j → %s', (event, summary) => expect(summarizeEvent(JSON.stringify({ id: 'e1', ...event }))).toBe(summary));

  it('falls back to compact JSON without the envelope, truncated', () => {
    expect(summarizeEvent(JSON.stringify({ id: 'e1', source: 'x', somethingNew: { a: 1 } }))).toBe('{"somethingNew":{"a":1}}');
    expect(summarizeEvent(JSON.stringify({ blob: 'x'.repeat(200) }), 20)).toHaveLength(20);
  });

  it('does not throw on malformed JSON', () => {
    expect(summarizeEvent('{')).toBe('(event JSON unreadable)');
  });
});

describe('formatMicros', () => {
  it.each([
    [850, '850 µs'],
    [1234, '1.2 ms'],
    [2_500_000, '2.5 s'],
  ])('%d µs → %s', (us, text) => expect(formatMicros(us)).toBe(text));
});

describe('audit events', () => {
  const records = [
    record(12n, 'request.completed', { requestCompleted: { outcome: 'OUTCOME_FORWARDED', httpStatus: 200 } }),
    record(10n, 'decision.made', { decisionMade: { decision: { effect: 'EFFECT_DENY', reasons: ['rule:x'] } } }),
  ];

  it('lists events in sequence order with time, type, source and summary', () => {
    const lines = formatEventsTable(records).split('\n').map((l) => l.split(/\s{2,}/));
    expect(lines).toEqual([
      ['SEQ', 'TIME', 'TYPE', 'SOURCE', 'SUMMARY'],
      ['10', '2025-06-01T12:00:00.010Z', 'decision.made', 'ingress-1', 'deny [rule:x]'],
      ['12', '2025-06-01T12:00:00.012Z', 'request.completed', 'ingress-1', 'forwarded 200'],
    ]);
  });

  it('renders --json records in order with uint64 as strings', () => {
    expect((JSON.parse(recordsJson(records)) as { seq: string }[]).map((r) => r.seq)).toEqual(['10', '12']);
  });
});
