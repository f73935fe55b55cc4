// The policy service owns decisions. It evaluates the configured rules for each request the
// gateway sends over NATS request/reply (queue group "policy": one decision per request, however
// many instances run) and over gRPC. It keeps no state between requests, so instances scale freely.
// It decides; it does not record: the gateway publishes the DecisionMade event it received.
import type { Subscription } from '@nats-io/transport-node';
import { BusNames, connectBus, type Bus } from '@portcullis/bus';
import { GrpcServer, type App, type Logger } from '@portcullis/service-kit';
import type { PolicyConfig } from './config.js';
import { PolicyEngine } from './domain/index.js';
import { respondToDecisions } from './bus/decide.responder.js';
import { policyHandler } from './grpc/policy.handler.js';

export function createApp(config: PolicyConfig, logger: Logger): App & { readonly grpcPort: () => number } {
  const engine = new PolicyEngine(config.rules);
  const names = new BusNames(config.namespace);
  const grpc = new GrpcServer(config.grpcAddress, [policyHandler(engine, config.instanceId, logger)], logger);
  let bus: Bus | undefined;
  let subscription: Subscription | undefined;

  return {
    grpcPort: () => grpc.port,
    async start() {
      bus = await connectBus({ url: config.natsUrl, name: `policy:${config.instanceId}` });
      subscription = respondToDecisions(bus.nc, names.policyDecide, engine, config.instanceId, logger);
      await grpc.listen();
      grpc.setServing(true);
      logger.info({ rules: config.rules.length, policyVersion: engine.version }, 'policy loaded');
    },
    async stop() {
      // Leave the queue group first so new requests go to other instances, then finish in-flight.
      await subscription?.drain().catch(() => undefined);
      await grpc.drain();
      await bus?.close();
    },
  };
}
