import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusNames, connectBus, ensureStreams, EVENT_TYPE_HEADER, type Bus } from '@portcullis/bus';
import { commonV1, eventsV1, policyV1 } from '@portcullis/proto-gen';
import { divertStream, eventually } from '@portcullis/testkit';
import { capturingLogger, context, http, PolicyHarness, select, toolCall, type PolicyApp } from './testing/policy-harness.js';

// Real policy instances on real NATS and PostgreSQL, asked the way the gateway asks.

const encode = (ctx: commonV1.RequestContext | undefined) => policyV1.DecideRequest.encode({ context: ctx }).finish();

async function ask(nc: NatsConnection, names: BusNames, data: Uint8Array): Promise<commonV1.Decision> {
  const reply = await nc.request(names.policyDecide, data, { timeout: 2000 });
  return policyV1.DecideResponse.decode(reply.data).decision!;
}

describe('policy service', () => {
  const harness = new PolicyHarness();
  const names = new BusNames(harness.namespace);
  let bus: Bus;
  let apps: PolicyApp[];
  const decide = (data: Uint8Array) => ask(bus.nc, names, data);

  beforeAll(async () => {
    await harness.setUp();
    apps = [];
    for (const id of ['policy-a', 'policy-b']) apps.push(await harness.start(id));
    bus = await connectBus({ url: harness.nats, name: 'policy-test' });
  });

  afterAll(async () => {
    await bus?.close();
    await harness.tearDown();
  });

  it('answers over NATS request/reply, one instance per request, shared between instances', async () => {
    const deciders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const decision = await decide(encode(context(http('GET'))));
      // The first start stored portcullis.yaml as version 1; the second found it stored.
      expect(decision).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:agents-read'], policyVersion: '1', cacheable: true });
      deciders.add(decision.decidedBy);
    }
    expect(deciders).toEqual(new Set(['policy-a', 'policy-b']));
  });

  it('denies by default', async () => {
    expect(await decide(encode(context(http('DELETE'))))).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'], cacheable: true });
  });

  it('decides MCP and SQL requests: rules without HTTP conditions apply, HTTP rules never do', async () => {
    for (const target of [toolCall, select]) {
      expect(await decide(encode(context(target, ['auditors'])))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:auditors-demo'], policyVersion: '1' });
      // agents-read (GET) says nothing about an MCP tool call or a SQL statement.
      expect(await decide(encode(context(target, ['agents'])))).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'] });
    }
  });

  it('answers malformed and incomplete requests with an uncacheable denial that says why', async () => {
    const refused = (reason: string) => ({ effect: commonV1.Effect.EFFECT_DENY, reasons: [reason], cacheable: false, policyVersion: '1' });
    expect(await decide(new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject(refused('error:malformed-request'));
    expect(await decide(encode(undefined))).toMatchObject(refused('error:missing-context'));
    expect(await decide(encode({ ...context(http('GET')), connection: '' }))).toMatchObject(refused('error:missing-connection'));
    expect(await decide(encode({ ...context(http('GET')), principal: undefined }))).toMatchObject(refused('error:missing-principal'));
    expect(await decide(encode(context(undefined)))).toMatchObject(refused('error:missing-target'));
  });

  it('serves the same decision over gRPC, without a token', async () => {
    const decision = await harness.client(apps[0]!).decide(context(select, ['auditors']));
    expect(decision).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, decidedBy: 'policy-a', policyVersion: '1', cacheable: true });
  });

  it('announces durably: the first revision once, and each start with the version it decides with', async () => {
    const consumer = await bus.js.consumers.get(names.eventsStream, { filter_subjects: names.policyChanges });
    const messages = [];
    for await (const msg of await consumer.fetch({ max_messages: 10, expires: 1000 })) messages.push(msg);
    const events = messages.map((msg) => {
      expect(msg.subject).toBe(`${harness.namespace}.evt.policy.changed._._`);
      expect(msg.headers?.get(EVENT_TYPE_HEADER)).toBe('policy.changed');
      return eventsV1.Event.decode(msg.data);
    });
    const bodies = events.map((event) => (event.body?.$case === 'policyChanged' ? event.body.value : undefined));
    const starts = events.filter((_, i) => bodies[i]?.cause === eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_START);
    const changes = events.filter((_, i) => bodies[i]?.cause === eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_CHANGE);
    expect(starts.map((event) => event.source).sort()).toEqual(['policy:policy-a', 'policy:policy-b']);
    for (const event of starts) expect(event.body).toMatchObject({ value: { policyVersion: '1', rules: 2, changes: [], changedBy: '' } });
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: 'policy:policy-a',
      requestId: '',
      connection: '',
      body: {
        value: {
          policyVersion: '1',
          previousVersion: '0',
          rules: 2,
          changedBy: `config:${harness.configPath}`,
          changes: [{ name: 'portcullis.yaml', action: eventsV1.PolicyDocumentAction.POLICY_DOCUMENT_ACTION_PUT, oldDigest: '', newDigest: expect.stringMatching(/^[0-9a-f]{64}$/) }],
          digest: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
      },
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  });
});

describe('policy service when the start announcement cannot be stored', () => {
  const harness = new PolicyHarness();
  const names = new BusNames(harness.namespace);
  let bus: Bus;
  let undo: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    await harness.setUp();
    bus = await connectBus({ url: harness.nats, name: 'policy-test' });
    await ensureStreams(bus.jsm, names);
  });

  afterAll(async () => {
    await undo?.();
    await bus?.close();
    await harness.tearDown();
  });

  it('decides anyway, logs the failure as an error, and announces once the bus can store it', async () => {
    const log = capturingLogger('policy-test');
    const heard: eventsV1.Event[] = [];
    // The way a gateway can listen: a core subscription on the PolicyChanged subjects.
    bus.nc.subscribe(names.policyChanges, { callback: (_err, msg) => void heard.push(eventsV1.Event.decode(msg.data)) });
    undo = await divertStream(harness.nats, names.eventsStream);

    await harness.start('policy-c', { logger: log.logger, deps: { announceRetry: { firstMs: 50, maxMs: 200 } } });
    expect(await ask(bus.nc, names, encode(context(http('GET'))))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, decidedBy: 'policy-c', policyVersion: '1' });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, attempt: 1, policyVersion: '1', msg: expect.stringMatching(/^policy start NOT announced/) }));
    expect(heard).toEqual([]);

    await undo();
    undo = undefined;
    const announced = await eventually(() => log.lines.find((line) => line.msg === 'policy start announced'), 5000, 'the announcement');
    expect(announced.attempt).toBeGreaterThan(1);
    // The revision's event waited in the outbox and went out too.
    await eventually(() => log.lines.find((line) => line.msg === 'policy change announced'), 5000, 'the revision event');
    await eventually(() => (heard.length >= 2 ? true : undefined), 2000, 'the core subscriber');
    expect(heard.map((event) => (event.body?.$case === 'policyChanged' ? event.body.value.cause : undefined)).sort()).toEqual([
      eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_START,
      eventsV1.PolicyChangeCause.POLICY_CHANGE_CAUSE_CHANGE,
    ]);
  });
});
