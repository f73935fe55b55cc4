// What the approvals integration tests share: a stack of two real instances on one real
// PostgreSQL database and NATS namespace, real grpc-js clients of each, table-based identity, and
// the events each hold published. Not part of the build (see tsconfig.json): tests only.
import * as grpc from '@grpc/grpc-js';
import { BusNames, connectBus, eventType, type Bus } from '@portcullis/bus';
import { createDatabase, migrateToLatest, type Database } from '@portcullis/db';
import type { VerifyOutcome } from '@portcullis/identity-client';
import { approvalsV1, commonV1, eventsV1 } from '@portcullis/proto-gen';
import { createLogger, grpcReason, tlsChannelOptions, type App } from '@portcullis/service-kit';
import { createTestDatabase, deleteStreams, eventually, natsUrl, testClientCredentials, testTlsEnv, uniqueNamespace, uniqueSuffix, type TestDatabase } from '@portcullis/testkit';
import { createApp, type Authenticate } from './app.js';
import { loadConfig } from './config.js';
import type { ApprovalsDB } from './db/approvals.table.js';

/** Table-based identity: the e2e tests exercise the real identity service. */
export const PRINCIPALS: Readonly<Record<string, { subject: string; groups: string[] }>> = {
  'agent-token': { subject: 'demo-agent', groups: ['agents'] },
  'approver-token': { subject: 'demo-approver', groups: ['approvers'] },
  'second-approver-token': { subject: 'second-approver', groups: ['approvers'] },
  'third-approver-token': { subject: 'third-approver', groups: ['approvers'] },
  'other-token': { subject: 'someone', groups: ['other'] },
};
export const ISSUER = 'http://idp.test';

const authenticate: Authenticate = async (token): Promise<VerifyOutcome> => {
  const p = PRINCIPALS[token];
  if (!p) return { ok: false, code: 'TOKEN_INVALID', message: 'unknown token' };
  return { ok: true, principal: { ...p, clientId: p.subject, issuer: ISSUER, expiresAt: new Date(Date.now() + 3600_000), scopes: [], kind: 'machine', claimsJson: '{}' } };
};

type Callback<Res> = (err: grpc.ServiceError | null, res: Res) => void;

/** A real grpc-js client of one instance, with optional bearer token per call. */
export function clientFor(port: number, credentials: grpc.ChannelCredentials) {
  const client = new approvalsV1.ApprovalsServiceClient(`127.0.0.1:${port}`, credentials, tlsChannelOptions('approvals'));
  const rpc = <Res>(token: string | undefined, invoke: (md: grpc.Metadata, cb: Callback<Res>) => void) =>
    new Promise<Res>((resolve, reject) => {
      const md = new grpc.Metadata();
      if (token) md.set('authorization', `Bearer ${token}`);
      invoke(md, (err, res) => (err ? reject(err) : resolve(res)));
    });
  return {
    close: () => client.close(),
    // Fields a test leaves out (e.g. an HTTP target's query and headers) get their defaults, as on the wire.
    createHold: (req: approvalsV1.CreateHoldRequest) =>
      rpc<approvalsV1.CreateHoldResponse>(undefined, (md, cb) => client.createHold(approvalsV1.CreateHoldRequest.fromPartial(req), md, cb)).then((r) => r.hold!),
    getHold: (id: string) => rpc<approvalsV1.GetHoldResponse>(undefined, (md, cb) => client.getHold({ id }, md, cb)).then((r) => r.hold!),
    reportRelease: (req: Partial<approvalsV1.ReportReleaseRequest>) =>
      rpc<approvalsV1.ReportReleaseResponse>(undefined, (md, cb) => client.reportRelease(approvalsV1.ReportReleaseRequest.fromPartial(req), md, cb)).then((r) => r.hold!),
    listHolds: (token: string | undefined, includeResolved = false) =>
      rpc<approvalsV1.ListHoldsResponse>(token, (md, cb) => client.listHolds(approvalsV1.ListHoldsRequest.fromPartial({ includeResolved }), md, cb)).then((r) => r.holds),
    listPage: (token: string | undefined, request: Partial<approvalsV1.ListHoldsRequest> = {}) =>
      rpc<approvalsV1.ListHoldsResponse>(token, (md, cb) => client.listHolds(approvalsV1.ListHoldsRequest.fromPartial(request), md, cb)),
    cancelHold: (id: string, reason: string) => rpc<approvalsV1.CancelHoldResponse>(undefined, (md, cb) => client.cancelHold({ id, reason }, md, cb)).then((r) => r.hold!),
    approve: (token: string | undefined, id: string) => rpc<approvalsV1.ApproveResponse>(token, (md, cb) => client.approve({ id }, md, cb)).then((r) => r.hold!),
    deny: (token: string | undefined, id: string, reason: string) => rpc<approvalsV1.DenyResponse>(token, (md, cb) => client.deny({ id, reason }, md, cb)).then((r) => r.hold!),
    listGrants: (token: string | undefined, includeInactive = false) =>
      rpc<approvalsV1.ListGrantsResponse>(token, (md, cb) => client.listGrants({ includeInactive }, md, cb)).then((r) => r.grants),
    revokeGrant: (token: string | undefined, id: string, reason: string) =>
      rpc<approvalsV1.RevokeGrantResponse>(token, (md, cb) => client.revokeGrant({ id, reason }, md, cb)).then((r) => r.grant!),
  };
}

export type ApprovalsClient = ReturnType<typeof clientFor>;
export type TargetOneof = commonV1.RequestContext['target'];

export interface HoldOptions {
  requestId?: string;
  requester?: { subject: string; groups: string[]; issuer?: string; clientId?: string };
  connection?: string;
  approverGroups?: string[];
  reasons?: string[];
  timeoutSeconds?: number;
  target?: TargetOneof;
  sessionId?: string;
  minApprovals?: number;
  /** The requirement's grant in ms; none unless set. */
  grantMs?: number;
}

/** A CreateHold as the gateway sends it for a require_approval decision. */
export function holdRequest(options: HoldOptions = {}): approvalsV1.CreateHoldRequest {
  const requester = options.requester ?? { subject: 'demo-agent', groups: ['agents'] };
  return {
    context: {
      requestId: options.requestId ?? `req-${uniqueSuffix()}`,
      connection: options.connection ?? 'demo-http',
      principal: { subject: requester.subject, clientId: requester.clientId ?? requester.subject, groups: requester.groups, issuer: requester.issuer ?? ISSUER, expiresAt: undefined, scopes: [], kind: 'machine', claimsJson: '{}' },
      sessionId: options.sessionId ?? '',
      target: 'target' in options ? options.target : { $case: 'http', value: { method: 'POST', path: '/echo', query: '', headers: [] } },
    },
    decision: {
      effect: commonV1.Effect.EFFECT_REQUIRE_APPROVAL,
      reasons: options.reasons ?? ['rule:agents-write'],
      message: 'Writes by agents wait for a human in the approvers group.',
      maskingProfiles: [],
      approval: {
        approverGroups: options.approverGroups ?? ['approvers'],
        timeout: { seconds: BigInt(options.timeoutSeconds ?? 120), nanos: 0 },
        minApprovals: options.minApprovals ?? 1,
        grant: options.grantMs === undefined ? undefined : { seconds: BigInt(Math.floor(options.grantMs / 1000)), nanos: (options.grantMs % 1000) * 1e6 },
      },
      policyVersion: 'v1',
      decidedBy: 'policy:test',
      cacheable: false,
    },
  };
}

/** The status and `portcullis-reason` of a call that must fail. */
export async function refusal(call: Promise<unknown>): Promise<{ code: grpc.status; reason: string | undefined }> {
  try {
    await call;
  } catch (err) {
    return { code: (err as grpc.ServiceError).code, reason: grpcReason(err) };
  }
  throw new Error('expected the call to fail');
}

export interface PublishedEvent {
  /** The event's type, e.g. "approval.granted". */
  readonly kind: string;
  readonly msgId: string;
  readonly subject: string;
  readonly event: eventsV1.Event;
}

export interface ApprovalsStack {
  /** Clients of instance a and instance b. */
  readonly a: ApprovalsClient;
  readonly b: ApprovalsClient;
  /** The instances' database, for what only SQL can show. */
  readonly database: Database<ApprovalsDB>;
  readonly namespace: string;
  readonly natsUrl: string;
  /** Events about a hold (its id in the event), or a grant's revocation (the grant's id), in stream order. */
  eventsOf(id: string): Promise<PublishedEvent[]>;
  /** Waits until at least `count` such events are on the stream. */
  untilEvents(id: string, count: number): Promise<PublishedEvent[]>;
  stop(): Promise<void>;
}

/**
 * Two instances on one fresh database and namespace, as in a scaled deployment. `beforeStart` runs
 * against the database before the instances start (and migrate): e.g. rows an older version wrote.
 */
export async function startApprovals(options: { beforeStart?: (database: Database<ApprovalsDB>) => Promise<void> } = {}): Promise<ApprovalsStack> {
  const [db, url]: [TestDatabase, string] = await Promise.all([createTestDatabase(), natsUrl()]);
  const database = createDatabase<ApprovalsDB>({ url: db.url, schema: 'approvals', applicationName: 'approvals-int-test' });
  await options.beforeStart?.(database);
  const namespace = uniqueNamespace();
  const names = new BusNames(namespace);
  const logger = createLogger('approvals', 'silent');
  const apps: ReturnType<typeof createApp>[] = [];
  for (const instance of ['int-a', 'int-b']) {
    const config = loadConfig({
      APPROVALS_GRPC_ADDR: '127.0.0.1:0',
      DATABASE_URL: db.url,
      NATS_URL: url,
      PORTCULLIS_NAMESPACE: namespace,
      APPROVALS_INSTANCE_ID: instance,
      APPROVALS_SWEEP_INTERVAL_MS: '100',
      LOG_LEVEL: 'silent',
      ...(await testTlsEnv('approvals')),
    });
    const app = createApp(config, logger, { authenticate });
    await app.start();
    apps.push(app);
  }
  // As ingress: the hold lifecycle is ingress's alone; approvers' calls accept any peer.
  const credentials = await testClientCredentials('ingress', 'approvals');
  const [a, b] = apps.map((app) => clientFor(app.grpcPort(), credentials)) as [ApprovalsClient, ApprovalsClient];
  const bus: Bus = await connectBus({ url, name: 'approvals-int-test' });

  const eventsOf = async (id: string): Promise<PublishedEvent[]> => {
    const info = await bus.jsm.streams.info(names.eventsStream);
    const found: PublishedEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await bus.jsm.streams.getMessage(names.eventsStream, { seq });
      if (!msg) continue;
      const event = eventsV1.Event.decode(msg.data);
      if (isAbout(event, id)) found.push({ kind: eventType(event), msgId: msg.header.get('Nats-Msg-Id'), subject: msg.subject, event });
    }
    return found;
  };

  return {
    a,
    b,
    database,
    namespace,
    natsUrl: url,
    eventsOf,
    untilEvents: (id, count) =>
      eventually(async () => {
        const events = await eventsOf(id);
        return events.length >= count ? events : undefined;
      }, 10_000, `${count} events of ${id}`),
    async stop() {
      a.close();
      b.close();
      for (const app of apps as App[]) await app.stop();
      await bus.close();
      await database.close();
      await deleteStreams(url, namespace);
      await db.drop();
    },
  };
}

/** Whether `event` is about hold `id`, or is the revocation of grant `id`. */
function isAbout(event: eventsV1.Event, id: string): boolean {
  const body = event.body;
  if (!body) return false;
  if (body.$case === 'grantRevoked') return body.value.grantId === id;
  return (body.value as { holdId?: string }).holdId === id;
}
