import { describe, expect, it } from 'vitest';
import { BusNames } from '@portcullis/bus';
import { approvalsV1, commonV1, eventsV1 } from '@portcullis/proto-gen';
import type { Hold } from './domain/index.js';
import { approvalEvent, outboxEventFor } from './events.mappers.js';
import { holdToProto, newHoldFromProto } from './hold.mappers.js';

const pending: Hold = {
  id: '7d7f8a3e-1c1b-4b0a-9a57-0d4bb4c0e001',
  requestId: 'req-1',
  connection: 'demo-http',
  requester: { issuer: 'iss', subject: 'demo-agent', clientId: 'cid', groups: ['agents'] },
  http: { method: 'POST', path: '/echo' },
  reasons: ['rule:agents-write'],
  approverGroups: ['approvers'],
  status: 'pending',
  createdAt: new Date('2026-01-01T12:00:00Z'),
  expiresAt: new Date('2026-01-01T12:02:00Z'),
};
const resolvedAt = new Date('2026-01-01T12:01:00Z');

describe('approvalEvent', () => {
  const names = new BusNames('portcullis');

  it('announces a pending hold as ApprovalRequested with a deterministic id', () => {
    const event = approvalEvent(pending, 'approvals:a');
    expect(event).toEqual({
      id: `${pending.id}.requested`,
      occurredAt: pending.createdAt,
      requestId: 'req-1',
      connection: 'demo-http',
      source: 'approvals:a',
      body: { $case: 'approvalRequested', value: { holdId: pending.id, approverGroups: ['approvers'], expiresAt: pending.expiresAt, reasons: ['rule:agents-write'], requester: 'demo-agent' } },
    });
    expect(names.eventSubject(event)).toBe('portcullis.evt.approval.requested.demo-http.req-1');
  });

  it('announces each resolution once, at the time it happened', () => {
    const granted = approvalEvent({ ...pending, status: 'approved', resolvedAt, resolvedBy: 'boss' }, 's');
    expect(granted).toMatchObject({ id: `${pending.id}.granted`, occurredAt: resolvedAt, body: { $case: 'approvalGranted', value: { holdId: pending.id, approver: 'boss' } } });
    const denied = approvalEvent({ ...pending, status: 'denied', resolvedAt, resolvedBy: 'boss', resolutionReason: 'no' }, 's');
    expect(denied).toMatchObject({ id: `${pending.id}.denied`, body: { $case: 'approvalDenied', value: { approver: 'boss', reason: 'no' } } });
    const expired = approvalEvent({ ...pending, status: 'expired', resolvedAt }, 's');
    expect(expired).toMatchObject({ id: `${pending.id}.expired`, body: { $case: 'approvalExpired', value: { holdId: pending.id } } });
  });

  it('stores the encoded event in the outbox row', () => {
    const row = outboxEventFor(pending, 's');
    expect(row).toMatchObject({ eventId: `${pending.id}.requested`, holdId: pending.id });
    expect(eventsV1.Event.decode(row.payload).id).toBe(row.eventId);
  });
});

describe('hold mappers', () => {
  const request: approvalsV1.CreateHoldRequest = {
    context: {
      requestId: 'req-1',
      connection: 'demo-http',
      principal: { subject: 'demo-agent', clientId: 'cid', groups: ['agents'], issuer: 'iss', expiresAt: undefined },
      target: { $case: 'http', value: { method: 'POST', path: '/echo' } },
    },
    decision: {
      effect: commonV1.Effect.EFFECT_REQUIRE_APPROVAL,
      reasons: ['rule:agents-write'],
      maskingProfiles: [],
      approval: { approverGroups: ['approvers'], timeout: { seconds: 90n, nanos: 500_000_000 } },
      policyVersion: 'v',
      decidedBy: 'p',
    },
  };

  it('reads what to hold from a require_approval decision, timeout in ms', () => {
    const result = newHoldFromProto(request);
    expect(result.ok && result.value).toEqual({
      requestId: 'req-1',
      connection: 'demo-http',
      requester: { issuer: 'iss', subject: 'demo-agent', clientId: 'cid', groups: ['agents'] },
      http: { method: 'POST', path: '/echo' },
      reasons: ['rule:agents-write'],
      approverGroups: ['approvers'],
      timeoutMs: 90_500,
    });
  });

  it('refuses a request without a principal, another effect, or no timeout', () => {
    expect(newHoldFromProto({ ...request, context: { ...request.context!, principal: undefined } }).ok).toBe(false);
    expect(newHoldFromProto({ ...request, decision: { ...request.decision!, effect: commonV1.Effect.EFFECT_DENY } }).ok).toBe(false);
    expect(newHoldFromProto({ ...request, decision: { ...request.decision!, approval: { approverGroups: ['a'], timeout: undefined } } }).ok).toBe(false);
  });

  it('maps a resolved hold to the wire, with its issuer and without any token', () => {
    const wire = holdToProto({ ...pending, status: 'denied', resolvedAt, resolvedBy: 'boss', resolutionReason: 'no' });
    expect(wire).toMatchObject({ status: approvalsV1.HoldStatus.HOLD_STATUS_DENIED, resolvedAt, resolvedBy: 'boss', resolutionReason: 'no', requester: { subject: 'demo-agent', issuer: 'iss' } });
    expect(holdToProto(pending)).toMatchObject({ resolvedAt: undefined, resolvedBy: '', resolutionReason: '' });
  });
});
