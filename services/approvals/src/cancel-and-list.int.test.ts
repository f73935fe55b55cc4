import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalsV1 } from '@portcullis/proto-gen';
import { uniqueSuffix } from '@portcullis/testkit';
import { holdRequest, refusal, startApprovals, type ApprovalsClient, type ApprovalsStack } from './approvals.test-support.js';

// Withdrawn holds and the approvers' list, against two real instances on one real PostgreSQL and
// NATS: CancelHold moves a pending hold to CANCELLED (ApprovalCancelled through the outbox), after
// which it can be neither approved nor denied; ListHolds is newest first, paged by an opaque
// token on (created_at, id), filtered by requester and connection, and counts every match.

const { HoldStatus } = approvalsV1;

describe('CancelHold', () => {
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

  it('cancels a pending hold once, publishes ApprovalCancelled, and takes it off the approvers list', async () => {
    const hold = await a.createHold(holdRequest());
    const cancelled = await b.cancelHold(hold.id, 'CALLER_GONE: the caller went away while the request was held');
    expect(cancelled).toMatchObject({ id: hold.id, status: HoldStatus.HOLD_STATUS_CANCELLED, resolvedBy: '', resolutionReason: 'CALLER_GONE: the caller went away while the request was held' });
    expect(cancelled.resolvedAt).toBeInstanceOf(Date);
    // Idempotent for the gateway's retries: the same hold, no second event.
    expect(await a.cancelHold(hold.id, 'CALLER_GONE: again')).toEqual(cancelled);
    expect((await a.listHolds('approver-token')).map((h) => h.id)).not.toContain(hold.id);
    expect((await a.listPage('approver-token', { includeResolved: true, pageSize: 500 })).holds.find((h) => h.id === hold.id)?.status).toBe(HoldStatus.HOLD_STATUS_CANCELLED);

    const events = await stack.untilEvents(hold.id, 2);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.cancelled']);
    expect(events[1]!.subject).toBe(`${stack.namespace}.evt.approval.cancelled.demo-http.${hold.requestId}`);
    expect(events[1]!.event.body).toEqual({ $case: 'approvalCancelled', value: { holdId: hold.id, reason: 'CALLER_GONE: the caller went away while the request was held' } });
  });

  it('refuses approving or denying a cancelled hold with HOLD_CANCELLED, naming why', async () => {
    const hold = await a.createHold(holdRequest());
    await a.cancelHold(hold.id, 'REVOKED: this identity has been revoked');
    // One call at a time: a second promise made up front could reject before anyone awaits it.
    for (const call of [() => b.approve('approver-token', hold.id), () => b.deny('approver-token', hold.id, 'no')]) {
      expect(await refusal(call())).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'HOLD_CANCELLED' });
    }
    await b.approve('approver-token', hold.id).catch((err: grpc.ServiceError) => expect(err.details).toContain('REVOKED: this identity has been revoked'));
    expect((await a.getHold(hold.id)).status).toBe(HoldStatus.HOLD_STATUS_CANCELLED);
  });

  it('leaves resolved holds alone (ALREADY_RESOLVED) and refuses bad calls', async () => {
    const hold = await a.createHold(holdRequest());
    await a.approve('approver-token', hold.id);
    expect(await refusal(b.cancelHold(hold.id, 'CALLER_GONE: late'))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'ALREADY_RESOLVED' });
    expect((await a.getHold(hold.id)).status).toBe(HoldStatus.HOLD_STATUS_APPROVED);
    expect(await refusal(a.cancelHold('not-a-uuid', 'x'))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_ID' });
    expect(await refusal(a.cancelHold(hold.id, ' '))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'REASON_REQUIRED' });
    expect(await refusal(a.cancelHold('00000000-0000-4000-8000-000000000000', 'x'))).toEqual({ code: grpc.status.NOT_FOUND, reason: 'HOLD_NOT_FOUND' });
  });

  it('is never also expired by the sweeper', async () => {
    const hold = await a.createHold(holdRequest({ timeoutSeconds: 1 }));
    await a.cancelHold(hold.id, 'CALLER_GONE: gone');
    // The sweeper runs every 100 ms; the hold's expiry passes while it stays cancelled.
    const later = await a.createHold(holdRequest({ timeoutSeconds: 1 }));
    await stack.untilEvents(later.id, 2); // `later` expired: the sweeper has passed `hold` too
    expect((await a.getHold(hold.id)).status).toBe(HoldStatus.HOLD_STATUS_CANCELLED);
    expect((await stack.eventsOf(hold.id)).map((e) => e.kind)).toEqual(['approval.requested', 'approval.cancelled']);
  });
});

describe('ListHolds', () => {
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

  it('lists newest first, pages with an opaque token to the end, and counts every match', async () => {
    const connection = `pages-${uniqueSuffix()}`.slice(0, 60);
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await a.createHold(holdRequest({ connection }))).id);
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await (pages % 2 === 0 ? a : b).listPage('approver-token', { connection, pageSize: 3, pageToken: token });
      expect(page.totalSize).toBe(7);
      expect(page.holds.length).toBeLessThanOrEqual(3);
      seen.push(...page.holds.map((h) => h.id));
      token = page.nextPageToken;
      pages++;
    } while (token !== '');
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  it('keeps its place when holds are created between pages', async () => {
    const connection = `shift-${uniqueSuffix()}`.slice(0, 60);
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await a.createHold(holdRequest({ connection }))).id);
    const page1 = await a.listPage('approver-token', { connection, pageSize: 2 });
    await a.createHold(holdRequest({ connection }));
    const page2 = await a.listPage('approver-token', { connection, pageSize: 2, pageToken: page1.nextPageToken });
    expect([...page1.holds, ...page2.holds].map((h) => h.id)).toEqual([...first].reverse());
    expect(page2.totalSize).toBe(5);
  });

  it('filters by requester (subject or client id) and connection, pending only unless asked', async () => {
    const connection = `filter-${uniqueSuffix()}`.slice(0, 60);
    const flood = `flood-${uniqueSuffix()}`;
    const mine = await a.createHold(holdRequest({ connection, requester: { subject: 'real-agent', clientId: 'real-client', groups: ['agents'] } }));
    for (let i = 0; i < 3; i++) await a.createHold(holdRequest({ connection, requester: { subject: flood, groups: ['agents'] } }));
    const resolved = await a.createHold(holdRequest({ connection, requester: { subject: 'real-agent', clientId: 'real-client', groups: ['agents'] } }));
    await a.deny('approver-token', resolved.id, 'no');

    const bySubject = await b.listPage('approver-token', { connection, requester: 'real-agent' });
    expect(bySubject.holds.map((h) => h.id)).toEqual([mine.id]);
    expect(bySubject.totalSize).toBe(1);
    expect((await b.listPage('approver-token', { connection, requester: 'real-client' })).holds.map((h) => h.id)).toEqual([mine.id]);
    expect((await b.listPage('approver-token', { connection, requester: 'real-agent', includeResolved: true })).holds.map((h) => h.id)).toEqual([resolved.id, mine.id]);
    expect((await b.listPage('approver-token', { connection, requester: flood })).totalSize).toBe(3);
    expect((await b.listPage('approver-token', { connection })).totalSize).toBe(4);
    // Only what the caller may approve is listed or counted.
    expect(await b.listPage('other-token', { connection })).toMatchObject({ holds: [], totalSize: 0, nextPageToken: '' });
  });

  it('caps the page size and refuses tokens it did not issue', async () => {
    const page = await a.listPage('approver-token', { pageSize: 100_000 });
    expect(page.holds.length).toBeLessThanOrEqual(500);
    expect(await refusal(a.listPage('approver-token', { pageToken: 'forged' }))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_PAGE_TOKEN' });
  });
});
