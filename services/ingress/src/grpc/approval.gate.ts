import * as grpc from '@grpc/grpc-js';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { BusNames } from '@portcullis/bus';
import { FAST_RECONNECT } from '@portcullis/service-kit';
import { approvalsV1, eventsV1 } from '@portcullis/proto-gen';
import type { Logger } from '@portcullis/service-kit';
import type { ApprovalsPort, Decision, HoldResult, RequestContext } from '../domain/ports.js';

/**
 * Holds a request through the approvals service. It subscribes to the request's approval events
 * *before* creating the hold (so no outcome can slip past), and also polls GetHold as a backstop for
 * a missed message. If the hold is still pending after its expiry (plus a grace period for the
 * approvals sweeper), the request is treated as expired: a hold nobody answers is always a denial.
 */
export class ApprovalGate implements ApprovalsPort {
  private readonly client: approvalsV1.ApprovalsServiceClient;

  constructor(
    address: string,
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
    private readonly logger: Logger,
    private readonly options = { pollMs: 3000, graceMs: 3000, deadlineMs: 5000 },
  ) {
    this.client = new approvalsV1.ApprovalsServiceClient(address, grpc.credentials.createInsecure(), FAST_RECONNECT);
  }

  async hold(context: RequestContext, decision: Decision, signal: AbortSignal): Promise<HoldResult> {
    const sub = this.nc.subscribe(this.names.approvalEventsFor(context.requestId));
    try {
      let hold: approvalsV1.Hold | undefined;
      try {
        hold = (await this.call<approvalsV1.CreateHoldResponse>((cb) => this.client.createHold({ context, decision }, this.meta(), this.deadline(), cb))).hold;
      } catch (err) {
        return { status: 'unavailable', message: `approvals service unavailable: ${(err as grpc.ServiceError).details ?? (err as Error).message}` };
      }
      if (!hold) return { status: 'unavailable', message: 'approvals service returned no hold' };
      this.logger.info({ requestId: context.requestId, holdId: hold.id, connection: context.connection }, 'request held for approval');
      return await this.waitForOutcome(hold, sub, signal);
    } finally {
      sub.unsubscribe();
    }
  }

  private async waitForOutcome(hold: approvalsV1.Hold, sub: Subscription, signal: AbortSignal): Promise<HoldResult> {
    const settled = fromHold(hold);
    if (settled) return settled;
    const expiresAt = hold.expiresAt?.getTime() ?? Date.now();

    return new Promise<HoldResult>((resolve) => {
      let done = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (result: HoldResult) => {
        if (done) return;
        done = true;
        timers.forEach(clearTimeout);
        clearInterval(poller);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = () => finish({ status: 'cancelled', holdId: hold.id });
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();

      // Events: the fast path.
      void (async () => {
        for await (const msg of sub) {
          try {
            const result = fromEvent(eventsV1.Event.decode(msg.data), hold.id);
            if (result) return finish(result);
          } catch {
            this.logger.warn({ holdId: hold.id }, 'undecodable approval event ignored');
          }
        }
      })();

      // Polling: the backstop.
      const check = async (final: boolean) => {
        try {
          const current = (await this.call<approvalsV1.GetHoldResponse>((cb) => this.client.getHold({ id: hold.id }, this.meta(), this.deadline(), cb))).hold;
          const result = current && fromHold(current);
          if (result) return finish(result);
        } catch (err) {
          this.logger.warn({ holdId: hold.id, err: (err as Error).message }, 'approvals poll failed');
        }
        if (final) finish({ status: 'expired', holdId: hold.id });
      };
      const poller = setInterval(() => void check(false), this.options.pollMs);
      timers.push(setTimeout(() => void check(true), Math.max(0, expiresAt - Date.now()) + this.options.graceMs));
    });
  }

  close(): void {
    this.client.close();
  }

  private meta(): grpc.Metadata {
    return new grpc.Metadata();
  }

  private deadline(): Partial<grpc.CallOptions> {
    return { deadline: Date.now() + this.options.deadlineMs };
  }

  private call<T>(invoke: (cb: (err: grpc.ServiceError | null, res: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res))));
  }
}

function fromHold(hold: approvalsV1.Hold): HoldResult | undefined {
  switch (hold.status) {
    case approvalsV1.HoldStatus.HOLD_STATUS_APPROVED:
      return { status: 'approved', holdId: hold.id, approver: hold.resolvedBy };
    case approvalsV1.HoldStatus.HOLD_STATUS_DENIED:
      return { status: 'denied', holdId: hold.id, approver: hold.resolvedBy, reason: hold.resolutionReason };
    case approvalsV1.HoldStatus.HOLD_STATUS_EXPIRED:
      return { status: 'expired', holdId: hold.id };
    default:
      return undefined;
  }
}

function fromEvent(event: eventsV1.Event, holdId: string): HoldResult | undefined {
  const body = event.body;
  switch (body?.$case) {
    case 'approvalGranted':
      return body.value.holdId === holdId ? { status: 'approved', holdId, approver: body.value.approver } : undefined;
    case 'approvalDenied':
      return body.value.holdId === holdId ? { status: 'denied', holdId, approver: body.value.approver, reason: body.value.reason } : undefined;
    case 'approvalExpired':
      return body.value.holdId === holdId ? { status: 'expired', holdId } : undefined;
    default:
      return undefined;
  }
}
