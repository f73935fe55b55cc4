import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, Stack } from '@portcullis/stack';
import { createTestDatabase, deleteStreams, natsUrl, uniqueNamespace } from '@portcullis/testkit';
import { CLIENTS } from '../e2e/harness.js';
import type { Cleanup } from './processes.js';

/** The whole stack as processes, its demo upstream included (its own process, shared by every target). */
export interface GatewayStack {
  readonly stack: Stack;
  readonly databaseUrl: string;
  /** A fresh token for CLIENTS.agent from the real dev IdP. */
  token(): Promise<string>;
}

// What the bench measures: an allowed, masked GET on demo-http, the rules of the e2e harness that
// concern GETs. Tokens live long enough for any BENCH_SECONDS; each run gets a fresh one anyway.
function configYaml(ports: { idp: number; upstream: number }): string {
  return `
issuers:
  - { issuer: "http://127.0.0.1:${ports.idp}", audience: portcullis, maxTokenLifetime: 1h }
devIdp:
  issuer: "http://127.0.0.1:${ports.idp}"
  audience: portcullis
  tokenTtl: 15m
  clients:
    - { clientId: ${CLIENTS.agent.id}, secret: ${CLIENTS.agent.secret}, groups: [agents] }
connections:
  - name: demo-http
    type: http
    upstream: "http://127.0.0.1:${ports.upstream}"
    credential: { header: authorization, scheme: Bearer, secret: { env: DEMO_HTTP_API_KEY } }
maskingProfiles:
  - { name: default, detectors: [email, card], fields: [password, ssn] }
policies:
  - id: nobody-admin-demo-http
    effect: deny
    match: { connections: [demo-http], http: { paths: ["/admin/**"] } }
  - id: agents-read-demo-http
    effect: allow
    match: { groups: [agents], connections: [demo-http], http: { methods: [GET, HEAD] } }
    maskingProfile: default
  - id: agents-never-delete-demo-http
    effect: deny
    match: { groups: [agents], connections: [demo-http], http: { methods: [DELETE] } }
`;
}

export async function startGatewayStack(cleanup: Cleanup, dir: string): Promise<GatewayStack> {
  const [idp, upstream, identity, policy, approvals, masking, audit, ingress, ingressPg] = await freePorts(9);
  const configPath = join(dir, 'portcullis.yaml');
  writeFileSync(configPath, configYaml({ idp: idp!, upstream: upstream! }));
  const nats = await natsUrl();
  const db = await createTestDatabase('pc_bench');
  cleanup.add('bench database', () => db.drop());
  const stack = new Stack({
    configPath,
    natsUrl: nats,
    databaseUrl: db.url,
    namespace: uniqueNamespace('b'),
    ports: { devIdp: idp!, demoUpstream: upstream!, identity: identity!, policy: policy!, approvals: approvals!, masking: masking!, audit: audit!, ingress: ingress!, ingressPg: ingressPg! },
    // The demo upstream runs as the stack's own process, not inside the bench.
    demoUpstream: true,
    logDir: join(dir, 'logs'),
    logLevel: 'warn',
  });
  cleanup.add('bench streams', () => deleteStreams(nats, stack.namespace));
  cleanup.add('stack', () => stack.stop());
  await stack.start();
  return {
    stack,
    databaseUrl: db.url,
    async token() {
      const { id, secret } = CLIENTS.agent;
      const res = await fetch(`${stack.issuerUrl}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      if (!res.ok) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
  };
}
