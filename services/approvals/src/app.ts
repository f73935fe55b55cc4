// The approvals service owns held requests and the grants their approvals issue. When policy says
// require_approval, the gateway asks it to hold the request — exactly that request (an HTTP call,
// an MCP call with its arguments, a SQL statement with its parameters), so approving it releases
// nothing else. Approvers (authenticated through the identity service) list holds of their groups
// and approve or deny them; a hold is released once as many distinct approvers as policy asks for
// approved it, one denial denies, and holds nobody answers expire. It decides who may resolve a hold
// (an approver, never the requester, each approver once, before expiry). When policy grants, a
// release also issues a time-boxed grant: the same requester repeating the same request is then
// released at once, until the grant expires or an approver revokes it. Every step is announced on
// the bus through a transactional outbox, so an event is never lost and never describes a
// rolled-back change. All state is in PostgreSQL (schema `approvals`); approvals and denials of a
// hold lock its row and resolutions are conditional UPDATEs, so any number of instances can run.
import { BusNames, connectBus, ensureStreams, EventPublisher, type Bus } from '@portcullis/bus';
import { createDatabase, migrateToLatest, type Database } from '@portcullis/db';
import { IdentityClient } from '@portcullis/identity-client';
import { every, GrpcServer, HealthLog, type App, type Logger, type Periodic, clientCredentials } from '@portcullis/service-kit';
import type { ApprovalsConfig } from './config.js';
import type { ApprovalsDB } from './db/approvals.table.js';
import { migrations } from './db/migrations/index.js';
import { approvalsOutboxRelay } from './bus/outbox.publisher.js';
import { approvalsHandler, type Authenticate } from './grpc/approvals.handler.js';
import { GrantService } from './grants.service.js';
import { HoldService } from './holds.service.js';

export type { Authenticate } from './grpc/approvals.handler.js';

const SCHEMA = 'approvals';
/** The relay also runs on a timer: events committed while NATS was down go out once it is back. */
const RELAY_INTERVAL_MS = 500;

export interface ApprovalsDeps {
  /** Verifies approvers' tokens; defaults to the identity service at IDENTITY_GRPC_ADDR. */
  readonly authenticate?: Authenticate;
}

export function createApp(config: ApprovalsConfig, logger: Logger, deps: ApprovalsDeps = {}): App & { readonly grpcPort: () => number } {
  const names = new BusNames(config.namespace);
  const identity = deps.authenticate ? undefined : new IdentityClient({ address: config.identityAddress, credentials: clientCredentials(config.tls, 'identity') });
  // People's calls are few: each asks identity afresh, so a revoked approver or admin is refused at once.
  const authenticate: Authenticate = deps.authenticate ?? ((token) => identity!.verify(token, { fresh: true }));
  const relayHealth = new HealthLog(logger, 'outbox relay');
  // The pool connects lazily: nothing touches PostgreSQL before start() migrates.
  const database: Database<ApprovalsDB> = createDatabase<ApprovalsDB>({ url: config.databaseUrl, schema: SCHEMA, applicationName: `approvals:${config.instanceId}` });
  let bus: Bus | undefined;
  let relay: ReturnType<typeof approvalsOutboxRelay> | undefined;
  let timers: Periodic[] = [];
  let stopping: Promise<void> | undefined;

  const serviceOptions = {
    db: database.db,
    source: `approvals:${config.instanceId}`,
    logger,
    onEventsCommitted: () => relay?.kick(),
  };
  const holds = new HoldService(serviceOptions);
  const grants = new GrantService(serviceOptions);
  const grpc = new GrpcServer(config.grpcAddress, [approvalsHandler(holds, grants, authenticate, logger)], config.tls, logger);

  return {
    grpcPort: () => grpc.port,
    async start() {
      bus = await connectBus({ url: config.natsUrl, name: `approvals:${config.instanceId}`, service: 'approvals', credentials: config.natsCredentials });
      await ensureStreams(bus.jsm, names, { eventsMaxBytes: config.eventsMaxBytes });
      await migrateToLatest(database, SCHEMA, migrations);
      relay = approvalsOutboxRelay(database.db, new EventPublisher(bus.js, names), names, logger, relayHealth);
      await grpc.listen();
      grpc.setServing(true);
      const activeRelay = relay;
      timers = [
        every(RELAY_INTERVAL_MS, () => activeRelay.run(), relayHealth),
        every(config.sweepIntervalMs, () => holds.expireDue(), new HealthLog(logger, 'expiry sweeper')),
      ];
      activeRelay.kick(); // whatever an earlier run left pending
      logger.info({ instanceId: config.instanceId, sweepIntervalMs: config.sweepIntervalMs }, 'approvals ready');
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all(timers.map((timer) => timer.stop()));
        await grpc.drain();
        // Events committed by the last calls go out now rather than at the next start.
        await relay?.run().catch((err: unknown) => logger.warn({ err }, 'final outbox flush failed; events stay pending'));
        await bus?.close();
        await database.close();
        identity?.close();
      })();
      return stopping;
    },
  };
}
