import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { policyV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';
import type { PolicyEngine } from '../domain/index.js';
import { decisionToProto, factsFromProto, refusal } from '../decision.mappers.js';

/**
 * Answers DecideRequest on the data path over NATS request/reply. All instances join the queue
 * group "policy", so each request is decided by exactly one instance.
 */
export function respondToDecisions(nc: NatsConnection, subject: string, engine: PolicyEngine, instance: string, logger: Logger): Subscription {
  return nc.subscribe(subject, {
    queue: 'policy',
    callback: (err, msg) => {
      if (err) {
        logger.error({ err }, 'decide subscription failed');
        return;
      }
      let decision;
      try {
        const request = policyV1.DecideRequest.decode(msg.data);
        const facts = factsFromProto(request);
        decision = facts.ok ? decisionToProto(engine.decide(facts.facts), instance) : refusal(facts.reason, engine.version, instance);
        const context = request.context;
        logger.debug(
          { requestId: context?.requestId, sessionId: context?.sessionId, connection: context?.connection, principal: context?.principal?.subject, protocol: context?.target?.$case, effect: decision.effect, reasons: decision.reasons, cacheable: decision.cacheable },
          'decided',
        );
      } catch {
        decision = refusal('error:malformed-request', engine.version, instance);
        logger.warn({ bytes: msg.data.length }, 'malformed decide request');
      }
      msg.respond(policyV1.DecideResponse.encode({ decision }).finish());
    },
  });
}
