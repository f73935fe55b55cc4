// The policy service owns the policy and decides with it. The policy is a set of named documents
// in PostgreSQL (schema `policy`): portcullis.yaml's `policies:` section and the files of the
// policy directory, seeded at start when they changed, plus what admins put over gRPC. Every change
// compiles the whole set first (nothing invalid is ever stored) and is a revision with the next
// version number, announced durably as PolicyChanged through a transactional outbox. Every instance
// reloads within a second of a change (the event, or a poll of the head as backstop) and answers
// the gateway's decisions over NATS request/reply (queue group "policy": one decision per request,
// however many instances run) and gRPC. It decides; it does not record: the gateway publishes the
// DecisionMade event it received. Admins (policy.adminGroups, verified through identity) manage,
// read and explain the policy.
import type { Subscription } from '@nats-io/transport-node';
import { BusNames, connectBus, EventPublisher, type Bus } from '@portcullis/bus';
import { createDatabase, migrateToLatest } from '@portcullis/db';
import { PortcullisError } from '@portcullis/errors';
import { IdentityClient, type Authenticate } from '@portcullis/identity-client';
import { compilePolicy, formatProblem, type PolicyContext, type Problem } from '@portcullis/policy-language';
import { every, GrpcServer, HealthLog, type App, type Logger, type Periodic, clientCredentials } from '@portcullis/service-kit';
import { SqlAnalyzer } from '@portcullis/sql-analysis';
import type { PolicyConfig } from './config.js';
import { ActivePolicy } from './domain/index.js';
import { respondToVisibility } from './bus/visible.responder.js';
import { respondToDecisions } from './bus/decide.responder.js';
import { policyOutboxRelay } from './bus/outbox.publisher.js';
import { watchPolicyChanges } from './bus/policy-changed.consumer.js';
import { ANNOUNCE_RETRY, PolicyChangedPublisher, type RetryDelays } from './bus/policy-changed.publisher.js';
import { SCHEMA, type PolicyDB } from './db/policy.table.js';
import { migrations } from './db/migrations/index.js';
import { startAnnouncement } from './events.mappers.js';
import { adminGuard } from './grpc/admin.guard.js';
import { policyHandler } from './grpc/policy.handler.js';
import { readPolicyFiles } from './policy-files.js';
import { PolicyReloader } from './policy-reloader.js';
import { PolicyStore, type Compile } from './policy-store.service.js';

/** The relay also runs on a timer: events committed while NATS was down go out once it is back. */
const RELAY_INTERVAL_MS = 500;

export interface PolicyDeps {
  /** Verifies admins' tokens; defaults to the identity service at `config.identityAddress`. */
  readonly authenticate?: Authenticate;
  /** Retry delays of the start announcement; tests shorten them. */
  readonly announceRetry?: RetryDelays;
  readonly now?: () => Date;
}

/** Refused to start: neither the files nor the store give a policy that compiles. */
export class NoValidPolicyError extends PortcullisError<'NO_VALID_POLICY'> {
  constructor(readonly problems: readonly Problem[]) {
    super('NO_VALID_POLICY', `no valid policy to decide with; fix these and start again:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
}

export function createApp(config: PolicyConfig, logger: Logger, deps: PolicyDeps = {}): App & { readonly grpcPort: () => number } {
  const names = new BusNames(config.namespace);
  const now = deps.now ?? (() => new Date());
  const source = `policy:${config.instanceId}`;
  const identity = deps.authenticate ? undefined : new IdentityClient({ address: config.identityAddress, credentials: clientCredentials(config.tls, 'identity') });
  // People's calls are few: each asks identity afresh, so a revoked approver or admin is refused at once.
  const authenticate: Authenticate = deps.authenticate ?? ((token) => identity!.verify(token, { fresh: true }));
  // The pool connects lazily: nothing touches PostgreSQL before start() migrates.
  const database = createDatabase<PolicyDB>({ url: config.databaseUrl, schema: SCHEMA, applicationName: source });
  const active = new ActivePolicy();
  const relayHealth = new HealthLog(logger, 'policy outbox relay');
  let compile: Compile = () => {
    throw new Error('policy compiled before start');
  };
  let relay: ReturnType<typeof policyOutboxRelay> | undefined;
  const store = new PolicyStore({
    db: database.db,
    compile: (sources) => compile(sources),
    source,
    logger,
    onCommitted: (loaded) => {
      active.offer(loaded);
      relay?.kick();
    },
  });
  const reloader = new PolicyReloader(store, active, logger);
  const guard = adminGuard(authenticate, config.adminGroups, logger);
  const grpc = new GrpcServer(config.grpcAddress, [policyHandler({ active, store, guard, instance: config.instanceId, logger, now })], config.tls, logger);
  let bus: Bus | undefined;
  let subscriptions: Subscription[] = [];
  let timers: Periodic[] = [];
  let announcement: PolicyChangedPublisher | undefined;
  let stopping: Promise<void> | undefined;

  return {
    grpcPort: () => grpc.port,
    async start() {
      const sql = await SqlAnalyzer.create();
      const context: PolicyContext = {
        connections: new Map(config.context.connections.map((c) => [c.name, { tags: c.tags, decisionHeaders: c.decisionHeaders }])),
        maskingProfiles: new Set(config.context.maskingProfiles),
      };
      compile = (sources) => compilePolicy(sources, context, sql);
      bus = await connectBus({ url: config.natsUrl, name: source, service: 'policy', credentials: config.natsCredentials });
      // Streams are declared by the start announcement, retried until the bus can store events:
      // deciding does not wait for the bus to record anything.
      await migrateToLatest(database, SCHEMA, migrations);
      const publisher = new EventPublisher(bus.js, names);
      relay = policyOutboxRelay(database.db, bus, publisher, names, logger, relayHealth, { eventsMaxBytes: config.eventsMaxBytes });

      const seedProblems = await seed(store, config, logger);
      const loaded = await store.load();
      if (!loaded.ok) throw new NoValidPolicyError(loaded.problems);
      // Nothing ever stored: the files were all there was, and they do not compile.
      if (loaded.loaded.version === 0) throw new NoValidPolicyError(seedProblems);
      active.offer(loaded.loaded);

      // Before the first decision, so audit sees the version ahead of the decisions made with it;
      // a failure does not stop the instance from deciding (it is logged and retried).
      announcement = new PolicyChangedPublisher({ bus, publisher, names, limits: { eventsMaxBytes: config.eventsMaxBytes }, source, announcement: startAnnouncement(loaded.loaded), logger, retry: deps.announceRetry ?? ANNOUNCE_RETRY });
      await announcement.announce();
      subscriptions = [
        watchPolicyChanges(bus.nc, names.policyChanges, (version) => reloader.heard(version), logger),
        respondToDecisions(bus.nc, names.policyDecide, active, config.instanceId, logger, now),
        respondToVisibility(bus.nc, names.policyVisible, active, logger, now),
      ];
      // Once the server has the subscriptions, "started" means a gateway's request finds this instance.
      await bus.nc.flush();
      const activeRelay = relay;
      timers = [
        every(config.reloadIntervalMs, () => reloader.check(), new HealthLog(logger, 'policy reload poll')),
        every(RELAY_INTERVAL_MS, () => activeRelay.run(), relayHealth),
      ];
      activeRelay.kick(); // whatever an earlier run left pending
      await grpc.listen();
      grpc.setServing(true);
      const current = active.current;
      logger.info({ instanceId: config.instanceId, policyVersion: String(current.version), rules: current.compiled.ruleCount, adminGroups: config.adminGroups.length, reloadIntervalMs: config.reloadIntervalMs }, 'policy loaded');
    },
    stop() {
      stopping ??= (async () => {
        // Leave the queue group first so new requests go to other instances, then finish in-flight.
        await Promise.all(subscriptions.map((s) => s.drain().catch(() => undefined)));
        await Promise.all(timers.map((timer) => timer.stop()));
        await reloader.idle();
        await grpc.drain();
        await announcement?.stop();
        await relay?.run().catch((err: unknown) => logger.warn({ err }, 'final policy outbox flush failed; events stay pending'));
        await bus?.close();
        await database.close();
        identity?.close();
      })();
      return stopping;
    },
  };
}

/**
 * Stores the files that changed since they were last seeded. A set that does not compile is
 * logged, every problem on its own line (at the file's path), and not stored: the stored version
 * stays in force. Returns those problems.
 */
async function seed(store: PolicyStore, config: PolicyConfig, logger: Logger): Promise<readonly Problem[]> {
  const read = readPolicyFiles(config.configFile, config.policyDirectory);
  for (const note of read.notes) logger.warn(note);
  const paths = new Map(read.files.map((file) => [file.name, file.path]));
  const refused = (problems: readonly Problem[], why: string) => {
    const located = problems.map((problem) => ({ ...problem, source: paths.get(problem.source) ?? problem.source }));
    for (const problem of located) logger.error({ problem: formatProblem(problem) }, 'policy file problem');
    logger.error({ problems: located.length }, `policy files NOT seeded: ${why}; deciding with the stored version, if any`);
    return located;
  };
  if (read.problems.length > 0) return refused(read.problems, 'some cannot be read');
  const result = await store.seed(read.files);
  if (!result.ok) return refused(result.failure.problems ?? [{ source: config.configFile.path, line: 1, column: 1, path: '', message: result.failure.message }], 'they do not compile');
  logger.info({ files: read.files.length, policyVersion: String(result.value.version), changed: result.value.revision !== undefined }, 'policy files seeded');
  return [];
}
