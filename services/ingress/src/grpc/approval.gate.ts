import * as grpc from '@grpc/grpc-js';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { BusNames } from '@portcullis/bus';
import { approvalsV1, type Duration } from '@portcullis/proto-gen';
import { targetFromProto } from '@portcullis/request-model';
import { callUnary, FAST_RECONNECT, tlsChannelOptions, grpcReason, type Logger } from '@portcullis/service-kit';
import type { RequestContext } from '../domain/context.js';
import type { Decision } from '../domain/decision.js';
import { holdDescribes, releaseSuffices, type HeldGrant, type HeldRequest, type Identity } from '../domain/hold-check.js';
import type { ApprovalsPort, HeldNotice, HoldResult } from '../domain/ports.js';
import { contextToProto, decisionToProto } from '../bus/decision.mappers.js';

/**
 * Holds a request through the approvals service.
 *
 * The approvals database is the only source of truth. A message on the bus is only a wake-up: it
 * makes the gate ask GetHold at once, and the request proceeds only if the stored hold says
 * APPROVED, describes this very request under this very requirement (`holdDescribes`: request,
 * session, connection, requester and target, compared per protocol kind; approver groups, window,
 * quorum and grant) and was released as the decision requires (`releaseSuffices`: enough distinct
 * approvers, or a grant for this requester and target when policy grants). A forged "granted"
 * event on NATS therefore releases nothing. A hold CreateHold returns already approved (a live
 * grant covered it) is checked the same way and released without waiting. GetHold is also polled
 * as a backstop, and a hold still pending after its expiry (plus a grace period for the approvals
 * sweeper) counts as expired: a hold nobody answers is always a denial.
 */
export class ApprovalGate implements ApprovalsPort {
  private readonly client: approvalsV1.ApprovalsServiceClient;

  constructor(
    address: string,
    credentials: grpc.ChannelCredentials,
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
    private readonly logger: Logger,
    private readonly options = { pollMs: 3000, graceMs: 3000, deadlineMs: 5000 },
  ) {
    this.client = new approvalsV1.ApprovalsServiceClient(address, credentials, { ...FAST_RECONNECT, ...tlsChannelOptions('approvals') });
  }

  async hold(context: RequestContext, decision: Decision, signal: AbortSignal, onHeld?: (held: HeldNotice) => void): Promise<HoldResult> {
    if (signal.aborted) return { status: 'cancelled' };
    // Subscribe before the hold exists, so no wake-up can slip past.
    const sub = this.nc.subscribe(this.names.approvalEventsFor(context.requestId));
    try {
      let hold: approvalsV1.Hold | undefined;
      try {
        const request = { context: contextToProto(context), decision: decisionToProto(decision) };
        hold = (await callUnary<approvalsV1.CreateHoldResponse>((cb) => this.client.createHold(request, new grpc.Metadata(), this.deadline(), cb))).hold;
      } catch (err) {
        const detail = (err as grpc.ServiceError).details ?? (err as Error).message;
        // Another request is held under this id: never wait on it (fail closed, say why in the log).
        if (grpcReason(err) === 'HOLD_CONFLICT') return { status: 'unavailable', message: 'the approvals service holds a different request under this id', detail };
        return { status: 'unavailable', message: 'the approvals service is unavailable', detail };
      }
      if (!hold || !holdDescribes(heldRequest(hold), context, decision)) {
        this.logger.error({ requestId: context.requestId, holdId: hold?.id }, 'approvals returned a hold that does not describe this request');
        return { status: 'unavailable', message: 'the approvals service returned an inconsistent hold' };
      }
      if (hold.grantedByGrant) {
        const grant = hold.grantedByGrant;
        // What approvals says; outcomeOf still checks the grant before anything is released.
        this.logger.info({ requestId: context.requestId, holdId: hold.id, connection: context.connection, grantId: grant.id, grantExpiresAt: grant.expiresAt?.toISOString() }, 'approvals says a grant covers the request');
      } else {
        this.logger.info({ requestId: context.requestId, holdId: hold.id, connection: context.connection, minApprovals: hold.minApprovals }, 'request held for approval');
        if (hold.status === approvalsV1.HoldStatus.HOLD_STATUS_PENDING) onHeld?.({ holdId: hold.id, expiresAt: hold.expiresAt ?? new Date() });
      }
      return await this.waitForOutcome(hold, context, decision, sub, signal);
    } finally {
      sub.unsubscribe();
    }
  }

  private waitForOutcome(hold: approvalsV1.Hold, context: RequestContext, decision: Decision, sub: Subscription, signal: AbortSignal): Promise<HoldResult> {
    const settled = this.outcomeOf(hold, context, decision);
    if (settled) return Promise.resolve(settled);
    const expiresAt = hold.expiresAt?.getTime() ?? Date.now();

    return new Promise<HoldResult>((resolve) => {
      let done = false;
      let checking = false;
      let poller: NodeJS.Timeout | undefined;
      let expiry: NodeJS.Timeout | undefined;
      const finish = (result: HoldResult) => {
        if (done) return;
        done = true;
        clearInterval(poller);
        clearTimeout(expiry);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      // Nobody waits for the request any more: withdraw the hold, so approvers are not asked about
      // it, before answering (a caller's next hold then never finds this one still pending).
      let withdrawing = false;
      const onAbort = () => {
        if (done || withdrawing) return;
        withdrawing = true;
        clearInterval(poller);
        clearTimeout(expiry);
        void this.withdraw(hold.id, context, signal.reason).finally(() => finish({ status: 'cancelled', holdId: hold.id }));
      };

      // Reads the stored hold; `final` treats a hold still pending as expired.
      const check = async (final: boolean) => {
        if (done || withdrawing || (checking && !final)) return;
        checking = true;
        try {
          const current = (await callUnary<approvalsV1.GetHoldResponse>((cb) => this.client.getHold({ id: hold.id }, new grpc.Metadata(), this.deadline(), cb))).hold;
          if (withdrawing) return; // the caller left meanwhile: the withdrawal answers
          if (current && !holdDescribes(heldRequest(current), context, decision)) {
            this.logger.error({ requestId: context.requestId, holdId: hold.id }, 'stored hold no longer describes this request; refusing');
            return finish({ status: 'unavailable', message: 'the approvals service returned an inconsistent hold' });
          }
          const result = current && this.outcomeOf(current, context, decision);
          if (result) return finish(result);
        } catch (err) {
          this.logger.warn({ holdId: hold.id, err: (err as grpc.ServiceError).details ?? (err as Error).message }, 'approvals poll failed');
        } finally {
          checking = false;
        }
        if (final && !withdrawing) finish({ status: 'expired', holdId: hold.id });
      };

      poller = setInterval(() => void check(false), this.options.pollMs);
      expiry = setTimeout(() => void check(true), Math.max(0, expiresAt - Date.now()) + this.options.graceMs);
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) return onAbort();

      // Wake-ups from the bus: whatever arrives, ask the database.
      void (async () => {
        for await (const _msg of sub) void check(false);
      })().catch((err: unknown) => {
        this.logger.warn({ holdId: hold.id, err: (err as Error).message }, 'approval wake-up subscription failed; polling only');
      });
    });
  }

  /**
   * Cancels a pending hold whose caller is gone (CancelHold, with the gateway's refusal as the
   * reason). A hold approved in that instant is reported as not forwarded instead, so its approvers
   * learn their approval did not take effect. Best effort: logged, never thrown (an unreachable
   * approvals service leaves the hold to expire, which releases nothing either).
   */
  private async withdraw(holdId: string, context: RequestContext, reason: unknown): Promise<void> {
    const why = isRefusalLike(reason) ? reason : { code: 'CALLER_GONE', message: 'the caller went away while the request was held' };
    try {
      await callUnary<approvalsV1.CancelHoldResponse>((cb) => this.client.cancelHold({ id: holdId, reason: `${why.code}: ${why.message}`.slice(0, 500) }, new grpc.Metadata(), this.deadline(), cb));
      this.logger.info({ requestId: context.requestId, holdId, connection: context.connection, code: why.code }, 'hold cancelled: nobody waits for the request');
    } catch (err) {
      if (grpcReason(err) === 'ALREADY_RESOLVED') {
        const current = await callUnary<approvalsV1.GetHoldResponse>((cb) => this.client.getHold({ id: holdId }, new grpc.Metadata(), this.deadline(), cb)).catch(() => undefined);
        if (current?.hold?.status === approvalsV1.HoldStatus.HOLD_STATUS_APPROVED) await this.reportRelease(holdId, { forwarded: false, code: why.code, message: why.message });
        return;
      }
      this.logger.warn({ requestId: context.requestId, holdId, reason: grpcReason(err), detail: (err as grpc.ServiceError).details ?? (err as Error).message }, 'could not cancel the hold of a request nobody waits for; it stays pending until it expires');
    }
  }

  /** Tells approvals what became of a released hold (so its approvers learn of a refusal); logged, never thrown. */
  async reportRelease(holdId: string, release: { readonly forwarded: true } | { readonly forwarded: false; readonly code: string; readonly message: string }): Promise<void> {
    const request: approvalsV1.ReportReleaseRequest = release.forwarded ? { holdId, forwarded: true, code: '', message: '' } : { holdId, forwarded: false, code: release.code, message: release.message };
    try {
      await callUnary<approvalsV1.ReportReleaseResponse>((cb) => this.client.reportRelease(request, new grpc.Metadata(), this.deadline(), cb));
    } catch (err) {
      this.logger.warn({ holdId, forwarded: release.forwarded, reason: grpcReason(err), detail: (err as Error).message }, 'could not report what became of a released hold');
    }
  }

  close(): void {
    this.client.close();
  }

  /** The stored hold's outcome, if it has one; an approval that does not suffice is refused. */
  private outcomeOf(hold: approvalsV1.Hold, context: RequestContext, decision: Decision): HoldResult | undefined {
    const outcome = outcomeOf(hold);
    if (outcome?.status !== 'approved' || releaseSuffices(heldRequest(hold), context, decision, Date.now())) return outcome;
    this.logger.error({ requestId: context.requestId, holdId: hold.id, minApprovals: decision.approval?.minApprovals, approvals: hold.approvals.length, grantId: hold.grantedByGrant?.id }, 'approvals released a hold without the approvals its decision requires; refusing');
    return { status: 'unavailable', message: 'the approvals service released a hold without the approvals its decision requires' };
  }

  private deadline(): Partial<grpc.CallOptions> {
    return { deadline: Date.now() + this.options.deadlineMs };
  }
}

/** Wire -> the domain's view of a hold. */
function heldRequest(hold: approvalsV1.Hold): HeldRequest {
  return {
    id: hold.id,
    requestId: hold.requestId,
    sessionId: hold.sessionId,
    connection: hold.connection,
    requester: { issuer: hold.requester?.issuer ?? '', subject: hold.requester?.subject ?? '' },
    target: targetFromProto(hold.target),
    approverGroups: hold.approverGroups,
    minApprovals: hold.minApprovals,
    ...(hold.grant ? { grantMs: durationMs(hold.grant) } : {}),
    createdAt: hold.createdAt?.getTime() ?? 0,
    expiresAt: hold.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY,
    approvals: hold.approvals.map(identity),
    resolvedBy: hold.resolvedBy,
    ...(hold.grantedByGrant ? { grantedBy: heldGrant(hold.grantedByGrant) } : {}),
  };
}

function heldGrant(grant: approvalsV1.Grant): HeldGrant {
  return {
    id: grant.id,
    connection: grant.connection,
    requester: { issuer: grant.requesterIssuer, subject: grant.requesterSubject },
    targetDigest: grant.targetDigest,
    approvals: grant.approvals.map(identity),
    // A grant without an expiry is expired: it releases nothing.
    expiresAt: grant.expiresAt?.getTime() ?? Number.NEGATIVE_INFINITY,
  };
}

function identity(approval: approvalsV1.Approval): Identity {
  return { issuer: approval.issuer, subject: approval.subject };
}

function durationMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + Math.floor(duration.nanos / 1e6);
}

function isRefusalLike(value: unknown): value is { readonly code: string; readonly message: string } {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string' && typeof (value as { message?: unknown }).message === 'string';
}

function outcomeOf(hold: approvalsV1.Hold): HoldResult | undefined {
  switch (hold.status) {
    case approvalsV1.HoldStatus.HOLD_STATUS_APPROVED:
      return { status: 'approved', holdId: hold.id, approver: hold.resolvedBy, ...(hold.grantedByGrant ? { grantId: hold.grantedByGrant.id } : {}) };
    case approvalsV1.HoldStatus.HOLD_STATUS_DENIED:
      return { status: 'denied', holdId: hold.id, approver: hold.resolvedBy, reason: hold.resolutionReason };
    case approvalsV1.HoldStatus.HOLD_STATUS_EXPIRED:
      return { status: 'expired', holdId: hold.id };
    case approvalsV1.HoldStatus.HOLD_STATUS_CANCELLED:
      return { status: 'cancelled', holdId: hold.id };
    default:
      return undefined;
  }
}
