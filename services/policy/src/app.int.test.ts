import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { BusNames } from '@portcullis/bus';
import { parsePortcullisConfig } from '@portcullis/config';
import { commonV1, policyV1 } from '@portcullis/proto-gen';
import { createLogger } from '@portcullis/service-kit';
import { natsUrl, uniqueNamespace } from '@portcullis/testkit';
import { createApp } from './app.js';

// Two real policy instances on a real NATS server, asked the way the gateway asks.
const rules = parsePortcullisConfig(`
connections: [{ name: demo-http, type: http, upstream: "http://127.0.0.1:1" }]
policies:
  - { id: agents-read, effect: allow, match: { groups: [agents], http: { methods: [GET] } } }
`).policies;
const namespace = uniqueNamespace('p');
const names = new BusNames(namespace);
const logger = createLogger('policy-test', 'silent');
let nc: NatsConnection;
const apps: ReturnType<typeof createApp>[] = [];

const context = (method: string): commonV1.RequestContext => ({
  requestId: 'r1',
  connection: 'demo-http',
  principal: { subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'], issuer: 'https://idp.test', expiresAt: undefined },
  target: { $case: 'http', value: { method, path: '/x' } },
});

async function ask(data: Uint8Array): Promise<commonV1.Decision> {
  const reply = await nc.request(names.policyDecide, data, { timeout: 2000 });
  return policyV1.DecideResponse.decode(reply.data).decision!;
}

beforeAll(async () => {
  const url = await natsUrl();
  for (const id of ['policy-a', 'policy-b']) {
    const app = createApp({ grpcAddress: { host: '127.0.0.1', port: 0 }, natsUrl: url, namespace, instanceId: id, logLevel: 'silent', rules }, logger);
    await app.start();
    apps.push(app);
  }
  nc = await connect({ servers: url });
});

afterAll(async () => {
  await nc?.close();
  for (const app of apps) await app.stop();
});

describe('policy service', () => {
  it('answers over NATS request/reply, one instance per request, shared between instances', async () => {
    const deciders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const decision = await ask(policyV1.DecideRequest.encode({ context: context('GET') }).finish());
      expect(decision).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, reasons: ['rule:agents-read'] });
      deciders.add(decision.decidedBy);
    }
    expect(deciders).toEqual(new Set(['policy-a', 'policy-b']));
  });

  it('denies by default', async () => {
    expect(await ask(policyV1.DecideRequest.encode({ context: context('DELETE') }).finish())).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'] });
  });

  it('answers malformed and incomplete requests with a denial that says why', async () => {
    expect(await ask(new Uint8Array([0xff, 0xff, 0xff]))).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['error:malformed-request'] });
    expect(await ask(policyV1.DecideRequest.encode({ context: undefined }).finish())).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['error:missing-context'] });
    const anonymous = { ...context('GET'), principal: undefined };
    expect(await ask(policyV1.DecideRequest.encode({ context: anonymous }).finish())).toMatchObject({ effect: commonV1.Effect.EFFECT_DENY, reasons: ['error:missing-principal'] });
  });

  it('serves the same decision over gRPC, with grpc.health.v1', async () => {
    const client = new policyV1.PolicyServiceClient(`127.0.0.1:${apps[0]!.grpcPort()}`, grpc.credentials.createInsecure());
    const response = await new Promise<policyV1.DecideResponse>((resolve, reject) => client.decide({ context: context('GET') }, (err, res) => (err ? reject(err) : resolve(res))));
    expect(response.decision).toMatchObject({ effect: commonV1.Effect.EFFECT_ALLOW, decidedBy: 'policy-a' });
    client.close();
  });
});
