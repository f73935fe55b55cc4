import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parsePortcullisConfig } from '@portcullis/config';
import { freePorts, ownNats, Stack } from '@portcullis/stack';
import { createTestDatabase, uniqueNamespace } from '@portcullis/testkit';
import { CLIENTS } from '../e2e/harness.js';
import type { PgBenchDatabase } from './pg-section.js';
import type { Cleanup } from './processes.js';

/** The whole stack as processes, its demo upstream included (its own process, shared by every target). */
export interface GatewayStack {
  readonly stack: Stack;
  readonly databaseUrl: string;
  /** Set when the stack runs without its `demo-pg` connection: why (this build's config does not accept it, or there is no pgbench database). */
  readonly pgConfigProblem?: string;
  /** A fresh token for CLIENTS.agent from the real dev IdP. */
  token(): Promise<string>;
}

// What the bench measures: an allowed, masked GET on demo-http, the rules of the e2e harness that
// concern GETs, and pgbench's selects on demo-pg (the bench's pgbench database). Tokens live long
// enough for any BENCH_SECONDS; each run gets a fresh one anyway. The dev IdP's test endpoints are
// on so the identity section can mint thousands of distinct tokens with its key (POST /test/mint).
function configYaml(ports: { idp: number; upstream: number; demoMcp: number }, pg: PgBenchDatabase | undefined): string {
  return `
issuers:
  - { issuer: "http://127.0.0.1:${ports.idp}", audience: portcullis, maxTokenLifetime: 1h }
devIdp:
  issuer: "http://127.0.0.1:${ports.idp}"
  audience: portcullis
  tokenTtl: 15m
  testEndpoints: true
  clients:
    - { clientId: ${CLIENTS.agent.id}, secret: ${CLIENTS.agent.secret}, groups: [agents] }
connections:
  - name: demo-http
    type: http
    upstream: "http://127.0.0.1:${ports.upstream}"
    credential: { header: authorization, scheme: Bearer, secret: { env: DEMO_HTTP_API_KEY } }
  - name: demo-mcp
    type: mcp
    upstream: "http://127.0.0.1:${ports.demoMcp}/mcp"
    credential: { header: authorization, scheme: Bearer, secret: { env: DEMO_MCP_TOKEN } }
${
  pg
    ? `  - name: demo-pg
    type: postgres
    upstream: "postgres://${pg.role}@${pg.host}:${pg.port}/${pg.database}"
    credential: { password: { env: DEMO_PG_PASSWORD } }
`
    : ''
}maskingProfiles:
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
  # MCP tools/call of echo (no masking profile: the figure is the gateway's own cost).
  - id: agents-echo-demo-mcp
    effect: allow
    match: { groups: [agents], connections: [demo-mcp], mcp: { methods: [initialize, server/discover, tools/list, tools/call] } }
${
  pg
    ? `  # pgbench -S: its start-up count(*) and catalog query, then one SELECT per transaction.
  - id: agents-read-demo-pg
    effect: allow
    match: { groups: [agents], connections: [demo-pg], sql: { statements: [select] } }
    maskingProfile: default
`
    : ''
}`;
}

/**
 * The config with `demo-pg` when this build accepts it, else without it and why: until ingress
 * knows `type: postgres`, the connection would stop every service, and the HTTP section with it.
 */
function chooseConfig(ports: { idp: number; upstream: number; demoMcp: number }, pg: PgBenchDatabase | undefined): { yaml: string; pgConfigProblem?: string } {
  if (!pg) return { yaml: configYaml(ports, undefined), pgConfigProblem: 'there is no pgbench database' };
  const yaml = configYaml(ports, pg);
  try {
    parsePortcullisConfig(yaml, 'the bench config');
    return { yaml };
  } catch (err) {
    if ((err as ConfigError).code !== 'CONFIG_INVALID') throw err;
    return { yaml: configYaml(ports, undefined), pgConfigProblem: `this build's configuration refuses the demo-pg connection (${(err as ConfigError).problems.join('; ')})` };
  }
}

export async function startGatewayStack(cleanup: Cleanup, dir: string, pg: PgBenchDatabase | undefined): Promise<GatewayStack> {
  const [idp, upstream, identity, policy, approvals, masking, audit, ingress, ingressPg, demoMcp, natsPort] = await freePorts(11);
  const configPath = join(dir, 'portcullis.yaml');
  const { yaml, pgConfigProblem } = chooseConfig({ idp: idp!, upstream: upstream!, demoMcp: demoMcp! }, pg);
  writeFileSync(configPath, yaml);
  const db = await createTestDatabase('pc_bench');
  cleanup.add('bench database', () => db.drop());
  const stack = new Stack({
    configPath,
    // Its own NATS server with the services' identities and permissions, as npm start runs it.
    ...ownNats(join(dir, 'nats'), natsPort!),
    databaseUrl: db.url,
    namespace: uniqueNamespace('b'),
    ports: { devIdp: idp!, demoUpstream: upstream!, identity: identity!, policy: policy!, approvals: approvals!, masking: masking!, audit: audit!, ingress: ingress!, ingressPg: ingressPg!, demoMcp: demoMcp! },
    // The demo upstream and the demo MCP server run as the stack's own processes, not inside the bench.
    demoMcp: true,
    demoUpstream: true,
    logDir: join(dir, 'logs'),
    tlsDir: join(dir, 'tls'),
    logLevel: 'warn',
    // Profiling (node --cpu-prof before optimising): BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
    ...(process.env.BENCH_NODE_ARGS ? { nodeArgs: process.env.BENCH_NODE_ARGS.split(' ').filter((a) => a !== '') } : {}),
    // The pgbench database's owner password: the stack hands it to ingress only.
    ...(pg ? { env: { DEMO_PG_PASSWORD: pg.password } } : {}),
  });
  cleanup.add('stack', () => stack.stop());
  await stack.start();
  return {
    stack,
    databaseUrl: db.url,
    ...(pgConfigProblem ? { pgConfigProblem } : {}),
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
