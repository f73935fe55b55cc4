// The identity service owns one decision: is this credential from an issuer we trust, and if so,
// who is it, and has that identity been revoked? It verifies JWT access tokens against the
// configured OpenID providers (keys found by discovery or a configured JWKS, refetched on rotation
// and on a schedule) and SAML 2.0 assertions against the configured IdPs' certificates, and answers
// with a principal or a typed refusal. Revocations (by subject, client or token id) are stored in
// PostgreSQL (schema `identity`) with their IdentityRevoked / IdentityUnrevoked events in a
// transactional outbox, so every ingress instance hears of them and ends the identity's sessions;
// each identity instance applies its own at once and reloads the others' every second. Consumed
// SAML assertion ids are shared there too, so an assertion opens one session across all instances.
// An unreachable IdP makes its tokens fail with IDP_UNAVAILABLE, never the service's start.
import { BusNames, connectBus, ensureStreams, EventPublisher, OutboxRelay, type Bus } from '@portcullis/bus';
import { createDatabase, migrateToLatest, type Database } from '@portcullis/db';
import { every, GrpcServer, HealthLog, type App, type Logger, type Periodic } from '@portcullis/service-kit';
import type { IdentityConfig } from './config.js';
import { PgAssertionLedger } from './db/assertion-ledger.repository.js';
import type { IdentityDB } from './db/identity.table.js';
import { migrations } from './db/migrations/index.js';
import { lockPublishable, markPublished, sweepExpired, type PendingOutboxRow } from './db/revocations.repository.js';
import { Authenticator, RevocationSet, TokenVerifier, type Clock, type KeyResolver } from './domain/index.js';
import { identityHandler } from './grpc/identity.handler.js';
import { describeError, OidcKeyResolver, type OidcKeyResolverOptions } from './oidc/oidc-key-resolver.js';
import { RevocationService } from './revocations.service.js';
import { SamlVerifier } from './saml/index.js';

const SCHEMA = 'identity';
/** How often an instance reloads revocations other instances made (ingress hears of them at once, on the bus). */
const RELOAD_INTERVAL_MS = 1000;
const RELAY_INTERVAL_MS = 500;
const SWEEP_INTERVAL_MS = 60_000;
const REVOCATIONS_MAX_AGE_MS = 15_000;

export interface IdentityDeps {
  /** Replaces OIDC discovery (tests with local keys). */
  readonly keys?: KeyResolver;
  readonly clock?: Clock;
  readonly oidc?: OidcKeyResolverOptions;
}

export function createApp(config: IdentityConfig, logger: Logger, deps: IdentityDeps = {}): App & { readonly grpcPort: () => number } {
  const clock = deps.clock ?? (() => new Date());
  const keys = deps.keys ?? new OidcKeyResolver(logger, deps.oidc);
  const names = new BusNames(config.namespace);
  const source = `identity:${config.instanceId}`;
  // The pool connects lazily: nothing touches PostgreSQL before start() migrates.
  const database: Database<IdentityDB> = createDatabase<IdentityDB>({ url: config.databaseUrl, schema: SCHEMA, applicationName: source });
  // Not trusted once it has gone this long without a load (PostgreSQL unreachable): Verify fails closed.
  const revocationSet = new RevocationSet(() => clock().getTime(), REVOCATIONS_MAX_AGE_MS);
  let relay: OutboxRelay<PendingOutboxRow> | undefined;
  const revocations = new RevocationService(database.db, revocationSet, {
    source,
    longestTokenLifetimeMs: config.longestTokenLifetimeMs,
    now: clock,
    onEventsCommitted: () => relay?.kick(),
    logger,
  });
  const authenticator = new Authenticator(
    {
      jwt: config.oidcIssuers.length > 0 ? new TokenVerifier(config.oidcIssuers, keys, clock) : undefined,
      saml: config.samlIssuers.length > 0 ? new SamlVerifier(config.samlIssuers, new PgAssertionLedger(database.db, clock), clock) : undefined,
    },
    revocationSet,
  );
  const grpc = new GrpcServer(config.grpcAddress, [identityHandler(authenticator, revocations, config.adminGroups, logger)], config.tls, logger);
  let bus: Bus | undefined;
  let timers: Periodic[] = [];
  let stopping: Promise<void> | undefined;

  return {
    grpcPort: () => grpc.port,
    async start() {
      bus = await connectBus({ url: config.natsUrl, name: source, service: 'identity', credentials: config.natsCredentials });
      await ensureStreams(bus.jsm, names, { eventsMaxBytes: config.eventsMaxBytes });
      await migrateToLatest(database, SCHEMA, migrations);
      // Revocations are in force before the first token is verified.
      await revocations.reload();
      const relayHealth = new HealthLog(logger, 'outbox relay');
      relay = new OutboxRelay<PendingOutboxRow>({
        batch: (limit, publish) =>
          database.db.transaction().execute(async (trx) => {
            const rows = await lockPublishable(trx, limit);
            await markPublished(trx, await publish(rows));
          }),
        publisher: new EventPublisher(bus.js, names),
        names,
        logger,
        health: relayHealth,
        describe: (row) => ({ eventId: row.eventId }),
      });
      const activeRelay = relay;
      await grpc.listen();
      grpc.setServing(true);
      timers = [
        every(RELAY_INTERVAL_MS, () => activeRelay.run(), relayHealth),
        every(RELOAD_INTERVAL_MS, () => revocations.reload(), new HealthLog(logger, 'revocation reload')),
        every(SWEEP_INTERVAL_MS, async () => void (await sweepExpired(database.db)), new HealthLog(logger, 'expiry sweep')),
      ];
      activeRelay.kick();
      logger.info(
        { oidcIssuers: config.oidcIssuers.map((i) => i.issuer), samlIssuers: config.samlIssuers.map((i) => i.issuer), revocations: revocationSet.size },
        'identity ready',
      );
      // Warm discovery in the background: a down IdP must not delay or fail our start.
      for (const issuer of config.oidcIssuers) {
        keys.warm?.(issuer).catch((err: unknown) => logger.warn({ issuer: issuer.issuer, detail: describeError(err) }, 'issuer not reachable yet; will retry on its first token'));
      }
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all(timers.map((timer) => timer.stop()));
        await grpc.drain();
        await relay?.run().catch((err: unknown) => logger.warn({ err }, 'final outbox flush failed; events stay pending'));
        await bus?.close();
        await database.close();
      })();
      return stopping;
    },
  };
}
