import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalsV1 } from '@portcullis/proto-gen';
import { grpcReason } from '@portcullis/service-kit';
import { holdRequest, ISSUER, refusal, startApprovals, type ApprovalsClient, type ApprovalsStack } from './approvals.test-support.js';

// Quorums against two real instances on one real PostgreSQL and NATS: a hold that needs n
// distinct approvers stays pending (and says "k of n", and who) until the n-th approves; an
// approver counts once; the requester never counts; one denial denies; and approvers racing on
// two instances are each counted exactly once, releasing the hold exactly once.

const { HoldStatus } = approvalsV1;

describe('approvals with a quorum', () => {
  let stack: ApprovalsStack;
  let a: ApprovalsClient;
  let b: ApprovalsClient;

  beforeAll(async () => {
    stack = await startApprovals();
    ({ a, b } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const approvers = (hold: approvalsV1.Hold) => hold.approvals.map((approval) => approval.subject);

  it('keeps a hold of two pending after the first approval, shows 1 of 2 and who, and releases it on the second', async () => {
    const hold = await a.createHold(holdRequest({ minApprovals: 2 }));
    expect(hold).toMatchObject({ status: HoldStatus.HOLD_STATUS_PENDING, minApprovals: 2, approvals: [] });

    const first = await a.approve('approver-token', hold.id);
    expect(first).toMatchObject({ status: HoldStatus.HOLD_STATUS_PENDING, minApprovals: 2, resolvedBy: '', resolvedAt: undefined });
    expect(first.approvals).toEqual([{ issuer: ISSUER, subject: 'demo-approver', approvedAt: expect.any(Date) }]);
    // GetHold (the gateway's view) and ListHolds (the approvers') say the same: still pending, 1 of 2.
    expect(await b.getHold(hold.id)).toEqual(first);
    const listed = (await b.listHolds('second-approver-token')).find((h) => h.id === hold.id);
    expect(listed).toMatchObject({ status: HoldStatus.HOLD_STATUS_PENDING, minApprovals: 2 });
    expect(approvers(listed!)).toEqual(['demo-approver']);

    const second = await b.approve('second-approver-token', hold.id);
    expect(second).toMatchObject({ status: HoldStatus.HOLD_STATUS_APPROVED, resolvedBy: 'second-approver', minApprovals: 2 });
    expect(approvers(second)).toEqual(['demo-approver', 'second-approver']);
    expect(second.resolvedAt!.getTime()).toBe(second.approvals[1]!.approvedAt!.getTime());
    expect((await a.listHolds('approver-token')).map((h) => h.id)).not.toContain(hold.id);

    const events = await stack.untilEvents(hold.id, 3);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.recorded', 'approval.granted']);
    expect(events[1]!.subject).toBe(`${stack.namespace}.evt.approval.recorded.demo-http.${hold.requestId}`);
    expect(events[1]!.event.body).toEqual({
      $case: 'approvalRecorded',
      value: { holdId: hold.id, approver: { issuer: ISSUER, subject: 'demo-approver', approvedAt: first.approvals[0]!.approvedAt }, approvals: 1, minApprovals: 2 },
    });
    // The granted event keeps its meaning (the approval that released it) and names every approver.
    expect(events[2]!.event.body).toMatchObject({ $case: 'approvalGranted', value: { holdId: hold.id, approver: 'second-approver', approvers: [{ subject: 'demo-approver' }, { subject: 'second-approver' }], grantId: '' } });
  });

  it('refuses the same approver twice with ALREADY_APPROVED, on either instance, and does not count it', async () => {
    const hold = await a.createHold(holdRequest({ minApprovals: 2 }));
    await a.approve('approver-token', hold.id);
    for (const client of [a, b]) expect(await refusal(client.approve('approver-token', hold.id))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'ALREADY_APPROVED' });
    const current = await a.getHold(hold.id);
    expect(current.status).toBe(HoldStatus.HOLD_STATUS_PENDING);
    expect(approvers(current)).toEqual(['demo-approver']);
    const rows = await stack.database.db.selectFrom('hold_approvals').select('approver_subject').where('hold_id', '=', hold.id).execute();
    expect(rows).toEqual([{ approver_subject: 'demo-approver' }]);
  });

  it('never counts the requester, even when it is in an approver group and the others approved', async () => {
    const hold = await a.createHold(holdRequest({ minApprovals: 2, approverGroups: ['agents', 'approvers'] }));
    await a.approve('approver-token', hold.id);
    expect(await refusal(b.approve('agent-token', hold.id))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'SELF_APPROVAL' });
    expect(await refusal(b.approve('other-token', hold.id))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_AN_APPROVER' });
    expect(await a.getHold(hold.id)).toMatchObject({ status: HoldStatus.HOLD_STATUS_PENDING, approvals: [{ subject: 'demo-approver' }] });
  });

  it('denies on one denial after an approval; nothing is released and later approvals are refused', async () => {
    const hold = await a.createHold(holdRequest({ minApprovals: 2 }));
    await a.approve('approver-token', hold.id);
    const denied = await b.deny('second-approver-token', hold.id, 'not during the freeze');
    expect(denied).toMatchObject({ status: HoldStatus.HOLD_STATUS_DENIED, resolvedBy: 'second-approver', resolutionReason: 'not during the freeze', approvals: [{ subject: 'demo-approver' }] });
    expect(await refusal(a.approve('third-approver-token', hold.id))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'ALREADY_RESOLVED' });
    const events = await stack.untilEvents(hold.id, 3);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.recorded', 'approval.denied']);
  });

  it('lets an approver who approved deny afterwards: one denial denies', async () => {
    const hold = await a.createHold(holdRequest({ minApprovals: 2 }));
    await a.approve('approver-token', hold.id);
    expect(await b.deny('approver-token', hold.id, 'on second thoughts')).toMatchObject({ status: HoldStatus.HOLD_STATUS_DENIED, resolvedBy: 'demo-approver' });
  });

  it('counts two approvers racing on two instances exactly once each and releases the hold exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const hold = await a.createHold(holdRequest({ minApprovals: 2 }));
      const results = await Promise.all([a.approve('approver-token', hold.id), b.approve('second-approver-token', hold.id)]);
      // Both approvals count: one answer is the recorded first approval, the other the release.
      expect(results.map((h) => h.status).sort()).toEqual([HoldStatus.HOLD_STATUS_PENDING, HoldStatus.HOLD_STATUS_APPROVED].sort());
      const released = results.find((h) => h.status === HoldStatus.HOLD_STATUS_APPROVED)!;
      expect(approvers(released).sort()).toEqual(['demo-approver', 'second-approver']);
      expect(await a.getHold(hold.id)).toEqual(released);

      await stack.untilEvents(hold.id, 3);
      await new Promise((resolve) => setTimeout(resolve, 200)); // time for a stray second grant (there must be none)
      expect((await stack.eventsOf(hold.id)).map((e) => e.kind)).toEqual(['approval.requested', 'approval.recorded', 'approval.granted']);
    }
  });

  it('with three approvers racing for a quorum of two, releases once and refuses the third as already resolved', async () => {
    const hold = await a.createHold(holdRequest({ minApprovals: 2 }));
    const results = await Promise.allSettled([a.approve('approver-token', hold.id), b.approve('second-approver-token', hold.id), a.approve('third-approver-token', hold.id)]);
    const fulfilled = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [grpcReason(r.reason)] : []));
    expect(fulfilled.filter((h) => h.status === HoldStatus.HOLD_STATUS_APPROVED)).toHaveLength(1);
    expect(fulfilled.filter((h) => h.status === HoldStatus.HOLD_STATUS_PENDING)).toHaveLength(1);
    expect(rejected).toEqual(['ALREADY_RESOLVED']);
    expect((await a.getHold(hold.id)).approvals).toHaveLength(2);
  });

  it('refuses a late approval once the hold expired, even with approvals recorded', async () => {
    const hold = await a.createHold(holdRequest({ minApprovals: 2, timeoutSeconds: 1 }));
    await a.approve('approver-token', hold.id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const late = await refusal(b.approve('second-approver-token', hold.id));
    expect(late.code).toBe(grpc.status.FAILED_PRECONDITION);
    // EXPIRED until the sweeper has run, ALREADY_RESOLVED (expired) after: never a release.
    expect(['EXPIRED', 'ALREADY_RESOLVED']).toContain(late.reason);
    const events = await stack.untilEvents(hold.id, 3);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.recorded', 'approval.expired']);
  });

  it('treats a decision without min_approvals (an older policy service) as needing one approver', async () => {
    const request = holdRequest();
    request.decision!.approval!.minApprovals = 0;
    const hold = await a.createHold(request);
    expect(hold.minApprovals).toBe(1);
    expect(await a.approve('approver-token', hold.id)).toMatchObject({ status: HoldStatus.HOLD_STATUS_APPROVED });
  });

  it('refuses a quorum it could never have meant, and a known request id with another quorum', async () => {
    expect(await refusal(a.createHold(holdRequest({ minApprovals: 11 })))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
    const request = holdRequest({ minApprovals: 2 });
    await a.createHold(request);
    const fewer = holdRequest({ requestId: request.context!.requestId, minApprovals: 1 });
    expect(await refusal(b.createHold(fewer))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
  });
});
