import { isInboxReply } from '@portcullis/bus';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { policyV1, type commonV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';
import type { ActivePolicy } from '../domain/index.js';
import { decideRequest, refusal } from '../decision.mappers.js';

/**
 * Answers DecideRequest on the data path over NATS request/reply. All instances join the queue
 * group "policy", so each request is decided by exactly one instance.
 */
export function respondToDecisions(nc: NatsConnection, subject: string, active: ActivePolicy, instance: string, logger: Logger, now: () => Date): Subscription {
  return nc.subscribe(subject, {
    queue: 'policy',
    callback: (err, msg) => {
      if (err) {
        logger.error({ err }, 'decide subscription failed');
        return;
      }
      // Answer only into an inbox: a reply naming any other subject would make policy publish there.
      if (!isInboxReply(msg.reply)) {
        logger.warn({ reply: msg.reply?.slice(0, 80) }, 'decide request with a reply subject that is no inbox ignored');
        return;
      }
      let request: policyV1.DecideRequest;
      try {
        request = policyV1.DecideRequest.decode(msg.data);
      } catch {
        logger.warn({ bytes: msg.data.length }, 'malformed decide request');
        msg.respond(encode(refusal('error:malformed-request', String(active.current.version), instance)));
        return;
      }
      const context = request.context;
      let decision: commonV1.Decision;
      try {
        decision = decideRequest(active, request, instance, now());
      } catch (err) {
        // A defect, not a verdict: deny (fail closed) and say so.
        logger.error({ err, requestId: context?.requestId, connection: context?.connection }, 'decision failed');
        decision = refusal('error:evaluation-failed', String(active.current.version), instance);
      }
      logger.debug(
        { requestId: context?.requestId, sessionId: context?.sessionId, connection: context?.connection, principal: context?.principal?.subject, protocol: context?.target?.$case, effect: decision.effect, reasons: decision.reasons, policyVersion: decision.policyVersion, cacheable: decision.cacheable },
        'decided',
      );
      msg.respond(encode(decision));
    },
  });
}

function encode(decision: commonV1.Decision): Uint8Array {
  return policyV1.DecideResponse.encode({ decision }).finish();
}
