import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { jetstream } from '@nats-io/jetstream';
import { BATCH_TYPE, BusNames, connectBus, ensureStreams, EVENT_TYPE_HEADER, EventPublisher, newEvent, type Bus } from '@portcullis/bus';
import type { Principal } from '@portcullis/identity-client';
import { approvalsV1, eventsV1 } from '@portcullis/proto-gen';
import { mcpTarget, targetDigest, targetFromProto, targetToProto, type HttpTarget, type Target } from '@portcullis/request-model';
import { createLogger, serverCredentials } from '@portcullis/service-kit';
import { deleteStreams, natsUrl, testClientCredentials, testTls, uniqueNamespace } from '@portcullis/testkit';
import { EventsRecorder } from './bus/events.recorder.js';
import type { RequestContext } from './domain/context.js';
import type { Decision } from './domain/decision.js';
import type { GatewayEvent } from './domain/events.js';
import { ApprovalGate } from './grpc/approval.gate.js';

// The gateway's bus adapters against a real NATS JetStream server: group-committed events as the
// stream stores them, and the approval gate facing forged wake-ups and holds that describe another
// request. The approvals service is played by a real gRPC server that answers what each test
// needs — including what a broken or compromised approvals service could answer, which the real
// one never would.

const quiet = createLogger('ingress-test', 'silent');
const ids = { next: () => randomUUID() };
let bus: Bus;
let names: BusNames;
let url: string;

beforeAll(async () => {
  url = await natsUrl();
  names = new BusNames(uniqueNamespace('ing'));
  bus = await connectBus({ url, name: 'ingress-test' });
  await ensureStreams(bus.jsm, names);
});

afterAll(async () => {
  await bus?.close();
  if (url) await deleteStreams(url, names.namespace).catch(() => undefined);
});

const principal: Principal = {
  subject: 'demo-agent',
  clientId: 'demo-agent',
  groups: ['agents'],
  issuer: 'https://idp.test',
  expiresAt: new Date(Date.now() + 60_000),
  scopes: ['orders:write'],
  kind: 'machine',
  claimsJson: '{"sub":"demo-agent"}',
};

const received = (n: number): GatewayEvent => ({ id: `ev-${n}-${randomUUID()}`, occurredAt: new Date(), sessionId: 'sess-1', requestId: `req-${n}`, connection: 'demo', kind: 'requestReceived', protocol: 'http', principal, target: { kind: 'http', method: 'GET', path: `/items/${n}`, query: `page=${n}`, headers: [{ name: 'accept', value: 'application/json' }] } });

describe('EventsRecorder over JetStream', () => {
  it('stores the events of concurrent requests as batches, every event intact and in order', async () => {
    const publisher = new EventPublisher(bus.js, names);
    const recorder = new EventsRecorder((batchId, events) => publisher.publishBatch(batchId, 'ingress:test', events), 'ingress:test', ids, quiet);
    const events = Array.from({ length: 40 }, (_, i) => received(i));
    await Promise.all(events.map((event) => recorder.record([event])));

    const stream = await bus.jsm.streams.info(names.eventsStream);
    const consumer = await jetstream(bus.nc).consumers.get(names.eventsStream);
    const stored: eventsV1.Event[] = [];
    let messages = 0;
    while (stored.length < events.length && messages < stream.state.messages) {
      const msg = await consumer.next({ expires: 2000 });
      if (!msg) break;
      messages++;
      expect(msg.headers?.get(EVENT_TYPE_HEADER)).toBe(BATCH_TYPE);
      expect(msg.subject.startsWith(`${names.namespace}.evt.batch.`)).toBe(true);
      for (const bytes of eventsV1.EventBatch.decode(msg.data).events) stored.push(eventsV1.Event.decode(bytes));
    }
    expect(stored.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(messages).toBeLessThan(events.length); // gathered, not one message per event
    expect(stored[3]).toMatchObject({ source: 'ingress:test', sessionId: 'sess-1', requestId: 'req-3', body: { $case: 'requestReceived', value: { target: { $case: 'http', value: { path: '/items/3' } } } } });
  });

  it('fails the callers closed when the stream refuses, and stores nothing half-written', async () => {
    const publisher = new EventPublisher(bus.js, new BusNames(uniqueNamespace('none'))); // no such stream
    const recorder = new EventsRecorder((batchId, events) => publisher.publishBatch(batchId, 'ingress:test', events), 'ingress:test', ids, quiet);
    await expect(recorder.record([received(1)])).rejects.toThrow();
  });
});

/** A real gRPC ApprovalsService whose answers each test sets. */
function approvalsDouble() {
  let created: (request: approvalsV1.CreateHoldRequest) => approvalsV1.Hold;
  let current: () => approvalsV1.Hold;
  let gets = 0;
  const server = new grpc.Server();
  server.addService(approvalsV1.ApprovalsServiceService, {
    createHold: (call: grpc.ServerUnaryCall<approvalsV1.CreateHoldRequest, approvalsV1.CreateHoldResponse>, cb: grpc.sendUnaryData<approvalsV1.CreateHoldResponse>) => cb(null, { hold: created(call.request) }),
    getHold: (_call: unknown, cb: grpc.sendUnaryData<approvalsV1.GetHoldResponse>) => {
      gets++;
      cb(null, { hold: current() });
    },
    listHolds: (_c: unknown, cb: grpc.sendUnaryData<approvalsV1.ListHoldsResponse>) => cb(null, { holds: [] }),
    approve: (_c: unknown, cb: grpc.sendUnaryData<approvalsV1.ApproveResponse>) => cb({ code: grpc.status.UNIMPLEMENTED }),
    deny: (_c: unknown, cb: grpc.sendUnaryData<approvalsV1.DenyResponse>) => cb({ code: grpc.status.UNIMPLEMENTED }),
  });
  return {
    server,
    set(onCreate: typeof created, onGet: typeof current) {
      created = onCreate;
      current = onGet;
    },
    get gets() {
      return gets;
    },
    async start(): Promise<string> {
      const credentials = serverCredentials(await testTls('approvals'));
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));
      return `127.0.0.1:${port}`;
    },
  };
}

describe('ApprovalGate against real NATS', () => {
  const approvals = approvalsDouble();
  let gate: ApprovalGate;
  const decision: Decision = {
    effect: 'require_approval',
    reasons: ['rule:hold'],
    message: 'Transfers wait for an approver.',
    maskingProfiles: [],
    approval: { approverGroups: ['approvers'], timeoutMs: 60_000, minApprovals: 2, grantMs: 300_000 },
    policyVersion: 'v',
    decidedBy: 'p',
    cacheable: true,
  };
  const context = (target: Target): RequestContext => ({ requestId: randomUUID(), sessionId: randomUUID(), connection: 'demo', protocol: target.kind, principal, target });

  const approvedBy = (...subjects: string[]): approvalsV1.Approval[] => subjects.map((subject) => ({ issuer: 'https://idp.test', subject, approvedAt: new Date() }));

  /**
   * The hold the approvals service stores for `request`, in a status, optionally about something
   * else; an approved one has the approvals its decision asks for.
   */
  const holdFor = (request: approvalsV1.CreateHoldRequest, status: approvalsV1.HoldStatus, target?: Target): approvalsV1.Hold => ({
    id: randomUUID(),
    requestId: request.context!.requestId,
    sessionId: request.context!.sessionId,
    connection: request.context!.connection,
    requester: request.context!.principal,
    target: target ? targetToProto(target) : request.context!.target,
    reasons: request.decision!.reasons,
    message: request.decision!.message,
    approverGroups: request.decision!.approval!.approverGroups,
    status,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    resolvedAt: undefined,
    resolvedBy: status === approvalsV1.HoldStatus.HOLD_STATUS_APPROVED ? 'approver' : '',
    resolutionReason: '',
    minApprovals: request.decision!.approval!.minApprovals,
    approvals: status === approvalsV1.HoldStatus.HOLD_STATUS_APPROVED ? approvedBy('second-approver', 'approver') : [],
    grant: request.decision!.approval!.grant,
    grantedByGrant: undefined,
    issuedGrant: undefined,
  });

  /** `request` released as it was created by a live grant for it (what a real approvals service answers). */
  const grantedFor = (request: approvalsV1.CreateHoldRequest, overrides: Partial<approvalsV1.Grant> = {}): approvalsV1.Hold => {
    const context = request.context!;
    return {
      ...holdFor(request, approvalsV1.HoldStatus.HOLD_STATUS_APPROVED),
      resolvedBy: '',
      approvals: [],
      resolvedAt: new Date(),
      grantedByGrant: {
        ...approvalsV1.Grant.fromPartial({}),
        id: randomUUID(),
        holdId: randomUUID(),
        connection: context.connection,
        requesterIssuer: context.principal!.issuer,
        requesterSubject: context.principal!.subject,
        targetDigest: targetDigest(targetFromProto(context.target)!),
        target: context.target,
        approvals: approvedBy('approver', 'second-approver'),
        issuedAt: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() + 240_000),
        ...overrides,
      },
    };
  };

  beforeAll(async () => {
    gate = new ApprovalGate(await approvals.start(), await testClientCredentials('ingress', 'approvals'), bus.nc, names, quiet, { pollMs: 60_000, graceMs: 1000, deadlineMs: 2000 });
  });
  afterAll(() => {
    gate?.close();
    approvals.server.forceShutdown();
  });

  const toolCall = mcpTarget('tools/call', 'transfer', { amount: 5000, to: 'acct-1' });

  it('ignores a forged "granted" wake-up: the stored hold is still pending, so nothing is released', async () => {
    let stored: approvalsV1.Hold | undefined;
    approvals.set(
      (req) => (stored = holdFor(req, approvalsV1.HoldStatus.HOLD_STATUS_PENDING)),
      () => stored!,
    );
    const ctx = context(toolCall);
    const aborter = new AbortController();
    const result = gate.hold(ctx, decision, aborter.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Anyone on the bus can publish this; it names the request and claims approval.
    const forged = newEvent({ requestId: ctx.requestId, connection: 'demo', source: 'approvals:forged', body: { $case: 'approvalGranted', value: { holdId: stored!.id, approver: 'mallory', approvers: [], grantId: '', grantExpiresAt: undefined } } });
    const before = approvals.gets;
    await bus.js.publish(names.eventSubject(forged), eventsV1.Event.encode(forged).finish(), { msgID: forged.id });
    for (let i = 0; i < 50 && approvals.gets === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(approvals.gets).toBeGreaterThan(before); // the wake-up made the gate look…
    aborter.abort(); // …and the hold is still pending: the caller gives up, nothing was released
    expect(await result).toMatchObject({ status: 'cancelled' });
  });

  it.each<[string, Target]>([
    ['the same tool with other arguments', mcpTarget('tools/call', 'transfer', { amount: 5, to: 'acct-1' })],
    ['an HTTP request (another protocol kind)', { kind: 'http', method: 'POST', path: '/transfer', query: '', headers: [] }],
    ['a SQL statement (another protocol kind)', { kind: 'sql', statement: 'select 1', parameters: [] }],
  ])('refuses an APPROVED hold that describes %s', async (_what, other) => {
    approvals.set(
      (req) => holdFor(req, approvalsV1.HoldStatus.HOLD_STATUS_APPROVED, other),
      () => {
        throw new Error('not asked');
      },
    );
    expect(await gate.hold(context(toolCall), decision, new AbortController().signal)).toMatchObject({ status: 'unavailable', message: 'the approvals service returned an inconsistent hold' });
  });

  it('asks to hold the request with every fact and policy’s message, and refuses a hold for another query', async () => {
    const held: HttpTarget = { kind: 'http', method: 'DELETE', path: '/orders', query: 'id=1', headers: [{ name: 'accept', value: '*/*' }] };
    let asked: approvalsV1.CreateHoldRequest | undefined;
    approvals.set(
      (req) => ((asked = req), holdFor(req, approvalsV1.HoldStatus.HOLD_STATUS_APPROVED, { ...held, query: 'id=2' })),
      () => {
        throw new Error('not asked');
      },
    );
    expect(await gate.hold(context(held), decision, new AbortController().signal)).toMatchObject({ status: 'unavailable', message: 'the approvals service returned an inconsistent hold' });
    expect(asked).toMatchObject({
      context: { principal: { scopes: ['orders:write'], kind: 'machine', claimsJson: '{"sub":"demo-agent"}' }, target: { $case: 'http', value: { query: 'id=1', headers: [{ name: 'accept', value: '*/*' }] } } },
      decision: { message: 'Transfers wait for an approver.', approval: { minApprovals: 2, grant: { seconds: 300n, nanos: 0 } } },
    });
  });

  it('refuses when the stored hold changes to describe another request after a wake-up', async () => {
    let stored: approvalsV1.Hold | undefined;
    approvals.set(
      (req) => (stored = holdFor(req, approvalsV1.HoldStatus.HOLD_STATUS_PENDING)),
      () => ({ ...stored!, status: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED, resolvedBy: 'approver', target: targetToProto({ kind: 'sql', statement: 'drop table t', parameters: [] }) }),
    );
    const ctx = context({ kind: 'sql', statement: 'delete from t where id = $1', parameters: [{ text: '7' }] });
    const result = gate.hold(ctx, decision, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const wake = newEvent({ requestId: ctx.requestId, connection: 'demo', source: 'approvals:x', body: { $case: 'approvalGranted', value: { holdId: stored!.id, approver: 'approver', approvers: [], grantId: '', grantExpiresAt: undefined } } });
    bus.nc.publish(names.eventSubject(wake), eventsV1.Event.encode(wake).finish());
    expect(await result).toMatchObject({ status: 'unavailable' });
  });

  it('releases the request its approved hold describes, after the wake-up', async () => {
    let stored: approvalsV1.Hold | undefined;
    let approved = false;
    approvals.set(
      (req) => (stored = holdFor(req, approvalsV1.HoldStatus.HOLD_STATUS_PENDING)),
      () => (approved ? { ...stored!, status: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED, resolvedBy: 'approver', approvals: approvedBy('second-approver', 'approver') } : stored!),
    );
    const ctx = context(toolCall);
    const result = gate.hold(ctx, decision, new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    approved = true;
    const wake = newEvent({ requestId: ctx.requestId, connection: 'demo', source: 'approvals:x', body: { $case: 'approvalGranted', value: { holdId: stored!.id, approver: 'approver', approvers: [], grantId: '', grantExpiresAt: undefined } } });
    bus.nc.publish(names.eventSubject(wake), eventsV1.Event.encode(wake).finish());
    expect(await result).toMatchObject({ status: 'approved', holdId: stored!.id });
  });

  it('keeps waiting while the stored hold has 1 of 2 approvals, and refuses it released with one (a quorum ignored)', async () => {
    let stored: approvalsV1.Hold | undefined;
    let current: approvalsV1.Hold | undefined;
    approvals.set(
      (req) => (current = stored = holdFor(req, approvalsV1.HoldStatus.HOLD_STATUS_PENDING)),
      () => current!,
    );
    const ctx = context(toolCall);
    const result = gate.hold(ctx, decision, new AbortController().signal);
    const wake = async () => {
      const event = newEvent({ requestId: ctx.requestId, connection: 'demo', source: 'approvals:x', body: { $case: 'approvalRecorded', value: { holdId: stored!.id, approver: approvedBy('approver')[0], approvals: 1, minApprovals: 2 } } });
      const before = approvals.gets;
      bus.nc.publish(names.eventSubject(event), eventsV1.Event.encode(event).finish());
      for (let i = 0; i < 50 && approvals.gets === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await new Promise((resolve) => setTimeout(resolve, 100));
    current = { ...stored!, approvals: approvedBy('approver') };
    await wake();
    // Still pending after a recorded approval: the gate keeps waiting.
    expect(await Promise.race([result, new Promise((resolve) => setTimeout(() => resolve('waiting'), 200))])).toBe('waiting');
    current = { ...stored!, status: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED, resolvedBy: 'approver', approvals: approvedBy('approver') };
    await wake();
    expect(await result).toMatchObject({ status: 'unavailable', message: 'the approvals service released a hold without the approvals its decision requires' });
  });

  it('releases at once, without waiting or asking again, a request CreateHold returns approved by a live grant', async () => {
    approvals.set(
      (req) => grantedFor(req),
      () => {
        throw new Error('not asked');
      },
    );
    const before = approvals.gets;
    const started = Date.now();
    const result = await gate.hold(context(toolCall), decision, new AbortController().signal);
    expect(result).toMatchObject({ status: 'approved', approver: '', grantId: expect.any(String) });
    expect(approvals.gets).toBe(before);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each<[string, (req: approvalsV1.CreateHoldRequest) => Partial<approvalsV1.Grant>]>([
    ['for another requester', () => ({ requesterSubject: 'someone-else' })],
    ['for another target', () => ({ targetDigest: targetDigest(mcpTarget('tools/call', 'transfer', { amount: 1, to: 'acct-1' })) })],
    ['backed by fewer approvers than decided', () => ({ approvals: approvedBy('approver') })],
    ['that has expired', () => ({ expiresAt: new Date(Date.now() - 5000) })],
  ])('refuses a request a grant released %s', async (_what, overrides) => {
    approvals.set(
      (req) => grantedFor(req, overrides(req)),
      () => {
        throw new Error('not asked');
      },
    );
    expect(await gate.hold(context(toolCall), decision, new AbortController().signal)).toMatchObject({ status: 'unavailable' });
  });

  it('refuses a request a grant released when policy grants nothing', async () => {
    const { grantMs: _, ...noGrant } = decision.approval!;
    const strict: Decision = { ...decision, approval: noGrant };
    approvals.set(
      (req) => grantedFor(req),
      () => {
        throw new Error('not asked');
      },
    );
    expect(await gate.hold(context(toolCall), strict, new AbortController().signal)).toMatchObject({ status: 'unavailable' });
  });
});
