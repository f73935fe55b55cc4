import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '@portcullis/db';
import { approvalsV1, commonV1 } from '@portcullis/proto-gen';
import { createLogger, grpcReason } from '@portcullis/service-kit';
import { eventually, uniqueSuffix } from '@portcullis/testkit';
import { canonicalJson, targetDigest } from '@portcullis/request-model';
import { holdRequest, refusal, startApprovals, type ApprovalsClient, type ApprovalsStack, type TargetOneof } from './approvals.test-support.js';
import { migrations } from './db/migrations/index.js';
import { HoldService } from './holds.service.js';

const { HoldStatus } = approvalsV1;

describe('approvals service', () => {
  let stack: ApprovalsStack;
  let a: ApprovalsClient;
  let b: ApprovalsClient;
  /** A hold the previous version wrote (HTTP columns, no target), inserted before the apps migrate. */
  const legacy = { id: randomUUID(), requestId: `req-legacy-${uniqueSuffix()}`, method: 'POST', path: '/orders/café/42' };
  const eventKinds = async (holdId: string) => (await stack.eventsOf(holdId)).map((e) => e.kind);
  const untilEvents = (holdId: string, count: number) => stack.untilEvents(holdId, count);

  beforeAll(async () => {
    stack = await startApprovals({
      beforeStart: async (database) => {
        const previous = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '20261202000000'));
        await migrateToLatest(database, 'approvals', previous);
        await sql`
          insert into approvals.holds (id, request_id, connection, requester_issuer, requester_subject, requester_client_id, requester_groups, http_method, http_path, reasons, approver_groups, expires_at)
          values (${legacy.id}, ${legacy.requestId}, 'demo-http', 'http://idp.test', 'demo-agent', 'demo-agent', '{agents}', ${legacy.method}, ${legacy.path}, '{rule:agents-write}', '{approvers}', now() + interval '1 hour')
        `.execute(database.db);
      },
    });
    ({ a, b } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('creates a pending hold once per request id, with its requester, target and expiry', async () => {
    const request = holdRequest();
    const hold = await a.createHold(request);
    expect(hold).toMatchObject({
      requestId: request.context!.requestId,
      connection: 'demo-http',
      requester: { subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'] },
      target: { $case: 'http', value: { method: 'POST', path: '/echo' } },
      sessionId: '',
      reasons: ['rule:agents-write'],
      message: 'Writes by agents wait for a human in the approvers group.',
      approverGroups: ['approvers'],
      status: HoldStatus.HOLD_STATUS_PENDING,
    });
    expect(hold.expiresAt!.getTime() - hold.createdAt!.getTime()).toBe(120_000);

    const again = await b.createHold(request);
    expect(again.id).toBe(hold.id);
    expect(await a.getHold(hold.id)).toEqual(hold);

    // The same request id with different content is a conflict, never the existing hold.
    const forged = structuredClone(request);
    forged.context!.target = { $case: 'http', value: { method: 'POST', path: '/somewhere-else' } };
    expect(await refusal(b.createHold(forged))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
    // ...and so is the same request with a different approval requirement (someone else's approvers).
    const otherApprovers = structuredClone(request);
    otherApprovers.decision!.approval!.approverGroups = ['friends-of-the-requester'];
    expect(await refusal(b.createHold(otherApprovers))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });

    const [requested] = await untilEvents(hold.id, 1);
    expect(requested!.kind).toBe('approval.requested');
    // Its id is random, and the message id JetStream de-duplicates by: nobody can take it first.
    expect(requested!.msgId).toBe(requested!.event.id);
    expect(requested!.event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requested!.event.id).not.toContain(hold.id);
    expect(requested!.subject).toBe(`${stack.namespace}.evt.approval.requested.demo-http.${request.context!.requestId}`);
    expect(requested!.event).toMatchObject({
      requestId: request.context!.requestId,
      connection: 'demo-http',
      body: {
        $case: 'approvalRequested',
        value: { holdId: hold.id, approverGroups: ['approvers'], expiresAt: hold.expiresAt, reasons: ['rule:agents-write'], requester: 'demo-agent', target: { $case: 'http', value: { method: 'POST', path: '/echo' } } },
      },
    });
    expect(requested!.event.source).toMatch(/^approvals:int-[ab]$/);
  });

  it('refuses to hold what is not a require_approval decision or has no usable ids', async () => {
    const notApproval = holdRequest();
    notApproval.decision!.effect = commonV1.Effect.EFFECT_ALLOW;
    expect(await refusal(a.createHold(notApproval))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
    expect(await refusal(a.createHold(holdRequest({ requestId: 'has.dots' })))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
    expect(await refusal(a.createHold(holdRequest({ approverGroups: [] })))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
    expect(await refusal(a.createHold(holdRequest({ target: undefined })))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
    const notCanonical = holdRequest({ target: { $case: 'mcp', value: { method: 'tools/call', name: 'refund', argumentsJson: '{"order":42,"amount":1}' } } });
    expect(await refusal(a.createHold(notCanonical))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_HOLD' });
  });

  it('holds MCP and SQL requests exactly as asked, in their session, and announces what they would release', async () => {
    const mcp = holdRequest({ sessionId: 'sess-mcp', target: { $case: 'mcp', value: { method: 'tools/call', name: 'refund', argumentsJson: canonicalJson({ order: 42, amount: { value: 10, currency: 'EUR' } }) } } });
    const parameters = [{ value: { $case: 'text' as const, value: 'null' } }, { value: { $case: 'binary' as const, value: Buffer.from([0, 1, 255]) } }, { value: undefined }];
    const statement = { $case: 'sql' as const, value: { statement: 'update orders set note = $1, blob = $2, gone = $3', parameters } };
    const sqlRequest = holdRequest({ sessionId: 'sess-sql', target: statement });
    for (const request of [mcp, sqlRequest]) {
      const hold = await a.createHold(request);
      expect(hold).toMatchObject({ target: request.context!.target, sessionId: request.context!.sessionId, status: HoldStatus.HOLD_STATUS_PENDING });
      expect(await b.getHold(hold.id)).toEqual(hold);
      expect((await b.createHold(request)).id).toBe(hold.id);
      const [requested] = await untilEvents(hold.id, 1);
      expect(requested!.event.sessionId).toBe(request.context!.sessionId);
      expect(requested!.event.body).toMatchObject({ $case: 'approvalRequested', value: { holdId: hold.id, target: request.context!.target } });
    }
  });

  it('refuses a known request id with other MCP arguments, other SQL parameters or another protocol: HOLD_CONFLICT', async () => {
    const args = (amount: number) => canonicalJson({ order: 42, amount });
    const mcp = holdRequest({ target: { $case: 'mcp', value: { method: 'tools/call', name: 'refund', argumentsJson: args(10) } } });
    await a.createHold(mcp);
    const moreMoney = holdRequest({ requestId: mcp.context!.requestId, target: { $case: 'mcp', value: { method: 'tools/call', name: 'refund', argumentsJson: args(10_000) } } });
    expect(await refusal(b.createHold(moreMoney))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
    const asSql = holdRequest({ requestId: mcp.context!.requestId, target: { $case: 'sql', value: { statement: 'tools/call', parameters: [] } } });
    expect(await refusal(b.createHold(asSql))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });

    const param = (value: commonV1.SqlParameter['value']) => ({ value });
    const target = (...parameters: commonV1.SqlParameter[]): TargetOneof => ({ $case: 'sql', value: { statement: 'delete from orders where note = $1', parameters } });
    const sqlRequest = holdRequest({ target: target(param({ $case: 'text', value: 'null' })) });
    await a.createHold(sqlRequest);
    for (const other of [target(param(undefined)), target(param({ $case: 'text', value: 'nul' })), target(param({ $case: 'binary', value: Buffer.from('null') })), target()]) {
      expect(await refusal(b.createHold(holdRequest({ requestId: sqlRequest.context!.requestId, target: other })))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
    }
    // The same request in another session is another request too.
    expect(await refusal(b.createHold({ ...sqlRequest, context: { ...sqlRequest.context!, sessionId: 'sess-other' } }))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
  });

  it('reads a hold written before targets existed as an HTTP hold, which still compares and is approvable', async () => {
    const target = { $case: 'http' as const, value: { method: legacy.method, path: legacy.path } };
    const hold = await a.getHold(legacy.id);
    expect(hold).toMatchObject({ requestId: legacy.requestId, target, sessionId: '', status: HoldStatus.HOLD_STATUS_PENDING });
    // The digest the migration computed in SQL is the one the library computes (non-ASCII path included).
    const row = await stack.database.db.selectFrom('holds').select(['target_kind', 'target_digest']).where('id', '=', legacy.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ target_kind: 'http', target_digest: targetDigest({ kind: 'http', method: legacy.method, path: legacy.path, query: '', headers: [] }) });

    expect((await b.createHold(holdRequest({ requestId: legacy.requestId, target }))).id).toBe(legacy.id);
    const elsewhere = holdRequest({ requestId: legacy.requestId, target: { $case: 'http', value: { method: legacy.method, path: '/orders/cafe/42' } } });
    expect(await refusal(b.createHold(elsewhere))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });

    expect(await a.approve('approver-token', legacy.id)).toMatchObject({ status: HoldStatus.HOLD_STATUS_APPROVED, target, resolvedBy: 'demo-approver' });
    const [granted] = await untilEvents(legacy.id, 1);
    expect(granted!.event).toMatchObject({ sessionId: '', body: { $case: 'approvalGranted', value: { holdId: legacy.id } } });
  });

  it('holds an HTTP request with its query and decision headers; another query under the same id is a conflict', async () => {
    const target: TargetOneof = { $case: 'http', value: { method: 'DELETE', path: '/orders', query: 'id=1', headers: [{ name: 'accept', value: '*/*' }, { name: 'accept', value: 'text/csv' }] } };
    const request = holdRequest({ target });
    const hold = await a.createHold(request);
    expect(hold.target).toEqual(target);
    expect(await b.getHold(hold.id)).toEqual(hold);
    expect((await b.createHold(request)).id).toBe(hold.id);
    for (const other of [
      { ...target.value, query: 'id=2' },
      { ...target.value, query: '' },
      { ...target.value, headers: [{ name: 'accept', value: '*/*' }] },
    ]) {
      const conflicting = holdRequest({ requestId: request.context!.requestId, target: { $case: 'http', value: other } });
      expect(await refusal(b.createHold(conflicting))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
    }
  });

  it('reads an HTTP hold stored before queries and headers as having neither: it still compares and is approvable', async () => {
    // A row as the previous version of the repository wrote it: target JSON without query or headers.
    const id = randomUUID();
    const requestId = `req-noquery-${uniqueSuffix()}`;
    await stack.database.db
      .insertInto('holds')
      .values({
        id,
        request_id: requestId,
        connection: 'demo-http',
        requester_issuer: 'http://idp.test',
        requester_subject: 'demo-agent',
        requester_client_id: 'demo-agent',
        requester_groups: ['agents'],
        target: JSON.stringify({ kind: 'http', method: 'DELETE', path: '/orders/7' }),
        target_digest: targetDigest({ kind: 'http', method: 'DELETE', path: '/orders/7', query: '', headers: [] }),
        session_id: '',
        reasons: ['rule:agents-write'],
        message: '',
        approver_groups: ['approvers'],
        expires_at: new Date(Date.now() + 3_600_000),
      })
      .execute();
    const target = { $case: 'http' as const, value: { method: 'DELETE', path: '/orders/7', query: '', headers: [] } };
    expect(await a.getHold(id)).toMatchObject({ requestId, target, message: '', status: HoldStatus.HOLD_STATUS_PENDING });
    expect((await b.createHold(holdRequest({ requestId, target }))).id).toBe(id);
    const withQuery = holdRequest({ requestId, target: { $case: 'http', value: { ...target.value, query: 'id=7' } } });
    expect(await refusal(b.createHold(withQuery))).toEqual({ code: grpc.status.ALREADY_EXISTS, reason: 'HOLD_CONFLICT' });
    expect(await a.approve('approver-token', id)).toMatchObject({ status: HoldStatus.HOLD_STATUS_APPROVED, target });
  });

  it('lists a hold to its approvers only', async () => {
    const hold = await a.createHold(holdRequest());
    expect((await a.listHolds('approver-token')).map((h) => h.id)).toContain(hold.id);
    expect((await a.listHolds('other-token')).map((h) => h.id)).not.toContain(hold.id);
    expect((await a.listHolds('agent-token')).map((h) => h.id)).not.toContain(hold.id);
  });

  it('requires a valid bearer token for approver calls', async () => {
    const hold = await a.createHold(holdRequest());
    expect(await refusal(a.listHolds(undefined))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: 'TOKEN_MISSING' });
    expect(await refusal(a.approve(undefined, hold.id))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: 'TOKEN_MISSING' });
    expect(await refusal(a.deny('forged-token', hold.id, 'no'))).toEqual({ code: grpc.status.UNAUTHENTICATED, reason: 'TOKEN_INVALID' });
  });

  it('rejects malformed and unknown hold ids', async () => {
    expect(await refusal(a.getHold('1 or 1=1'))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_ID' });
    expect(await refusal(a.approve('approver-token', 'not-a-uuid'))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'INVALID_ID' });
    expect(await refusal(a.approve('approver-token', '00000000-0000-4000-8000-000000000000'))).toEqual({ code: grpc.status.NOT_FOUND, reason: 'HOLD_NOT_FOUND' });
  });

  it('never lets the requester approve its own request, even as an approver', async () => {
    const hold = await a.createHold(holdRequest({ approverGroups: ['agents', 'approvers'] }));
    expect((await a.listHolds('agent-token')).map((h) => h.id)).toContain(hold.id);
    expect(await refusal(a.approve('agent-token', hold.id))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'SELF_APPROVAL' });
    expect(await refusal(a.deny('agent-token', hold.id, 'mine'))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'SELF_APPROVAL' });
    expect((await a.getHold(hold.id)).status).toBe(HoldStatus.HOLD_STATUS_PENDING);
  });

  it('refuses someone outside the approver groups', async () => {
    const hold = await a.createHold(holdRequest());
    expect(await refusal(a.approve('other-token', hold.id))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_AN_APPROVER' });
    expect(await refusal(a.deny('other-token', hold.id, 'no'))).toEqual({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_AN_APPROVER' });
  });

  it('approves once, then refuses; publishes requested then granted', async () => {
    const hold = await a.createHold(holdRequest());
    const approved = await a.approve('approver-token', hold.id);
    expect(approved).toMatchObject({ id: hold.id, status: HoldStatus.HOLD_STATUS_APPROVED, resolvedBy: 'demo-approver' });
    expect(approved.resolvedAt).toBeInstanceOf(Date);
    expect(await refusal(a.approve('approver-token', hold.id))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'ALREADY_RESOLVED' });
    expect(await refusal(b.deny('approver-token', hold.id, 'too late'))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'ALREADY_RESOLVED' });
    expect((await a.listHolds('approver-token')).map((h) => h.id)).not.toContain(hold.id);
    expect((await a.listHolds('approver-token', true)).map((h) => h.id)).toContain(hold.id);

    const events = await untilEvents(hold.id, 2);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.granted']);
    expect(events[1]!.event.body).toEqual({
      $case: 'approvalGranted',
      value: { holdId: hold.id, approver: 'demo-approver', approvers: [{ issuer: 'http://idp.test', subject: 'demo-approver', approvedAt: approved.approvals[0]!.approvedAt }], grantId: '', grantExpiresAt: undefined },
    });
    expect(approved).toMatchObject({ minApprovals: 1, approvals: [{ issuer: 'http://idp.test', subject: 'demo-approver' }], grantedByGrant: undefined, issuedGrant: undefined });
    expect(events[1]!.subject).toBe(`${stack.namespace}.evt.approval.granted.demo-http.${hold.requestId}`);
  });

  it('denies only with a reason and publishes the denial', async () => {
    const hold = await a.createHold(holdRequest());
    expect(await refusal(a.deny('approver-token', hold.id, ''))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'REASON_REQUIRED' });
    expect(await refusal(a.deny('approver-token', hold.id, 'x'.repeat(501)))).toEqual({ code: grpc.status.INVALID_ARGUMENT, reason: 'REASON_TOO_LONG' });
    const denied = await a.deny('approver-token', hold.id, 'writes are frozen');
    expect(denied).toMatchObject({ status: HoldStatus.HOLD_STATUS_DENIED, resolvedBy: 'demo-approver', resolutionReason: 'writes are frozen' });

    const events = await untilEvents(hold.id, 2);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.denied']);
    expect(events[1]!.event.body).toEqual({ $case: 'approvalDenied', value: { holdId: hold.id, approver: 'demo-approver', reason: 'writes are frozen' } });
  });

  it('expires a hold nobody answers and publishes ApprovalExpired', async () => {
    const hold = await a.createHold(holdRequest({ timeoutSeconds: 1 }));
    const expired = await eventually(async () => {
      const current = await a.getHold(hold.id);
      return current.status === HoldStatus.HOLD_STATUS_EXPIRED ? current : undefined;
    }, 10_000, 'hold to expire');
    expect(expired.resolvedAt!.getTime()).toBeGreaterThanOrEqual(hold.expiresAt!.getTime());
    expect(expired.resolvedBy).toBe('');
    expect(await refusal(a.approve('approver-token', hold.id))).toEqual({ code: grpc.status.FAILED_PRECONDITION, reason: 'ALREADY_RESOLVED' });

    const events = await untilEvents(hold.id, 2);
    expect(events.map((e) => e.kind)).toEqual(['approval.requested', 'approval.expired']);
    expect(events[1]!.event.body).toEqual({ $case: 'approvalExpired', value: { holdId: hold.id } });
  });

  it('lets exactly one of two racing approvals win, across instances', async () => {
    for (let round = 0; round < 5; round++) {
      const hold = await a.createHold(holdRequest());
      const results = await Promise.allSettled([a.approve('approver-token', hold.id), b.approve('approver-token', hold.id)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(grpcReason(lost.reason)).toBe('ALREADY_RESOLVED');

      await untilEvents(hold.id, 2);
      // Give a stray second grant (there must be none) time to arrive before counting.
      await new Promise((r) => setTimeout(r, 200));
      expect(await eventKinds(hold.id)).toEqual(['approval.requested', 'approval.granted']);
    }
  });

  it('publishes events committed without a relay kick (e.g. during a NATS outage) on the next tick', async () => {
    // A writer whose relay never runs: its outbox rows are only published by the instances' timers.
    const silent = new HoldService({ db: stack.database.db, source: 'approvals:offline', logger: createLogger('approvals', 'silent'), onEventsCommitted: () => undefined });
    const created = await silent.create({
      requestId: `req-${uniqueSuffix()}`,
      connection: 'demo-http',
      requester: { issuer: 'iss', subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'] },
      target: { kind: 'sql', statement: 'select 1', parameters: [] },
      sessionId: 'sess-offline',
      reasons: ['rule:agents-write'],
      message: '',
      approverGroups: ['approvers'],
      timeoutMs: 60_000,
      minApprovals: 1,
    });
    if (!created.ok) throw new Error(created.failure.message);
    const [requested] = await untilEvents(created.value.id, 1);
    expect(requested!.event.source).toBe('approvals:offline');
    const pending = await eventually(async () => {
      const row = await stack.database.db.selectFrom('outbox').select(({ fn }) => fn.countAll<string>().as('n')).where('published_at', 'is', null).executeTakeFirstOrThrow();
      return row.n === '0' ? row : undefined;
    }, 5000, 'outbox to drain');
    expect(pending.n).toBe('0');
  });
});
