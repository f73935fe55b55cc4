import { errors, type NatsConnection } from '@nats-io/transport-node';
import { policyV1 } from '@portcullis/proto-gen';
import type { RequestContext } from '../domain/context.js';
import type { DecideOutcome, PolicyPort } from '../domain/ports.js';
import { contextToProto, decisionFromProto } from './decision.mappers.js';

/**
 * Asks the policy service over NATS request/reply (the queue group gives each request to exactly
 * one instance). No responder or no answer in time is a failure, which the flow turns into a
 * denial: the gateway never fails open.
 */
export class NatsPolicyDecider implements PolicyPort {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly timeoutMs: number,
  ) {}

  async decide(context: RequestContext): Promise<DecideOutcome> {
    let data: Uint8Array;
    try {
      data = (await this.nc.request(this.subject, policyV1.DecideRequest.encode({ context: contextToProto(context) }).finish(), { timeout: this.timeoutMs })).data;
    } catch (err) {
      return failure(err, this.timeoutMs);
    }
    let decision: policyV1.DecideResponse['decision'];
    try {
      decision = policyV1.DecideResponse.decode(data).decision;
    } catch (err) {
      return { ok: false, message: 'policy returned an unreadable decision', detail: (err as Error).message };
    }
    if (!decision) return { ok: false, message: 'policy returned no decision' };
    return { ok: true, decision: decisionFromProto(decision) };
  }
}

/** Recognised with the client's own error types, never by name or message. */
function failure(err: unknown, timeoutMs: number): DecideOutcome {
  if (err instanceof errors.RequestError && err.isNoResponders()) return { ok: false, message: 'no policy service is running' };
  if (err instanceof errors.TimeoutError || (err instanceof errors.RequestError && err.cause instanceof errors.TimeoutError)) {
    return { ok: false, message: `policy did not answer within ${timeoutMs} ms` };
  }
  return { ok: false, message: 'the policy service is unreachable', detail: (err as Error).message };
}
