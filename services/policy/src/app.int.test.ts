import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusNames, connectBus, ensureStreams, EVENT_TYPE_HEADER, type Bus } from '@portcullis/bus';
import { parsePortcullisConfig, type PolicyRuleConfig } from '@portcullis/config';
import { commonV1, eventsV1, policyV1 } from '@portcullis/proto-gen';
import { createLogger } from '@portcullis/service-kit';
import { deleteStreams, divertStream, eventually, natsUrl, uniqueNamespace } from '@portcullis/testkit';
import { createApp, type PolicyDeps } from './app.js';
import { PolicyEngine } from './domain/index.js';

// Real policy instances on a real NATS server, asked the way the gateway asks.
const rules = parsePortcullisConfig(`
connections: [{ name: demo-http, type: http, upstream: "http://127.0.0.1:1" }]
policies:
  - { id: agents-read, effect: allow, match: { groups: [agents], http: { methods: [GET] } } }
  - { id: auditors-demo, effect: allow, match: { groups: [auditors], connections: [demo-http] } }
`).policies;
const version = new PolicyEngine(rules).version;
const quiet = createLogger('policy-test', 'silent');

type Target = commonV1.RequestContext['target'];
const http = (method: string): Target => ({ $case: 'http', value: { method, path: '/x', query: '', headers: [] } });
const toolCall: Target = { $case: 'mcp', value: { method: 'tools/call', name: 'lookup_customer', argumentsJson: '{"id":42}' } };
const select: Target = { $case: 'sql', value: { statement: 'select * from customers where id = $1', parameters: [{ value: { $case: 'text', value: '42' } }] } };

const context = (target: Target, groups = ['agents']): commonV1.RequestContext => ({
  requestId: 'r1',
  connection: 'demo-http',
  sessionId: 's1',
  principal: { subject: 'demo-agent', clientId: 'demo-agent', groups, issuer: 'https://idp.test', expiresAt: undefined, scopes: [], kind: 'machine', claimsJson: '{}' },
  target,
});

const encode = (ctx: commonV1.RequestContext | undefined) => policyV1.DecideRequest.encode({ context: ctx }).finish();

async function ask(nc: NatsConnection, names: BusNames, data: Uint8Array): Promise<commonV1.Decision> {
  const reply = await nc.request(names.policyDecide, data, { timeout: 2000 });
  return policyV1.DecideResponse.decode(reply.data).decision!;
}

function policyApp(url: string, namespace: string, instanceId: string, ruleSet: readonly PolicyRuleConfig[], logger = quiet, deps?: PolicyDeps) {
  return createApp({ grpcAddress: { host: '127.0.0.1', port: 0 }, natsUrl: url, namespace, instanceId, logLevel: 'silent', rules: ruleSet }, logger, deps);
}

describe('policy service', () => {
  const namespace = uniqueNamespace('p');
  const names = new BusNames(namespace);
  let url: string;
  let nc: NatsConnection;
  let bus: Bus;
  const apps: ReturnType<typeof createApp>[] = [];
  const decide = (data: Uint8Array) => ask(nc, names, data);

  beforeAll(async () => {
    url = await natsUrl();
    for (const id of ['policy-a', 'policy-b']) {
      const app = policyApp(url, namespace, id, rules);
      await app.start();
      apps.push(app);
    }
    nc = await connect({ servers: url });
    bus = await connectBus({ url, name: 'policy-test' });
  });

  afterAll(async () => {
    await nc?.close();
    await bus?.close();
    for (const app of apps) await app.stop();
    if (url) await deleteStreams(url, namespace);
  });

  it('answers over NATS request/reply, one instance per request, shared between instances', async () => {
    const deciders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const decision = await decide(encode(context(http('GET'))));
      expect(decision).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:agents-read'], policyVersion: version, cacheable: true });
      deciders.add(decision.decidedBy);
    }
    expect(deciders).toEqual(new Set(['policy-a', 'policy-b']));
  });

  it('denies by default', async () => {
    expect(await decide(encode(context(http('DELETE'))))).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'], cacheable: true });
  });

  it('decides MCP and SQL requests: rules without HTTP conditions apply, HTTP rules never do', async () => {
    for (const target of [toolCall, select]) {
      expect(await decide(encode(context(target, ['auditors'])))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:auditors-demo'], policyVersion: version, cacheable: true });
      // agents-read (GET) says nothing about an MCP tool call or a SQL statement.
      expect(await decide(encode(context(target, ['agents'])))).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'], cacheable: true });
    }
  });

  it('answers malformed and incomplete requests with an uncacheable denial that says why', async () => {
    const refused = (reason: string) => ({ effect: commonV1.Effect.EFFECT_DENY, reasons: [reason], cacheable: false });
    expect(await decide(new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject(refused('error:malformed-request'));
    expect(await decide(encode(undefined))).toMatchObject(refused('error:missing-context'));
    expect(await decide(encode({ ...context(http('GET')), principal: undefined }))).toMatchObject(refused('error:missing-principal'));
    expect(await decide(encode(context(undefined)))).toMatchObject(refused('error:missing-target'));
  });

  it('serves the same decision over gRPC', async () => {
    const client = new policyV1.PolicyServiceClient(`127.0.0.1:${apps[0]!.grpcPort()}`, grpc.credentials.createInsecure());
    const response = await new Promise<policyV1.DecideResponse>((resolve, reject) => client.decide({ context: context(select, ['auditors']) }, (err, res) => (err ? reject(err) : resolve(res))));
    expect(response.decision).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, decidedBy: 'policy-a', cacheable: true });
    client.close();
  });

  it('announces on start, durably, the rule set each instance decides with', async () => {
    const consumer = await bus.js.consumers.get(names.eventsStream, { filter_subjects: names.policyChanges });
    const messages = [];
    for await (const msg of await consumer.fetch({ max_messages: 10, expires: 1000 })) messages.push(msg);
    expect(messages).toHaveLength(2);
    const events = messages.map((msg) => {
      expect(msg.subject).toBe(`${namespace}.evt.policy.changed._._`);
      expect(msg.headers?.get(EVENT_TYPE_HEADER)).toBe('policy.changed');
      return eventsV1.Event.decode(msg.data);
    });
    expect(events.map((event) => event.source).sort()).toEqual(['policy:policy-a', 'policy:policy-b']);
    for (const event of events) {
      expect(event).toMatchObject({ requestId: '', connection: '', sessionId: '', body: { $case: 'policyChanged', value: { policyVersion: version, rules: 2 } } });
    }
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
  });
});

describe('policy service when the announcement cannot be stored', () => {
  const namespace = uniqueNamespace('p');
  const names = new BusNames(namespace);
  let url: string;
  let bus: Bus;
  let undo: (() => Promise<void>) | undefined;
  let app: ReturnType<typeof createApp> | undefined;

  beforeAll(async () => {
    url = await natsUrl();
    bus = await connectBus({ url, name: 'policy-test' });
    await ensureStreams(bus.jsm, names);
  });

  afterAll(async () => {
    await app?.stop();
    await undo?.();
    await bus?.close();
    if (url) await deleteStreams(url, namespace);
  });

  it('decides anyway, logs the failure as an error, and announces once the bus can store it', async () => {
    const lines: { level: number; msg: string; attempt?: number; policyVersion?: string }[] = [];
    const logger = createLogger('policy-test', 'info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const heard: eventsV1.Event[] = [];
    // The way a gateway can listen: a core subscription on the PolicyChanged subjects.
    bus.nc.subscribe(names.policyChanges, { callback: (_err, msg) => void heard.push(eventsV1.Event.decode(msg.data)) });
    undo = await divertStream(url, names.eventsStream);

    app = policyApp(url, namespace, 'policy-c', rules, logger, { announceRetry: { firstMs: 50, maxMs: 200 } });
    await app.start();
    expect(await ask(bus.nc, names, encode(context(http('GET'))))).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, decidedBy: 'policy-c' });
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, attempt: 1, policyVersion: version, msg: expect.stringMatching(/^policy change NOT announced/) }));
    expect(heard).toEqual([]);

    await undo();
    undo = undefined;
    const announced = await eventually(() => lines.find((line) => line.msg === 'policy change announced'), 5000, 'the announcement');
    expect(announced.attempt).toBeGreaterThan(1);
    const stored = await bus.jsm.streams.getMessage(names.eventsStream, { last_by_subj: `${namespace}.evt.policy.changed._._` });
    expect(eventsV1.Event.decode(stored!.data)).toMatchObject({ source: 'policy:policy-c', body: { $case: 'policyChanged', value: { policyVersion: version, rules: 2 } } });
    await eventually(() => (heard.length > 0 ? true : undefined), 2000, 'the core subscriber');
    expect(heard.map((event) => event.id)).toEqual([eventsV1.Event.decode(stored!.data).id]);
  });
});
