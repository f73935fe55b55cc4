import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalsV1 } from '@portcullis/proto-gen';
import { canonicalJson, targetDigest } from '@portcullis/request-model';
import { eventually, uniqueSuffix } from '@portcullis/testkit';
import { holdRequest, ISSUER, refusal, startApprovals, type ApprovalsClient, type ApprovalsStack, type HoldOptions, type TargetOneof } from './approvals.test-support.js';

// Time-boxed grants against two real instances on one real PostgreSQL and NATS: a release whose
// requirement has a grant lets the same requester repeat the same request (connection and target)
// at once, recorded as GrantUsed, until the grant expires by the database's clock or an approver
// revokes it. Anything else — other arguments, another requester, another connection, a stronger
// requirement — is held as usual.

const { HoldStatus } = approvalsV1;
const MINUTE = 60_000;

describe('time-boxed grants', () => {
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

  /** An MCP refund of its own per test, so no grant of another test can cover it. */
  const refund = (amount: number, order = uniqueSuffix()): TargetOneof => ({ $case: 'mcp', value: { method: 'tools/call', name: 'refund', argumentsJson: canonicalJson({ amount, order }) } });

  /** Holds `options` and has `tokens` approve it; returns the released hold. */
  async function release(options: HoldOptions, tokens = ['approver-token']): Promise<approvalsV1.Hold> {
    const hold = await a.createHold(holdRequest(options));
    let current = hold;
    for (const token of tokens) current = await b.approve(token, hold.id);
    expect(current.status).toBe(HoldStatus.HOLD_STATUS_APPROVED);
    return current;
  }

  it('records what the gateway did with a release once; a refused release revokes the grant it issued and is announced', async () => {
    const target = refund(700);
    const released = await release({ target, sessionId: 'sess-r', grantMs: 15 * MINUTE });
    expect(released.issuedGrant?.revokedAt).toBeUndefined();
    const reported = await a.reportRelease({ holdId: released.id, forwarded: false, code: 'REVOKED', message: 'the request was approved, but its caller is no longer valid: this identity has been revoked' });
    expect(reported.release).toMatchObject({ forwarded: false, code: 'REVOKED', reportedAt: expect.any(Date) });
    expect(reported.issuedGrant).toMatchObject({ revokedBy: 'portcullis', revocationReason: 'its release was refused: REVOKED', revokedAt: expect.any(Date) });
    // Once per hold; a pending hold has no release to report.
    expect(await refusal(a.reportRelease({ holdId: released.id, forwarded: true }))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'NOT_RELEASED' });
    const pending = await a.createHold(holdRequest({ target: refund(701) }));
    expect(await refusal(a.reportRelease({ holdId: pending.id, forwarded: true }))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'NOT_RELEASED' });
    // The same request again is held for people: the revoked grant covers nothing.
    const again = await a.createHold(holdRequest({ target, sessionId: 'sess-r2', grantMs: 15 * MINUTE }));
    expect(again.status).toBe(HoldStatus.HOLD_STATUS_PENDING);
    const events = await stack.untilEvents(released.id, 3);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.granted', 'release.refused']);
    expect(events[2]!.event.body).toMatchObject({ $case: 'releaseRefused', value: { holdId: released.id, code: 'REVOKED' } });
    expect((await stack.untilEvents(released.issuedGrant!.id, 1)).map((e) => e.kind)).toEqual(['grant.revoked']);
  });

  it('issues a grant on release; the same request of the same requester is then released at once, and says by which grant', async () => {
    const target = refund(10);
    const first = await release({ target, sessionId: 'sess-1', grantMs: 15 * MINUTE });
    const grant = first.issuedGrant!;
    expect(grant).toMatchObject({
      holdId: first.id,
      requestId: first.requestId,
      connection: 'demo-http',
      requesterIssuer: ISSUER,
      requesterSubject: 'demo-agent',
      targetDigest: targetDigest({ kind: 'mcp', method: 'tools/call', name: 'refund', argumentsJson: target.$case === 'mcp' ? target.value.argumentsJson : '' }),
      target,
      approverGroups: ['approvers'],
      reasons: ['rule:agents-write'],
      approvals: [{ issuer: ISSUER, subject: 'demo-approver' }],
      revokedAt: undefined,
    });
    expect(first.grant).toEqual({ seconds: 900n, nanos: 0 });
    // Release time plus the grant, by the database's clock.
    expect(grant.issuedAt!.getTime()).toBe(first.resolvedAt!.getTime());
    expect(grant.expiresAt!.getTime() - grant.issuedAt!.getTime()).toBe(15 * MINUTE);

    // Another request (new id, another session), same requester, connection and target: no waiting.
    const again = holdRequest({ target, sessionId: 'sess-2', grantMs: 15 * MINUTE });
    const reused = await b.createHold(again);
    expect(reused).toMatchObject({ requestId: again.context!.requestId, sessionId: 'sess-2', status: HoldStatus.HOLD_STATUS_APPROVED, resolvedBy: '', approvals: [], issuedGrant: undefined });
    expect(reused.resolvedAt).toBeInstanceOf(Date);
    expect(reused.grantedByGrant).toEqual(grant);
    expect(await a.getHold(reused.id)).toEqual(reused);
    expect((await a.createHold(again)).id).toBe(reused.id); // a retried CreateHold is the same hold
    // Using a grant never issues one: its window is never extended by being used.
    expect((await a.listGrants('approver-token')).filter((g) => g.targetDigest === grant.targetDigest).map((g) => g.id)).toEqual([grant.id]);
    expect((await a.listHolds('approver-token')).map((h) => h.id)).not.toContain(reused.id);

    const issuing = await stack.untilEvents(first.id, 2);
    expect(issuing.map((e) => e.kind)).toEqual(['approval.requested', 'approval.granted']);
    expect(issuing[1]!.event.body).toMatchObject({ $case: 'approvalGranted', value: { grantId: grant.id, grantExpiresAt: grant.expiresAt } });
    // The reuse is in the audit trail: who asked, which grant, whose approvals — and nobody was asked.
    const [used, ...rest] = await stack.untilEvents(reused.id, 1);
    expect(rest).toEqual([]);
    expect(used!.kind).toBe('grant.used');
    expect(used!.subject).toBe(`${stack.namespace}.evt.grant.used.demo-http.${reused.requestId}`);
    expect(used!.event).toMatchObject({
      requestId: reused.requestId,
      sessionId: 'sess-2',
      body: { $case: 'grantUsed', value: { holdId: reused.id, grantId: grant.id, grantHoldId: first.id, grantExpiresAt: grant.expiresAt, requester: 'demo-agent', approvers: [{ subject: 'demo-approver' }] } },
    });
  });

  it('issues no grant for HTTP, whose target does not include the body', async () => {
    const target: TargetOneof = { $case: 'http', value: { method: 'POST', path: `/payments/${uniqueSuffix()}`, query: '', headers: [] } };
    const first = await release({ target, grantMs: 15 * MINUTE });
    expect(first.issuedGrant).toBeUndefined();
    const again = await b.createHold(holdRequest({ target, grantMs: 15 * MINUTE }));
    expect(again.status).toBe(HoldStatus.HOLD_STATUS_PENDING);
  });

  it('covers nothing else: other arguments, another requester (or client of the same subject) or connection, or a requirement it did not meet', async () => {
    const order = uniqueSuffix();
    const base: HoldOptions = { target: refund(10, order), grantMs: 15 * MINUTE };
    await release(base);
    const held = async (options: HoldOptions) => {
      const hold = await a.createHold(holdRequest({ ...base, ...options }));
      return { status: hold.status, grantedByGrant: hold.grantedByGrant };
    };
    const pending = { status: HoldStatus.HOLD_STATUS_PENDING, grantedByGrant: undefined };
    expect(await held({ target: refund(10_000, order) })).toEqual(pending);
    expect(await held({ requester: { subject: 'other-agent', groups: ['agents'] } })).toEqual(pending);
    expect(await held({ requester: { subject: 'demo-agent', groups: ['agents'], issuer: 'http://other-idp.test' } })).toEqual(pending);
    expect(await held({ requester: { subject: 'demo-agent', groups: ['agents'], clientId: 'another-agent-client' } })).toEqual(pending);
    expect(await held({ connection: 'other-http' })).toEqual(pending);
    // Policy no longer grants, asks other approvers or for other reasons, or wants more approvals.
    expect(await held({ grantMs: undefined })).toEqual(pending);
    expect(await held({ approverGroups: ['approvers', 'security'] })).toEqual(pending);
    expect(await held({ reasons: ['rule:agents-write', 'rule:big-refunds'] })).toEqual(pending);
    expect(await held({ minApprovals: 2 })).toEqual(pending);
    // ...and the very same request is still covered.
    expect((await held({})).status).toBe(HoldStatus.HOLD_STATUS_APPROVED);
  });

  it('a grant a quorum earned carries every approver and covers requirements of up to as many', async () => {
    const target = refund(20);
    const first = await release({ target, grantMs: 15 * MINUTE, minApprovals: 2 }, ['approver-token', 'second-approver-token']);
    expect(first.issuedGrant!.approvals.map((x) => x.subject)).toEqual(['demo-approver', 'second-approver']);
    expect((await a.createHold(holdRequest({ target, grantMs: 15 * MINUTE, minApprovals: 2 }))).grantedByGrant?.id).toBe(first.issuedGrant!.id);
    expect((await a.createHold(holdRequest({ target, grantMs: 15 * MINUTE, minApprovals: 3 }))).status).toBe(HoldStatus.HOLD_STATUS_PENDING);
  });

  it('never applies an expired grant: expiry is the database clock’s, and the request waits again', async () => {
    const target = refund(30);
    const first = await release({ target, grantMs: 1000 });
    const grant = first.issuedGrant!;
    expect((await a.createHold(holdRequest({ target, grantMs: 1000 }))).grantedByGrant?.id).toBe(grant.id);
    await eventually(async () => ((await a.listGrants('approver-token')).some((g) => g.id === grant.id) ? undefined : true), 5000, 'grant to expire');
    const after = await b.createHold(holdRequest({ target, grantMs: 1000 }));
    expect(after).toMatchObject({ status: HoldStatus.HOLD_STATUS_PENDING, grantedByGrant: undefined });
    expect(after.createdAt!.getTime()).toBeGreaterThanOrEqual(grant.expiresAt!.getTime());
    expect((await a.listGrants('approver-token', true)).map((g) => g.id)).toContain(grant.id);
  });

  it('lets an approver revoke a live grant with a reason; the request waits again, and a revocation is announced once', async () => {
    const target = refund(40);
    const first = await release({ target, grantMs: 15 * MINUTE });
    const grantId = first.issuedGrant!.id;
    expect((await a.listGrants('approver-token')).map((g) => g.id)).toContain(grantId);
    expect(await a.listGrants('other-token')).toEqual([]);

    expect(await refusal(a.revokeGrant('other-token', grantId, 'no'))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_AN_APPROVER' });
    expect(await refusal(a.revokeGrant('approver-token', grantId, ' '))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'REASON_REQUIRED' });
    expect(await refusal(a.revokeGrant(undefined, grantId, 'no'))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: 'TOKEN_MISSING' });
    expect(await refusal(a.revokeGrant('approver-token', randomUUID(), 'no'))).toEqual({ code: grpc.status.NOT_FOUND, reason: 'GRANT_NOT_FOUND' });
    expect(await refusal(a.revokeGrant('approver-token', 'not-a-uuid', 'no'))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_ID' });

    const revoked = await b.revokeGrant('second-approver-token', grantId, 'the incident is over');
    expect(revoked).toMatchObject({ id: grantId, revokedBy: 'second-approver', revocationReason: 'the incident is over' });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await refusal(a.revokeGrant('approver-token', grantId, 'again'))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'GRANT_INACTIVE' });
    expect((await a.listGrants('approver-token')).map((g) => g.id)).not.toContain(grantId);
    expect((await a.getHold(first.id)).issuedGrant).toMatchObject({ id: grantId, revokedBy: 'second-approver' });

    expect(await a.createHold(holdRequest({ target, grantMs: 15 * MINUTE }))).toMatchObject({ status: HoldStatus.HOLD_STATUS_PENDING, grantedByGrant: undefined });
    const [event] = await stack.untilEvents(grantId, 1);
    expect(event!.kind).toBe('grant.revoked');
    expect(event!.subject).toBe(`${stack.namespace}.evt.grant.revoked.demo-http.${first.requestId}`);
    expect(event!.event.body).toEqual({ $case: 'grantRevoked', value: { grantId, holdId: first.id, revokedBy: 'second-approver', reason: 'the incident is over' } });
  });

  it('refuses a grant it could never have meant, and a known request id with another grant', async () => {
    expect(await refusal(a.createHold(holdRequest({ grantMs: 31 * 24 * 60 * MINUTE })))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
    const noIssuer = await refusal(a.createHold(holdRequest({ grantMs: MINUTE, requester: { subject: 'demo-agent', groups: ['agents'], issuer: '' } })));
    expect(noIssuer).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
    const request = holdRequest({ grantMs: MINUTE });
    await a.createHold(request);
    expect(await refusal(b.createHold(holdRequest({ requestId: request.context!.requestId, grantMs: 2 * MINUTE })))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
  });
});
