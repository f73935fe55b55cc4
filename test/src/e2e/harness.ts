import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { createDemoUpstream, type DemoUpstream, type ReceivedRequest } from '@portcullis/demo-upstream';
import { generateSamlSigningPair } from '@portcullis/dev-idp';
import { freePorts, ownNats, REPO_ROOT, Stack } from '@portcullis/stack';
import { createTestDatabase, uniqueNamespace, type NatsLogin, type TestDatabase } from '@portcullis/testkit';

/** Clients of the test IdP. Secrets are test-only. */
export const CLIENTS = {
  agent: { id: 'demo-agent', secret: 'demo-agent-secret' },
  approver: { id: 'demo-approver', secret: 'demo-approver-secret' },
  nestedAgent: { id: 'nested-agent', secret: 'nested-agent-secret' },
  /** In both agents and approvers: proves nobody approves their own request. */
  agentApprover: { id: 'agent-approver', secret: 'agent-approver-secret' },
  /** Tokens for another audience. */
  otherAudience: { id: 'other-audience', secret: 'other-audience-secret' },
  /** Tokens that expire after one second. */
  shortLived: { id: 'short-lived', secret: 'short-lived-secret' },
  /** In policy.adminGroups: manages the policy. */
  admin: { id: 'demo-admin', secret: 'demo-admin-secret' },
} as const;

/** Sections a test file adds to the harness's config (config objects, as portcullis.yaml would hold them). */
export interface ConfigAdditions {
  /** Connections after demo-http (e.g. a `type: postgres` one). */
  readonly connections?: readonly Record<string, unknown>[];
  /** Rules after the harness's own. */
  readonly policies?: readonly Record<string, unknown>[];
  /** Masking profiles after `default`. */
  readonly maskingProfiles?: readonly Record<string, unknown>[];
  /** The top-level `postgres:` section (ingress's PostgreSQL listener). */
  readonly postgres?: Record<string, unknown>;
  /** The top-level `mcp:` section. */
  readonly mcp?: Record<string, unknown>;
  /** The top-level `limits:` section (per-principal limits). */
  readonly limits?: Record<string, unknown>;
}

export interface E2eOptions extends ConfigAdditions {
  readonly policyInstances?: number;
  readonly logLevel?: string;
  /** Extra variables for every service (target credentials such as DEMO_PG_PASSWORD go to ingress only). */
  readonly env?: Record<string, string>;
  readonly nodeArgs?: string[];
  /** Run the demo MCP server as a process (for MCP connections in `connections`). */
  readonly demoMcp?: boolean;
  /** Ingress instances behind the stack (default 1): Stack.ingressUrls. */
  readonly ingressInstances?: number;
}

/** In `connections`, the string DEMO_MCP_URL stands for the demo MCP server the stack runs. */
function configYaml(ports: { idp: number; upstream: number; demoMcp?: number }, saml: { keyFile: string; certificateFile: string }, additions: ConfigAdditions = {}): string {
  const config = parse(baseConfigYaml(ports, saml)) as Record<string, unknown[]> & { postgres?: unknown };
  config.connections!.push(...(additions.connections ?? []));
  config.policies!.push(...(additions.policies ?? []));
  config.maskingProfiles!.push(...(additions.maskingProfiles ?? []));
  if (additions.postgres) config.postgres = additions.postgres;
  if (additions.mcp) (config as Record<string, unknown>).mcp = additions.mcp;
  if (additions.limits) (config as Record<string, unknown>).limits = additions.limits;
  return stringify(config).replaceAll('DEMO_MCP_URL', `http://127.0.0.1:${ports.demoMcp ?? 0}/mcp`);
}

function baseConfigYaml(ports: { idp: number; upstream: number }, saml: { keyFile: string; certificateFile: string }): string {
  return `
issuers:
  - { issuer: "http://127.0.0.1:${ports.idp}", audience: portcullis, maxTokenLifetime: 1h, clockTolerance: 0s }
  - { issuer: "http://127.0.0.1:${ports.idp}/nested", audience: portcullis, maxTokenLifetime: 1h, clockTolerance: 0s, claims: { groups: [realm_access.roles], clientId: [azp] } }
  - { protocol: saml, issuer: "http://127.0.0.1:${ports.idp}/saml", audience: portcullis, certificate: { file: "${saml.certificateFile}" }, maxTokenLifetime: 10m, clockTolerance: 0s, kind: machine }
identity:
  adminGroups: [admins]
devIdp:
  issuer: "http://127.0.0.1:${ports.idp}"
  audience: portcullis
  tokenTtl: 5m
  testEndpoints: true
  nested:
    clients:
      - { clientId: nested-agent, secret: nested-agent-secret, groups: [agents] }
  saml: { key: { file: "${saml.keyFile}" }, certificate: { file: "${saml.certificateFile}" }, assertionTtl: 5m }
  clients:
    - { clientId: demo-agent, secret: demo-agent-secret, groups: [agents] }
    - { clientId: demo-approver, secret: demo-approver-secret, groups: [approvers] }
    - { clientId: agent-approver, secret: agent-approver-secret, groups: [agents, approvers] }
    - { clientId: other-audience, secret: other-audience-secret, groups: [agents], audience: elsewhere }
    - { clientId: short-lived, secret: short-lived-secret, groups: [agents], tokenTtl: 1s }
    - { clientId: demo-admin, secret: demo-admin-secret, groups: [admins] }
connections:
  - name: demo-http
    type: http
    upstream: "http://127.0.0.1:${ports.upstream}"
    credential: { header: authorization, scheme: Bearer, secret: { env: DEMO_HTTP_API_KEY } }
masking:
  tokenKey: { env: PORTCULLIS_MASKING_TOKEN_KEY }
maskingProfiles:
  - { name: default, detectors: [email, card], fields: [password, ssn] }
policies:
  - id: nobody-admin-demo-http
    effect: deny
    match: { connections: [demo-http], http: { paths: ["/admin/**"] } }
  - id: agents-write-expiring-needs-approval
    effect: require_approval
    match: { groups: [agents], connections: [demo-http], http: { methods: [POST], paths: ["/expiring/**"] } }
    approval: { approverGroups: [approvers], timeout: 2s }
  - id: agents-read-demo-http
    effect: allow
    match: { groups: [agents], connections: [demo-http], http: { methods: [GET, HEAD] } }
    maskingProfile: default
  - id: agents-write-demo-http-needs-approval
    effect: require_approval
    match: { groups: [agents], connections: [demo-http], http: { methods: [POST, PUT, PATCH] } }
    approval: { approverGroups: [approvers], timeout: 2m }
    maskingProfile: default
  - id: agents-never-delete-demo-http
    effect: deny
    match: { groups: [agents], connections: [demo-http], http: { methods: [DELETE] } }
audit:
  readerGroups: [approvers]
policy:
  adminGroups: [admins]
`;
}

/** A whole stack of real processes with its own ports, database and bus namespace. */
export class E2eEnvironment {
  readonly received: ReceivedRequest[] = [];
  stack!: Stack;
  upstream!: DemoUpstream;
  db!: TestDatabase;
  nats!: string;
  logDir!: string;
  /** Every token handed out in this run, for leak checks. */
  readonly tokens: string[] = [];
  private pool?: pg.Pool;

  /** How a test connects to this stack's NATS as an operator (every permission): never what a service uses. */
  get natsAdmin(): NatsLogin {
    return { nkeySeedFile: this.stack.natsIdentities!.adminSeedFile };
  }

  /** The config file the stack runs with. */
  configPath!: string;

  async start(options: E2eOptions = {}): Promise<void> {
    const [idp, upstream, identity, policy, approvals, masking, audit, ingress, ingressPg, demoMcp, nats, auditHttp] = await freePorts(12);
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
    const configPath = join(dir, 'portcullis.yaml');
    this.configPath = configPath;
    this.logDir = join(dir, 'logs');
    const saml = await generateSamlSigningPair(join(dir, 'saml'));
    writeFileSync(configPath, configYaml({ idp: idp!, upstream: upstream!, demoMcp: demoMcp! }, saml, options));
    this.db = await createTestDatabase('pc_e2e');
    this.stack = new Stack({
      configPath,
      // Its own NATS server, which admits only the services' identities (as npm start's does).
      ...ownNats(join(dir, 'nats'), nats!),
      databaseUrl: this.db.url,
      namespace: uniqueNamespace('e'),
      ports: { devIdp: idp!, demoUpstream: upstream!, identity: identity!, policy: policy!, approvals: approvals!, masking: masking!, audit: audit!, ingress: ingress!, ingressPg: ingressPg!, demoMcp: demoMcp!, auditHttp: auditHttp! },
      demoMcp: options.demoMcp ?? false,
      policyInstances: options.policyInstances ?? 1,
      ...(options.ingressInstances ? { ingressInstances: options.ingressInstances } : {}),
      demoUpstream: false,
      logDir: this.logDir,
      tlsDir: join(dir, 'tls'),
      logLevel: options.logLevel ?? 'debug',
      // Every refusal recorded on its own (tests look them up by request id); abuse.test.ts sets a window.
      env: { APPROVALS_SWEEP_INTERVAL_MS: '200', INGRESS_AUTH_FAILURE_WINDOW_MS: '0', ...(options.env ?? {}) },
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
    });
    // The upstream runs in this process so tests can see exactly what reached it.
    this.upstream = createDemoUpstream({ host: '127.0.0.1', port: upstream!, apiKey: this.stack.demoApiKey, onRequest: (r) => this.received.push(r) });
    await this.upstream.start();
    this.nats = this.stack.natsUrl;
    await this.stack.start();
  }

  async stop(): Promise<void> {
    await this.stack?.stop();
    await this.upstream?.stop();
    await this.pool?.end();
    await this.db?.drop().catch(() => undefined);
  }

  /** A token from the real dev IdP, exactly as the quickstart's curl gets it. */
  async token(client: { id: string; secret: string }, issuerPath = ''): Promise<string> {
    const res = await fetch(`${this.stack.issuerUrl}${issuerPath}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    if (!res.ok) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
    const token = ((await res.json()) as { access_token: string }).access_token;
    this.tokens.push(token);
    return token;
  }

  /** A signed SAML assertion for a dev IdP client (base64), as a SAML caller presents it. */
  async samlAssertion(client: { id: string; secret: string }): Promise<string> {
    const res = await fetch(`${this.stack.issuerUrl}/saml/assertion`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    });
    if (!res.ok) throw new Error(`SAML endpoint answered ${res.status}: ${await res.text()}`);
    const assertion = ((await res.json()) as { assertion: string }).assertion;
    this.tokens.push(assertion);
    return assertion;
  }

  /** The dev IdP's test endpoint: any header and claims, signed with its current key (hostile tokens). */
  async mint(claims: Record<string, unknown>, header: Record<string, unknown> = {}, issuerPath = ''): Promise<string> {
    const res = await fetch(`${this.stack.issuerUrl}${issuerPath}/test/mint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ claims, header }) });
    if (!res.ok) throw new Error(`mint answered ${res.status}: ${await res.text()}`);
    const token = ((await res.json()) as { token: string }).token;
    this.tokens.push(token);
    return token;
  }

  gateway(path: string, init: RequestInit & { token?: string; saml?: string } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.saml) headers.set('authorization', `SAML ${init.saml}`);
    return fetch(`${this.stack.ingressUrl}${path}`, { ...init, headers });
  }

  /** Writes a file in this run's temporary directory (for `portcullis policy apply`); returns its path. */
  writeFile(name: string, text: string): string {
    const path = join(this.logDir, '..', name);
    writeFileSync(path, text);
    return path;
  }

  /** Runs the real `portcullis` CLI. */
  cli(args: string[], token: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'tools/cli/dist/main.js'), ...args],
        { env: { PATH: process.env.PATH ?? '', PORTCULLIS_TOKEN: token, ...this.stack.tls.env('cli'), IDENTITY_GRPC_ADDR: this.stack.identityAddress, APPROVALS_GRPC_ADDR: this.stack.approvalsAddress, AUDIT_GRPC_ADDR: this.stack.auditAddress, POLICY_GRPC_ADDR: this.stack.policyAddress, PORTCULLIS_INGRESS_URL: this.stack.ingressUrl }, timeout: 20_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** Direct SQL on the stack's database, as a DBA (or an attacker with a connection) would. */
  sql(): pg.Pool {
    this.pool ??= new pg.Pool({ connectionString: this.db.url, max: 2 });
    return this.pool;
  }

  async auditEvents(requestId: string): Promise<{ seq: string; type: string; source: string; event_json: Record<string, unknown> }[]> {
    const { rows } = await this.sql().query('select seq, type, source, event_json from audit.events where request_id = $1 order by seq', [requestId]);
    return rows;
  }
}
