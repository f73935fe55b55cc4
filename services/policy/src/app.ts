// The policy service owns decisions. It evaluates the configured rules for each request the
// gateway sends over NATS request/reply (queue group "policy": one decision per request, however
// many instances run) and over gRPC, whatever the request's protocol (HTTP, MCP or SQL). It keeps
// no state between requests, so instances scale freely. It decides; it does not record: the gateway
// publishes the DecisionMade event it received. The one event policy publishes is PolicyChanged, at
// start: the rule set (version, size) this instance decides with, for audit and for gateways that
// remember cacheable decisions.
import type { Subscription } from '@nats-io/transport-node';
import { BusNames, connectBus, EventPublisher, type Bus } from '@portcullis/bus';
import { GrpcServer, type App, type Logger } from '@portcullis/service-kit';
import type { PolicyConfig } from './config.js';
import { PolicyEngine } from './domain/index.js';
import { respondToDecisions } from './bus/decide.responder.js';
import { ANNOUNCE_RETRY, PolicyChangedPublisher, type RetryDelays } from './bus/policy-changed.publisher.js';
import { policyHandler } from './grpc/policy.handler.js';

export interface PolicyDeps {
  /** Retry delays of the PolicyChanged announcement; tests shorten them. */
  readonly announceRetry?: RetryDelays;
}

export function createApp(config: PolicyConfig, logger: Logger, deps: PolicyDeps = {}): App & { readonly grpcPort: () => number } {
  const engine = new PolicyEngine(config.rules);
  const names = new BusNames(config.namespace);
  const grpc = new GrpcServer(config.grpcAddress, [policyHandler(engine, config.instanceId, logger)], logger);
  let bus: Bus | undefined;
  let subscription: Subscription | undefined;
  let announcement: PolicyChangedPublisher | undefined;

  return {
    grpcPort: () => grpc.port,
    async start() {
      bus = await connectBus({ url: config.natsUrl, name: `policy:${config.instanceId}` });
      announcement = new PolicyChangedPublisher({
        bus,
        publisher: new EventPublisher(bus.js, names),
        names,
        source: `policy:${config.instanceId}`,
        policyVersion: engine.version,
        rules: config.rules.length,
        logger,
        retry: deps.announceRetry ?? ANNOUNCE_RETRY,
      });
      // Before the first decision, so audit sees the rule set ahead of the decisions made with it;
      // a failure does not stop the instance from deciding (it is logged and retried).
      await announcement.announce();
      subscription = respondToDecisions(bus.nc, names.policyDecide, engine, config.instanceId, logger);
      // Once the server has the subscription, "started" means a gateway's request finds this instance.
      await bus.nc.flush();
      await grpc.listen();
      grpc.setServing(true);
      logger.info({ instanceId: config.instanceId, rules: config.rules.length, policyVersion: engine.version }, 'policy loaded');
    },
    async stop() {
      // Leave the queue group first so new requests go to other instances, then finish in-flight.
      await subscription?.drain().catch(() => undefined);
      await grpc.drain();
      await announcement?.stop();
      await bus?.close();
    },
  };
}
