import { describe, expect, it } from 'vitest';
import { BusNames } from '@portcullis/bus';
import { approvalsV1, commonV1, eventsV1 } from '@portcullis/proto-gen';
import { mcpTarget, targetFromProto, type Target } from '@portcullis/request-model';
import type { Grant, Hold } from './domain/index.js';
import { approvalEvent, approvalRecordedEvent, grantRevokedEvent, outboxEventFor } from './events.mappers.js';
import { grantToProto, holdToProto, newHoldFromProto } from './hold.mappers.js';

/** Event ids are random: a predictable one could be taken first in JetStream's de-duplication window. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const pending: Hold = {
  id: '7d7f8a3e-1c1b-4b0a-9a57-0d4bb4c0e001',
  requestId: 'req-1',
  connection: 'demo-http',
  requester: { issuer: 'iss', subject: 'demo-agent', clientId: 'cid', groups: ['agents'] },
  target: { kind: 'http', method: 'POST', path: '/echo', query: '', headers: [] },
  sessionId: 'sess-1',
  reasons: ['rule:agents-write'],
  message: 'Writes wait for an approver.',
  approverGroups: ['approvers'],
  minApprovals: 1,
  approvals: [],
  status: 'pending',
  createdAt: new Date('2026-01-01T12:00:00Z'),
  expiresAt: new Date('2026-01-01T12:02:00Z'),
};
const resolvedAt = new Date('2026-01-01T12:01:00Z');
const alice = { issuer: 'iss', subject: 'alice', approvedAt: new Date('2026-01-01T12:00:30Z') };
const boss = { issuer: 'iss', subject: 'boss', approvedAt: resolvedAt };
const grant: Grant = {
  id: '6a1f7a3e-1c1b-4b0a-9a57-0d4bb4c0e002',
  holdId: '5e0f7a3e-1c1b-4b0a-9a57-0d4bb4c0e000',
  requestId: 'req-0',
  connection: 'demo-http',
  requester: { issuer: 'iss', subject: 'demo-agent' },
  targetDigest: 'digest',
  target: pending.target,
  approverGroups: ['approvers'],
  reasons: ['rule:agents-write'],
  approvals: [alice, boss],
  issuedAt: resolvedAt,
  expiresAt: new Date('2026-01-01T12:16:00Z'),
};

/** One target of each kind, with the awkward cases: nested arguments, NULL, text "null", bytes. */
const TARGETS: Record<Target['kind'], Target> = {
  http: { kind: 'http', method: 'DELETE', path: '/orders/42', query: 'id=42&force=1', headers: [{ name: 'accept', value: '*/*' }, { name: 'x-tenant', value: 'a' }, { name: 'x-tenant', value: 'b' }] },
  mcp: mcpTarget('tools/call', 'refund', { order: 42, amount: { value: 10, currency: 'EUR' } }),
  sql: { kind: 'sql', statement: 'update orders set note = $1, blob = $2, gone = $3 where id = $4', parameters: [{ text: 'null' }, { binary: Buffer.from([0, 1, 255]) }, null, { text: '42' }] },
};

describe('approvalEvent', () => {
  const names = new BusNames('portcullis');

  it('announces a pending hold as ApprovalRequested with a fresh, unpredictable id', () => {
    const event = approvalEvent(pending, 'approvals:a');
    expect(event).toEqual({
      id: expect.stringMatching(UUID),
      occurredAt: pending.createdAt,
      requestId: 'req-1',
      connection: 'demo-http',
      source: 'approvals:a',
      sessionId: 'sess-1',
      body: {
        $case: 'approvalRequested',
        value: {
          holdId: pending.id,
          approverGroups: ['approvers'],
          expiresAt: pending.expiresAt,
          reasons: ['rule:agents-write'],
          requester: 'demo-agent',
          target: { $case: 'http', value: { method: 'POST', path: '/echo', query: '', headers: [] } },
        },
      },
    });
    expect(names.eventSubject(event)).toBe('portcullis.evt.approval.requested.demo-http.req-1');
  });

  it('announces each resolution once, at the time it happened', () => {
    const granted = approvalEvent({ ...pending, status: 'approved', resolvedAt, resolvedBy: 'boss', approvals: [boss] }, 's');
    expect(granted).toMatchObject({ id: expect.stringMatching(UUID), occurredAt: resolvedAt, body: { $case: 'approvalGranted', value: { holdId: pending.id, approver: 'boss', approvers: [{ issuer: 'iss', subject: 'boss', approvedAt: resolvedAt }], grantId: '' } } });
    const denied = approvalEvent({ ...pending, status: 'denied', resolvedAt, resolvedBy: 'boss', resolutionReason: 'no' }, 's');
    expect(denied).toMatchObject({ id: expect.stringMatching(UUID), body: { $case: 'approvalDenied', value: { approver: 'boss', reason: 'no' } } });
    const expired = approvalEvent({ ...pending, status: 'expired', resolvedAt }, 's');
    expect(expired).toMatchObject({ id: expect.stringMatching(UUID), body: { $case: 'approvalExpired', value: { holdId: pending.id } } });
    for (const event of [granted, denied, expired]) expect(event.sessionId).toBe('sess-1');
  });

  it('records each approval short of the quorum with its count, and names every approver of the release', () => {
    const quorum: Hold = { ...pending, minApprovals: 2, approvals: [alice] };
    expect(approvalRecordedEvent(quorum, 's')).toMatchObject({
      id: expect.stringMatching(UUID),
      occurredAt: alice.approvedAt,
      sessionId: 'sess-1',
      body: { $case: 'approvalRecorded', value: { holdId: pending.id, approver: { issuer: 'iss', subject: 'alice', approvedAt: alice.approvedAt }, approvals: 1, minApprovals: 2 } },
    });
    const released = approvalEvent({ ...quorum, approvals: [alice, boss], status: 'approved', resolvedAt, resolvedBy: 'boss' }, 's');
    expect(released.body).toMatchObject({ $case: 'approvalGranted', value: { approver: 'boss', approvers: [{ subject: 'alice' }, { subject: 'boss' }] } });
    expect(() => approvalRecordedEvent(pending, 's')).toThrow(/no approval to record/);
  });

  it('says which grant a release issued, and announces a hold a grant released as GrantUsed, not as an approval', () => {
    const issuing = approvalEvent({ ...pending, status: 'approved', resolvedAt, resolvedBy: 'boss', approvals: [boss], grantMs: 900_000, issuedGrant: grant }, 's');
    expect(issuing.body).toMatchObject({ $case: 'approvalGranted', value: { grantId: grant.id, grantExpiresAt: grant.expiresAt } });

    const used = approvalEvent({ ...pending, status: 'approved', resolvedAt, grantMs: 900_000, grantedBy: grant }, 's');
    expect(used).toMatchObject({
      id: expect.stringMatching(UUID),
      requestId: 'req-1',
      sessionId: 'sess-1',
      occurredAt: resolvedAt,
      body: { $case: 'grantUsed', value: { holdId: pending.id, grantId: grant.id, grantHoldId: grant.holdId, grantExpiresAt: grant.expiresAt, requester: 'demo-agent', approvers: [{ subject: 'alice' }, { subject: 'boss' }] } },
    });
    expect(names.eventSubject(used)).toBe('portcullis.evt.grant.used.demo-http.req-1');
  });

  it('announces a revocation about the request that earned the grant', () => {
    const revokedAt = new Date('2026-01-01T12:05:00Z');
    const event = grantRevokedEvent({ ...grant, revokedAt, revokedBy: 'carol', revocationReason: 'incident over' }, 's');
    expect(event).toMatchObject({ id: expect.stringMatching(UUID), requestId: 'req-0', occurredAt: revokedAt, body: { $case: 'grantRevoked', value: { grantId: grant.id, holdId: grant.holdId, revokedBy: 'carol', reason: 'incident over' } } });
    expect(names.eventSubject(event)).toBe('portcullis.evt.grant.revoked.demo-http.req-0');
    expect(() => grantRevokedEvent(grant, 's')).toThrow(/not revoked/);
  });

  it.each(Object.values(TARGETS))('tells approvers exactly what a $kind hold would release', (target) => {
    const event = eventsV1.Event.decode(outboxEventFor({ ...pending, target }, 's').payload);
    const body = event.body?.$case === 'approvalRequested' ? event.body.value : undefined;
    expect(targetFromProto(body?.target)).toEqual(target);
  });

  it('stores the encoded event in the outbox row', () => {
    const row = outboxEventFor(pending, 's');
    expect(row).toMatchObject({ eventId: expect.stringMatching(UUID), holdId: pending.id });
    expect(eventsV1.Event.decode(row.payload).id).toBe(row.eventId);
  });
});

describe('hold mappers', () => {
  const request: approvalsV1.CreateHoldRequest = {
    context: {
      requestId: 'req-1',
      connection: 'demo-http',
      principal: { subject: 'demo-agent', clientId: 'cid', groups: ['agents'], issuer: 'iss', expiresAt: undefined, scopes: [], kind: 'machine', claimsJson: '{}' },
      sessionId: 'sess-1',
      target: { $case: 'http', value: { method: 'POST', path: '/echo', query: '', headers: [] } },
    },
    decision: {
      effect: commonV1.Effect.EFFECT_REQUIRE_APPROVAL,
      reasons: ['rule:agents-write'],
      message: 'Writes wait for an approver.',
      maskingProfiles: [],
      approval: { approverGroups: ['approvers'], timeout: { seconds: 90n, nanos: 500_000_000 }, minApprovals: 0, grant: undefined },
      policyVersion: 'v',
      decidedBy: 'p',
      cacheable: false,
    },
  };

  it('reads what to hold from a require_approval decision, timeout in ms', () => {
    const result = newHoldFromProto(request);
    expect(result.ok && result.value).toEqual({
      requestId: 'req-1',
      connection: 'demo-http',
      requester: { issuer: 'iss', subject: 'demo-agent', clientId: 'cid', groups: ['agents'] },
      target: { kind: 'http', method: 'POST', path: '/echo', query: '', headers: [] },
      sessionId: 'sess-1',
      reasons: ['rule:agents-write'],
      message: 'Writes wait for an approver.',
      approverGroups: ['approvers'],
      timeoutMs: 90_500,
      minApprovals: 1,
    });
  });

  it('reads the quorum and the grant; 0 approvals (a policy service older than quorums) means one', () => {
    const withQuorum = { ...request, decision: { ...request.decision!, approval: { ...request.decision!.approval!, minApprovals: 2, grant: { seconds: 900n, nanos: 250_000_000 } } } };
    expect(newHoldFromProto(withQuorum)).toMatchObject({ ok: true, value: { minApprovals: 2, grantMs: 900_250 } });
    const result = newHoldFromProto(request);
    expect(result.ok && result.value.minApprovals).toBe(1);
    expect(result.ok && 'grantMs' in result.value).toBe(false);
  });

  it('refuses a request without a target: a hold must name what it releases', () => {
    const result = newHoldFromProto({ ...request, context: { ...request.context!, target: undefined } });
    expect(result).toEqual({ ok: false, failure: { code: 'INVALID_HOLD', message: 'context.target (http, mcp or sql) is required: a hold must name the request it releases' } });
  });

  it.each(Object.values(TARGETS))('carries a $kind target from CreateHold to the wire and back intact', (target) => {
    const wire = holdToProto({ ...pending, target });
    expect(wire.target?.$case).toBe(target.kind);
    const decoded = approvalsV1.Hold.decode(approvalsV1.Hold.encode(wire).finish());
    expect(targetFromProto(decoded.target)).toEqual(target);
    expect(decoded.sessionId).toBe('sess-1');
    expect(decoded.message).toBe('Writes wait for an approver.');

    const created = newHoldFromProto({ ...request, context: { ...request.context!, target: decoded.target } });
    expect(created.ok && created.value.target).toEqual(target);
  });

  it('refuses a request without a principal, another effect, or no timeout', () => {
    expect(newHoldFromProto({ ...request, context: { ...request.context!, principal: undefined } }).ok).toBe(false);
    expect(newHoldFromProto({ ...request, decision: { ...request.decision!, effect: commonV1.Effect.EFFECT_DENY } }).ok).toBe(false);
    expect(newHoldFromProto({ ...request, decision: { ...request.decision!, approval: { approverGroups: ['a'], timeout: undefined } } }).ok).toBe(false);
  });

  it('shows the quorum, who approved, the grant it issues and the grant that released it', () => {
    const wire = holdToProto({ ...pending, minApprovals: 2, approvals: [alice], grantMs: 900_250 });
    expect(wire).toMatchObject({ minApprovals: 2, approvals: [{ issuer: 'iss', subject: 'alice', approvedAt: alice.approvedAt }], grant: { seconds: 900n, nanos: 250_000_000 }, grantedByGrant: undefined, issuedGrant: undefined });
    const used = holdToProto({ ...pending, status: 'approved', resolvedAt, grantedBy: grant });
    expect(used.grantedByGrant).toEqual(grantToProto(grant));
    expect(used.grantedByGrant).toMatchObject({ id: grant.id, holdId: grant.holdId, requestId: 'req-0', requesterIssuer: 'iss', requesterSubject: 'demo-agent', expiresAt: grant.expiresAt, approvals: [{ subject: 'alice' }, { subject: 'boss' }], revokedAt: undefined, revokedBy: '' });
    const decoded = approvalsV1.Hold.decode(approvalsV1.Hold.encode(used).finish());
    expect(targetFromProto(decoded.grantedByGrant?.target)).toEqual(pending.target);
    expect(holdToProto(pending)).toMatchObject({ minApprovals: 1, approvals: [], grant: undefined });
  });

  it('maps a resolved hold to the wire, with its issuer and without any token', () => {
    const wire = holdToProto({ ...pending, status: 'denied', resolvedAt, resolvedBy: 'boss', resolutionReason: 'no' });
    expect(wire).toMatchObject({ status: approvalsV1.HoldStatus.HOLD_STATUS_DENIED, resolvedAt, resolvedBy: 'boss', resolutionReason: 'no', requester: { subject: 'demo-agent', issuer: 'iss' } });
    expect(holdToProto(pending)).toMatchObject({ resolvedAt: undefined, resolvedBy: '', resolutionReason: '' });
  });
});
