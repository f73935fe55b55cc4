import type { NatsConnection } from '@nats-io/transport-node';
import { policyV1 } from '@portcullis/proto-gen';
import type { DecideOutcome, PolicyPort, RequestContext } from '../domain/ports.js';

/**
 * Asks the policy service over NATS request/reply (the queue group gives each request to exactly
 * one instance). No responder or no answer in time is a failure, which the gatekeeper turns into a
 * denial: the gateway never fails open.
 */
export class NatsPolicyDecider implements PolicyPort {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly timeoutMs: number,
  ) {}

  async decide(context: RequestContext): Promise<DecideOutcome> {
    try {
      const reply = await this.nc.request(this.subject, policyV1.DecideRequest.encode({ context }).finish(), { timeout: this.timeoutMs });
      const decision = policyV1.DecideResponse.decode(reply.data).decision;
      if (!decision) return { ok: false, message: 'policy returned no decision' };
      return { ok: true, decision };
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'NoRespondersError' || /no responders/i.test((err as Error).message)) {
        return { ok: false, message: 'no policy service is running' };
      }
      if (name === 'TimeoutError' || /timeout/i.test((err as Error).message)) {
        return { ok: false, message: `policy did not answer within ${this.timeoutMs} ms` };
      }
      return { ok: false, message: 'the policy service is unreachable', detail: (err as Error).message };
    }
  }
}
