// The audit service owns the immutable, tamper-evident event log (schema "audit"). It records every
// event on the bus, exactly once, in a SHA-256 hash chain, and decides nothing about requests: it
// only answers who may read the log (principals in `audit.readerGroups`) and whether the chain is
// intact. Instances share one durable consumer and append under one PostgreSQL advisory lock, so
// any number of them yield a single chain. The database itself refuses UPDATE, DELETE and TRUNCATE
// of the log; only the table owner can switch that off, so production should run the service as a
// role that does not own audit.events and holds only INSERT and SELECT on it.
import { BusNames, connectBus, ensureStreams, type Bus } from '@portcullis/bus';
import { createDatabase, migrateToLatest } from '@portcullis/db';
import { IdentityClient } from '@portcullis/identity-client';
import { GrpcServer, type App, type Logger, clientCredentials } from '@portcullis/service-kit';
import { AuditLog } from './audit-log.service.js';
import { watchEventStream, type EventStreamWatch } from './bus/event-retention.js';
import { StatusServer } from './http/status.server.js';
import { DEFAULT_INGEST, ensureAuditConsumer, startAuditIngest, type AuditIngest, type IngestOptions } from './bus/audit.consumer.js';
import type { AuditConfig } from './config.js';
import { SCHEMA, type AuditDatabase } from './db/events.table.js';
import { migrations } from './db/migrations/index.js';
import { auditHandler } from './grpc/audit.handler.js';
import { readerGuard, type Authenticate } from './grpc/reader.guard.js';

export interface AuditDeps {
  /** Verifies readers' tokens; defaults to the identity service at `config.identityAddress`. */
  readonly authenticate?: Authenticate;
  readonly ingest?: Partial<IngestOptions>;
}

export function createApp(config: AuditConfig, logger: Logger, deps: AuditDeps = {}): App & { readonly grpcPort: () => number; readonly httpPort: () => number } {
  const names = new BusNames(config.namespace);
  const ingestOptions: IngestOptions = { ...DEFAULT_INGEST, ...deps.ingest };
  const database = createDatabase<AuditDatabase>({ url: config.databaseUrl, schema: SCHEMA, applicationName: `audit:${config.instanceId}` });
  const log = new AuditLog(database.db, database.pool);
  const identity = deps.authenticate ? undefined : new IdentityClient({ address: config.identityAddress, credentials: clientCredentials(config.tls, 'identity') });
  // People's calls are few: each asks identity afresh, so a revoked approver or admin is refused at once.
  const authenticate: Authenticate = deps.authenticate ?? ((token) => identity!.verify(token, { fresh: true }));
  const grpc = new GrpcServer(config.grpcAddress, [auditHandler(log, readerGuard(authenticate, config.readerGroups, logger), logger)], config.tls, logger);
  let bus: Bus | undefined;
  let ingest: AuditIngest | undefined;
  let watch: EventStreamWatch | undefined;
  let httpPort = 0;
  const status = new StatusServer(config.httpAddress, () => watch?.reading(), config.namespace, logger);
  let stopped: Promise<void> | undefined;

  return {
    grpcPort: () => grpc.port,
    httpPort: () => httpPort,
    async start() {
      bus = await connectBus({ url: config.natsUrl, name: `audit:${config.instanceId}`, service: 'audit', credentials: config.natsCredentials });
      await ensureStreams(bus.jsm, names, { eventsMaxBytes: config.eventsMaxBytes });
      // migrateToLatest takes Database<unknown>, which a typed Database<DB> is not assignable to.
      await migrateToLatest(database, SCHEMA, migrations);
      await ensureAuditConsumer(bus.jsm, names, ingestOptions);
      ingest = await startAuditIngest(bus.nc, bus.jsm, names, (entries) => log.append(entries), logger, ingestOptions);
      await grpc.listen();
      grpc.setServing(true);
      // Lag beyond the threshold turns readiness red (gRPC health and /readyz); recorded events are trimmed.
      watch = watchEventStream(bus.jsm, names, { intervalMs: config.streamWatchMs, retainMs: config.eventsRetainMs, lagAlertSeconds: config.lagAlertSeconds }, logger, (red) => grpc.setServing(!red));
      httpPort = await status.listen();
      logger.info({ stream: names.eventsStream, readerGroups: config.readerGroups.length }, 'audit recording');
    },
    stop() {
      // Stop fetching and record what was fetched (commit, then ack) before anything closes.
      stopped ??= (async () => {
        await ingest?.stop();
        await watch?.stop();
        await status.close();
        await grpc.drain();
        identity?.close();
        await bus?.close();
        await database.close();
      })();
      return stopped;
    },
  };
}
