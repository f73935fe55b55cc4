// Ingress is the data path. It owns no decision: for every request of every protocol its request
// flow verifies the caller through identity, durably records RequestReceived/DecisionMade (group
// committed with other requests' events), takes the decision from policy (or one policy marked
// cacheable, until any policy change), holds through approvals, forwards with the credential it
// alone holds, masks the response in-process with the profiles the masking service publishes, and
// records the completion. It decides only one thing itself: when any of those parts cannot answer,
// the request is refused (fail closed). Sessions live in one process, but nothing a decision needs
// does, so instances scale horizontally.
import { randomBytes, randomUUID } from 'node:crypto';
import { BusNames, connectBus, ensureStreams, EventPublisher, type Bus } from '@portcullis/bus';
import { IdentityClient } from '@portcullis/identity-client';
import { eventsV1 } from '@portcullis/proto-gen';
import { clientCredentials, type App, type Logger } from '@portcullis/service-kit';
import type { IngressConfig } from './config.js';
import { DecisionCache } from './domain/decision-cache.js';
import { SYSTEM_CLOCK, type IdSource, type RequestLogPort } from './domain/ports.js';
import { RequestFlow, type AuthFailureSample } from './domain/request-flow.js';
import { EventsRecorder } from './bus/events.recorder.js';
import { StreamCapacity } from './bus/stream-capacity.js';
import { NatsPolicyDecider } from './bus/policy.decider.js';
import { ApprovalGate } from './grpc/approval.gate.js';
import { MaskingProfiles } from './grpc/masking-profiles.client.js';
import { createHttpListener } from './http/http.listener.js';
import type { HttpConnection } from './http/http.exchange.js';
import { UpstreamForwarder } from './http/upstream.forwarder.js';
import type { Listener } from './listener/listener.js';
import { Catalog } from './postgres/catalog.js';
import type { PgConnectionRuntime } from './postgres/pg.connection.js';
import { createPgListener } from './postgres/pg.listener.js';
import { PreparedStatementReader, SqlAnalyzer } from '@portcullis/sql-analysis';
import { JetStreamEndedSessions, NatsCancelRelay } from './bus/mcp-sessions.js';
import { ClientCredentialsTokenSource } from './mcp/client-credentials.js';
import { McpGateway, type McpUpstreamRuntime } from './mcp/mcp.gateway.js';
import { NatsPolicyVisibility } from './bus/policy.visibility.js';
import { bearerChallenge, protectedResourceMetadata, resourceMetadataUrl } from './mcp/resource-metadata.js';
import { SessionSeal } from './mcp/session-seal.js';
import { HttpUpstream } from './mcp/upstream-http.js';
import { StdioUpstreams } from './mcp/upstream-stdio.js';
import { createDatabase, migrateToLatest, type Database } from '@portcullis/db';
import { PgToolPins, type IngressDB } from './db/tool-pins.repository.js';
import { migrations } from './db/migrations/index.js';
import { ToolPinsAdmin } from './mcp/tool-pins.admin.js';
import { RevocationFollower } from './bus/identity.revocations.js';
import { AuthFailureAggregator } from './domain/auth-failures.js';
import { limitsResolver, PrincipalLimiter } from './domain/principal-limits.js';
import type { Protocol } from '@portcullis/request-model';

export interface IngressApp extends App {
  readonly httpPort: () => number;
  readonly postgresPort: () => number;
}

const UUIDS: IdSource = { next: () => randomUUID() };

export function createApp(config: IngressConfig, logger: Logger): IngressApp {
  const names = new BusNames(config.namespace);
  const source = `ingress:${config.instanceId}`;
  const identity = new IdentityClient({ address: config.identityAddress, credentials: clientCredentials(config.tls, 'identity') });
  const masking = new MaskingProfiles(config.maskingAddress, clientCredentials(config.tls, 'masking'), logger, undefined, undefined, config.maskingTokenKey);
  const connections = new Map<string, HttpConnection>(
    config.connections.map((c) => [c.config.name, { config: c.config, forwarder: new UpstreamForwarder(c.config, c.credential) }]),
  );
  const decisions = new DecisionCache({ ttlMs: config.decisionCacheTtlMs, maxEntries: 10_000, now: SYSTEM_CLOCK.monotonic });
  const requestLog: RequestLogPort = {
    // A SQL session can run thousands of statements a second: those that ran are logged at debug
    // (the audit log has every one); a refused or failed statement is logged like any request.
    completed: (entry) => {
      const line = { ...entry, durationMs: Math.round(entry.durationMs * 1000) / 1000 };
      if ('sqlstate' in entry.status && entry.outcome === 'forwarded') logger.debug(line, 'request completed');
      else logger.info(line, 'request completed');
    },
  };
  let bus: Bus | undefined;
  let recorder: EventsRecorder | undefined;
  let capacity: StreamCapacity | undefined;
  let approvals: ApprovalGate | undefined;
  let http: Listener | undefined;
  let postgres: Listener | undefined;
  const pgConnections = new Map<string, PgConnectionRuntime>();
  let busConnected = false;
  const mcpUpstreams = new Map<string, McpUpstreamRuntime>(
    config.mcpConnections.map((c) => {
      if (!c.config.upstream) return [c.config.name, { connection: c }];
      const tokens = c.credential?.kind === 'clientCredentials' ? new ClientCredentialsTokenSource(c.credential) : undefined;
      return [c.config.name, { connection: c, http: new HttpUpstream(c, tokens) }];
    }),
  );
  const stdio = new StdioUpstreams({ maxProcesses: config.mcp.maxStdioProcesses, idleTimeoutMs: config.mcp.stdioIdleTimeout, logger });
  let mcp: McpGateway | undefined;
  // The pool connects lazily: only an instance with MCP connections uses its schema.
  const database: Database<IngressDB> | undefined = config.mcpConnections.length > 0 ? createDatabase<IngressDB>({ url: config.databaseUrl, schema: 'ingress', max: 4, applicationName: `ingress:${config.instanceId}` }) : undefined;
  let pinsAdmin: ToolPinsAdmin | undefined;
  let ended: JetStreamEndedSessions | undefined;
  let cancels: NatsCancelRelay | undefined;
  let revocationFollower: RevocationFollower | undefined;
  let authFailureTimer: NodeJS.Timeout | undefined;
  let drainAuthFailures: (() => void) | undefined;

  return {
    httpPort: () => http?.port ?? 0,
    postgresPort: () => postgres?.port ?? 0,
    async start() {
      bus = await connectBus({ url: config.natsUrl, name: source, service: 'ingress', credentials: config.natsCredentials });
      busConnected = true;
      // Not ready while NATS is reconnecting: every request would be refused meanwhile.
      void (async () => {
        for await (const status of bus!.nc.status()) {
          if (status.type === 'disconnect') busConnected = false;
          if (status.type === 'reconnect') {
            busConnected = true;
            decisions.clear(); // a policy change may have been announced while we were away
          }
        }
      })().catch(() => undefined);
      await ensureStreams(bus.jsm, names, { eventsMaxBytes: config.eventsMaxBytes });
      watchPolicyChanges(bus, names, decisions, logger);
      await learnPolicyVersion(bus, names, decisions, logger);
      const publisher = new EventPublisher(bus.js, names);
      capacity = new StreamCapacity(bus.jsm, names.eventsStream, { intervalMs: config.streamCheckMs, highWaterPercent: config.eventsHighWaterPercent }, logger);
      await capacity.start();
      const room = capacity;
      recorder = new EventsRecorder((batchId, events) => publisher.publishBatch(batchId, source, events), source, UUIDS, logger, { maxInFlight: config.eventBatchesInFlight, accepting: () => room.accepting() });
      approvals = new ApprovalGate(config.approvalsAddress, clientCredentials(config.tls, 'approvals'), bus.nc, names, logger);
      masking.start();

      if (config.postgresConnections.length > 0) {
        // The parser is loaded once (WASM); analyses are synchronous after that.
        const [analyzer, reader] = await Promise.all([SqlAnalyzer.create(), PreparedStatementReader.create()]);
        for (const connection of config.postgresConnections) pgConnections.set(connection.config.name, { connection, catalog: new Catalog(connection), analyzer, reader });
      }
      const known = {
        has: (name: string, protocol: Protocol) => (protocol === 'http' ? connections.has(name) : protocol === 'sql' ? pgConnections.has(name) : mcpUpstreams.has(name)),
      };
      // One shutdown signal for the listeners and the flow: stopping releases held requests.
      const shutdown = new AbortController();
      const flow = new RequestFlow(
        {
          identity,
          policy: new NatsPolicyDecider(bus.nc, names.policyDecide, config.decisionTimeoutMs),
          events: recorder,
          approvals,
          masking,
          clock: SYSTEM_CLOCK,
          ids: UUIDS,
          log: requestLog,
        },
        {
          shutdown: shutdown.signal,
          connections: known,
          decisions,
          authFailures: new AuthFailureAggregator<AuthFailureSample>({ windowMs: config.authFailureWindowMs, maxSources: 10_000, now: SYSTEM_CLOCK.now }),
          limits: new PrincipalLimiter(limitsResolver(config.limits.perPrincipal, config.limits.overrides)),
        },
      );
      authFailureTimer = setInterval(() => flow.drainAuthFailures(), Math.max(250, Math.min(config.authFailureWindowMs, 1000)));
      authFailureTimer.unref();
      drainAuthFailures = () => flow.drainAuthFailures(true);
      // Revocations end sessions on this instance the moment they are announced.
      revocationFollower = new RevocationFollower(
        bus.js,
        names,
        {
          revoked: (selector, until) => {
            const dropped = identity.evict(selector, until);
            const ended = flow.revoke(selector);
            logger.warn({ kind: selector.kind, value: selector.value, droppedPrincipals: dropped, endedSessions: ended }, 'revocation applied');
          },
          lifted: (selector) => identity.forget(selector),
        },
        logger,
      );
      await revocationFollower.start();
      if (mcpUpstreams.size > 0) {
        if (!config.mcp.sessionKey) logger.warn('mcp.sessionKey is not set: MCP sessions are sealed with a random key and do not move to another ingress instance');
        ended = new JetStreamEndedSessions(bus.js, bus.jsm, config.namespace, config.mcp.sessionLifetime, logger);
        await ended.start();
        cancels = new NatsCancelRelay(bus.nc, config.namespace);
        await migrateToLatest(database!, 'ingress', migrations);
        const pins = new PgToolPins(database!.db, recorder, (connection) => ({ id: randomUUID(), occurredAt: new Date(), sessionId: '', requestId: '', connection }));
        pinsAdmin = new ToolPinsAdmin(pins, identity, config.mcp.adminGroups, (name) => mcpUpstreams.has(name));
        const gateway = new McpGateway({
          flow,
          upstreams: mcpUpstreams,
          seal: new SessionSeal(config.mcp.sessionKey ?? randomBytes(32)),
          stdio,
          pins,
          visibility: new NatsPolicyVisibility(bus.nc, names.policyVisible, config.decisionTimeoutMs),
          ended,
          cancels,
          settings: { resource: config.mcp.resource, sessionLifetimeMs: config.mcp.sessionLifetime, maxMessageBytes: Math.max(...config.mcpConnections.map((c) => c.config.maxMessageBytes)) },
          challenge: (path, reason, scope) =>
            bearerChallenge({
              resourceMetadataUrl: resourceMetadataUrl(config.mcp.resource, path),
              ...(scope !== undefined ? { error: 'insufficient_scope' as const, scope } : reason.code === 'TOKEN_MISSING' ? {} : { error: 'invalid_token' as const, description: reason.code }),
            }),
          now: () => Date.now(),
          logger,
        });
        cancels.start((key, id) => gateway.cancel(key, id));
        mcp = gateway;
      }
      const scopes = [...new Set(config.mcpConnections.flatMap((c) => c.config.requiredScopes))];
      const metadata = { resource: config.mcp.resource, issuers: config.issuers, ...(scopes.length > 0 ? { scopes } : {}) };
      const listener = createHttpListener(
        flow,
        connections,
        {
          host: config.httpAddress.host,
          port: config.httpAddress.port,
          maxInFlight: config.maxInFlight,
          drainMs: 10_000,
          ready: () => masking.loaded && busConnected && !bus!.nc.isClosed() && (capacity?.accepting() ?? false),
          ...(mcp
            ? {
                mcp: {
                  handle: (req, res, endpoint, path) => mcp!.handle(req, res, endpoint, path),
                  admin: (req, res, path) => (pinsAdmin?.handles(path) ? pinsAdmin.handle(req, res, path) : undefined),
                  wellKnown: (req, res, path) => {
                    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
                    const answer = protectedResourceMetadata(metadata, path, (name) => mcpUpstreams.has(name));
                    if (!answer) return false;
                    res.writeHead(answer.status, answer.headers).end(req.method === 'HEAD' ? undefined : answer.body);
                    return true;
                  },
                },
              }
            : {}),
        },
        logger,
      );
      listener.shutdown.addEventListener('abort', () => shutdown.abort(listener.shutdown.reason), { once: true });
      await listener.listen();
      http = listener;
      if (pgConnections.size > 0) {
        const pg = createPgListener(flow, pgConnections, config.postgres, logger);
        pg.shutdown.addEventListener('abort', () => shutdown.abort(pg.shutdown.reason), { once: true });
        await pg.listen();
        postgres = pg;
      }
      logger.info({ connections: [...connections.keys(), ...pgConnections.keys(), ...mcpUpstreams.keys()], decisionCacheTtlMs: config.decisionCacheTtlMs }, 'ingress serving');
    },
    async stop() {
      await Promise.all([http?.stop(), postgres?.stop()]);
      mcp?.stop();
      cancels?.stop();
      ended?.stop();
      revocationFollower?.stop();
      await stdio.close();
      await database?.close();
      await Promise.all([...pgConnections.values()].map((c) => c.catalog.close()));
      clearInterval(authFailureTimer);
      drainAuthFailures?.(); // the windows still open are summarised before the last flush
      await recorder?.flush();
      await capacity?.stop();
      approvals?.close();
      identity.close();
      masking.stop();
      for (const c of connections.values()) c.forwarder.close();
      await bus?.close();
    },
  };
}

/**
 * The rule set announced last before this gateway started (the last PolicyChanged in the stream),
 * so that remembered decisions are only of that version from the start. None stored: every
 * version's decisions are kept until the first announcement (bounded by the TTL).
 */
async function learnPolicyVersion(bus: Bus, names: BusNames, decisions: DecisionCache, logger: Logger): Promise<void> {
  try {
    const stored = await bus.jsm.streams.getMessage(names.eventsStream, { last_by_subj: names.policyChangedSubject });
    const version = stored ? announcedVersion(stored.data) : undefined;
    if (!version) return;
    decisions.policyChanged(version);
    logger.info({ policyVersion: version }, 'policy version learned from the last announcement');
  } catch (err) {
    // None stored yet (404) or unreadable: nothing to learn; the next announcement sets it.
    logger.debug({ err }, 'no policy announcement stored');
  }
}

/**
 * Every PolicyChanged event (a policy instance starting with its rule set) drops every remembered
 * decision. The subscription is plain NATS on the events' subjects: JetStream delivers what it
 * stores to core subscribers too, and a missed one is bounded by the cache's TTL.
 */
function watchPolicyChanges(bus: Bus, names: BusNames, decisions: DecisionCache, logger: Logger): void {
  const sub = bus.nc.subscribe(names.policyChanges);
  void (async () => {
    for await (const msg of sub) {
      // Idempotent: an announcement seen twice (a retried publish) only clears an emptier cache.
      // An unreadable one clears it too: forgetting decisions is always safe.
      const version = announcedVersion(msg.data);
      decisions.policyChanged(version);
      logger.info({ policyVersion: version }, 'policy changed: remembered decisions dropped');
    }
  })().catch((err: unknown) => logger.error({ err }, 'policy change subscription failed'));
}

/** The rule-set version a PolicyChanged event announces; undefined for anything else or unreadable. */
function announcedVersion(data: Uint8Array): string | undefined {
  try {
    const event = eventsV1.Event.decode(data);
    return event.body?.$case === 'policyChanged' ? event.body.value.policyVersion || undefined : undefined;
  } catch {
    return undefined;
  }
}
