// Test support for the policy service's integration tests (not built into dist): a config file in
// a temporary directory, a database and a bus namespace of their own, instances started on free
// ports, and gRPC calls with a bearer token. Tokens are verified by a table, as identity would.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { VerifyOutcome } from '@portcullis/identity-client';
import { commonV1, policyV1 } from '@portcullis/proto-gen';
import { clientCredentials, createLogger, tlsChannelOptions, type Logger } from '@portcullis/service-kit';
import { createTestDatabase, deleteStreams, natsUrl, testPki, uniqueNamespace, type TestDatabase } from '@portcullis/testkit';
import type { DevPki } from '@portcullis/dev-pki';
import { createApp, type PolicyDeps } from '../app.js';
import { loadConfig, type PolicyConfig } from '../config.js';

export const CONFIG = `
connections:
  - { name: demo-http, type: http, upstream: "http://127.0.0.1:1" }
  - { name: warehouse, type: http, upstream: "http://127.0.0.1:2" }
maskingProfiles: [{ name: pii, detectors: [email] }]
policies:
  - { id: agents-read, effect: allow, match: { groups: [agents], http: { methods: [GET] } } }
  - { id: auditors-demo, effect: allow, match: { groups: [auditors], connections: [demo-http] } }
policy: { adminGroups: [admins] }
`;

const principal = (subject: string, groups: string[]) => ({ subject, clientId: subject, groups, issuer: 'https://idp.test', expiresAt: new Date(Date.now() + 3_600_000), scopes: [], kind: 'machine' as const, claimsJson: '{}' });
const TOKENS: Record<string, VerifyOutcome> = {
  'admin-token': { ok: true, principal: principal('alice', ['admins']) },
  'admin2-token': { ok: true, principal: principal('bob', ['staff', 'admins']) },
  'agent-token': { ok: true, principal: principal('demo-agent', ['agents']) },
  'forged-token': { ok: false, code: 'SIGNATURE_INVALID', message: 'the token signature does not verify' },
};
export const authenticate = async (token: string): Promise<VerifyOutcome> => TOKENS[token] ?? { ok: false, code: 'TOKEN_MALFORMED', message: 'not a token this test knows' };

export type PolicyApp = ReturnType<typeof createApp>;

/** A log that tests can read: every line, parsed. */
export interface LogLines {
  readonly lines: { level: number; msg: string; [key: string]: unknown }[];
  readonly logger: Logger;
}

export function capturingLogger(name: string): LogLines {
  const lines: LogLines['lines'] = [];
  return { lines, logger: createLogger(name, 'debug', { write: (line: string) => void lines.push(JSON.parse(line)) }) };
}

export class PolicyHarness {
  readonly namespace = uniqueNamespace('p');
  readonly dir = mkdtempSync(join(tmpdir(), 'policy-int-'));
  readonly apps: PolicyApp[] = [];
  private readonly clients: policyV1.PolicyServiceClient[] = [];
  private pki!: DevPki;
  db!: TestDatabase;
  nats!: string;

  constructor(configText = CONFIG) {
    this.writeConfig(configText);
  }

  async setUp(): Promise<void> {
    [this.db, this.nats, this.pki] = await Promise.all([createTestDatabase('policy_int'), natsUrl(), testPki()]);
  }

  async tearDown(): Promise<void> {
    for (const client of this.clients) client.close();
    for (const app of this.apps) await app.stop().catch(() => undefined);
    if (this.nats) await deleteStreams(this.nats, this.namespace);
    await this.db?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  get configPath(): string {
    return join(this.dir, 'portcullis.yaml');
  }

  writeConfig(text: string): void {
    writeFileSync(this.configPath, text);
  }

  /** Writes (or, with undefined, removes) a file in the default policy directory. */
  writePolicyFile(name: string, text: string | undefined): string {
    const path = join(this.dir, 'policies', name);
    mkdirSync(join(this.dir, 'policies'), { recursive: true });
    if (text === undefined) rmSync(path, { force: true });
    else writeFileSync(path, text);
    return path;
  }

  config(instanceId: string, env: Record<string, string> = {}): PolicyConfig {
    return loadConfig({
      POLICY_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: this.db.url,
      NATS_URL: this.nats,
      PORTCULLIS_NAMESPACE: this.namespace,
      PORTCULLIS_CONFIG: this.configPath,
      POLICY_INSTANCE_ID: instanceId,
      POLICY_RELOAD_INTERVAL_MS: '1000',
      LOG_LEVEL: 'silent',
      ...this.pki.env('policy'),
      ...env,
    });
  }

  /** Creates an instance (not started); it is stopped by tearDown. */
  create(instanceId: string, options: { logger?: Logger; deps?: PolicyDeps; env?: Record<string, string> } = {}): PolicyApp {
    const app = createApp(this.config(instanceId, options.env), options.logger ?? createLogger('policy-test', 'silent'), { authenticate, ...options.deps });
    this.apps.push(app);
    return app;
  }

  async start(instanceId: string, options: Parameters<PolicyHarness['create']>[1] = {}): Promise<PolicyApp> {
    const app = this.create(instanceId, options);
    await app.start();
    return app;
  }

  client(app: PolicyApp): PolicyClient {
    const client = new policyV1.PolicyServiceClient(`127.0.0.1:${app.grpcPort()}`, clientCredentials(this.pki.material('ingress'), 'policy'), tlsChannelOptions('policy'));
    this.clients.push(client);
    return new PolicyClient(client);
  }
}

type Method<Req, Res> = (request: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (err: grpc.ServiceError | null, response: Res) => void) => grpc.ClientUnaryCall;

/** The gRPC client with promises, a token per call (none: no authorization metadata). */
export class PolicyClient {
  constructor(readonly raw: policyV1.PolicyServiceClient) {}

  call<Req, Res>(method: Method<Req, Res>, request: Req, token?: string): Promise<Res> {
    const metadata = new grpc.Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) => method.call(this.raw, request, metadata, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))));
  }

  put(name: string, text: string, token = 'admin-token', expectedVersion?: bigint): Promise<policyV1.PutPolicyResponse> {
    return this.call(this.raw.putPolicy, { name, text, ...(expectedVersion !== undefined ? { expectedVersion } : {}) }, token);
  }

  check(name: string, text: string, token = 'admin-token'): Promise<policyV1.CheckPolicyResponse> {
    return this.call(this.raw.checkPolicy, { name, text }, token);
  }

  delete(name: string, token = 'admin-token'): Promise<policyV1.DeletePolicyResponse> {
    return this.call(this.raw.deletePolicy, { name }, token);
  }

  list(token = 'admin-token'): Promise<policyV1.ListPoliciesResponse> {
    return this.call(this.raw.listPolicies, {}, token);
  }

  get(name: string, token = 'admin-token'): Promise<policyV1.GetPolicyResponse> {
    return this.call(this.raw.getPolicy, { name }, token);
  }

  revisions(token = 'admin-token'): Promise<policyV1.ListRevisionsResponse> {
    return this.call(this.raw.listRevisions, { limit: 0, beforeVersion: 0n }, token);
  }

  decide(context: commonV1.RequestContext): Promise<commonV1.Decision> {
    return this.call(this.raw.decide, { context }).then((res) => res.decision!);
  }

  explain(context: commonV1.RequestContext, token = 'admin-token'): Promise<policyV1.ExplainResponse> {
    return this.call(this.raw.explain, { context, time: undefined }, token);
  }
}

type Target = commonV1.RequestContext['target'];
export const http = (method: string, path = '/x'): Target => ({ $case: 'http', value: { method, path, query: '', headers: [] } });
export const toolCall: Target = { $case: 'mcp', value: { method: 'tools/call', name: 'lookup_customer', argumentsJson: '{"id":42}' } };
export const select: Target = { $case: 'sql', value: { statement: 'select * from customers where id = $1', parameters: [{ value: { $case: 'text', value: '42' } }] } };

export const context = (target: Target, groups = ['agents'], connection = 'demo-http'): commonV1.RequestContext => ({
  requestId: 'r1',
  connection,
  sessionId: 's1',
  principal: { subject: 'demo-agent', clientId: 'demo-agent', groups, issuer: 'https://idp.test', expiresAt: undefined, scopes: [], kind: 'machine', claimsJson: '{}' },
  target,
});

/** The status code, reason and problems of a refused call. */
export function refusal(err: unknown): { code: number; reason: string | undefined; details: string; problems: policyV1.Problem[]; total?: number } {
  const e = err as grpc.ServiceError;
  const reason = e.metadata?.get('portcullis-reason')[0];
  const raw = e.metadata?.get('portcullis-policy-problems-bin')[0];
  return {
    code: e.code,
    reason: typeof reason === 'string' ? reason : undefined,
    details: e.details,
    problems: raw instanceof Buffer ? policyV1.PolicyProblems.decode(raw).problems : [],
    ...(raw instanceof Buffer ? { total: policyV1.PolicyProblems.decode(raw).total } : {}),
  };
}

export async function refused(promise: Promise<unknown>): Promise<ReturnType<typeof refusal>> {
  try {
    await promise;
  } catch (err) {
    return refusal(err);
  }
  throw new Error('expected the call to be refused');
}
