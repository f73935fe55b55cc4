import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { targetDigest } from '@portcullis/request-model';
import type { Logger } from '@portcullis/service-kit';
import {
  checkCancelReason,
  checkNewHold,
  checkResolution,
  distinctApprovers,
  fail,
  grantable,
  grantCovers,
  isApprover,
  isHoldId,
  ok,
  pageTokenFor,
  quorumReached,
  sameRequest,
  type Actor,
  type Grant,
  type Hold,
  type HoldListQuery,
  type HoldPage,
  type NewHold,
  type Resolution,
  type Result,
} from './domain/index.js';
import type { ApprovalsDB } from './db/approvals.table.js';
import { insertGrant, liveGrantsFor, lockGrantById, revokeGrant } from './db/grants.repository.js';
import { insertApproval } from './db/hold-approvals.repository.js';
import { cancelHold, expireDueHolds, findHoldById, findHoldByRequestId, insertHoldIfAbsent, listHoldsPage, lockHoldById, recordRelease, resolveHold, type Executor } from './db/holds.repository.js';
import { appendToOutbox } from './db/outbox.repository.js';
import { approvalRecordedEvent, grantRevokedEvent, outboxEventFor, outboxRow, releaseRefusedEvent } from './events.mappers.js';

const SWEEP_BATCH = 200;

export interface HoldServiceOptions {
  readonly db: Kysely<ApprovalsDB>;
  /** `approvals:<instanceId>`: the source of every event this instance writes. */
  readonly source: string;
  readonly logger: Logger;
  /** Called after a transaction that wrote outbox rows committed (kicks the relay). */
  readonly onEventsCommitted: () => void;
}

/**
 * Use cases of holds. Each state change and the event describing it commit in one transaction (the
 * outbox), so an event is never lost and never announces a change that rolled back.
 */
export class HoldService {
  constructor(private readonly options: HoldServiceOptions) {}

  /**
   * Holds the request, or returns the hold that already exists for its request id. When policy
   * grants and a live grant covers the request (same requester, connection, target and
   * requirement), the hold is created already approved by that grant: nobody is asked.
   */
  async create(draft: NewHold): Promise<Result<Hold>> {
    const checked = checkNewHold(draft);
    if (!checked.ok) return checked;
    const { db, source } = this.options;
    const outcome = await db.transaction().execute(async (trx) => {
      const grant = await this.coveringGrant(trx, checked.value);
      const inserted = await insertHoldIfAbsent(trx, randomUUID(), checked.value, grant);
      if (inserted) {
        await appendToOutbox(trx, [outboxEventFor(inserted, source)]);
        return { hold: inserted, created: true };
      }
      const existing = await findHoldByRequestId(trx, checked.value.requestId);
      if (!existing) throw new Error(`hold for request ${checked.value.requestId} neither inserted nor found`);
      return { hold: existing, created: false };
    });
    const { hold, created } = outcome;
    if (!created && !sameRequest(hold, checked.value)) {
      this.options.logger.warn({ requestId: hold.requestId, holdId: hold.id }, 'CreateHold for a known request id with different content refused');
      return fail('HOLD_CONFLICT', `request ${hold.requestId} is already held with different content`);
    }
    if (created) {
      this.log(hold, hold.grantedBy ? 'hold released by a grant' : 'hold created');
      this.options.onEventsCommitted();
    }
    return ok(hold);
  }

  /**
   * The gateway's word on a released hold: forwarded, or refused because its caller was no longer
   * valid (then ReleaseRefused tells the approvers). Once per hold; a second report is NOT_RELEASED.
   */
  async reportRelease(id: string, release: { forwarded: boolean; code?: string; message?: string }): Promise<Result<Hold>> {
    if (!isHoldId(id)) return fail('INVALID_ID', 'hold id must be a UUID');
    if (!release.forwarded && !release.code) return fail('INVALID_HOLD', 'a refused release needs its refusal code');
    const clip = (text: string | undefined) => (text === undefined ? undefined : text.slice(0, 500));
    const { db, source } = this.options;
    const outcome = await db.transaction().execute(async (trx): Promise<Result<Hold>> => {
      const recorded = await recordRelease(trx, id, { forwarded: release.forwarded, ...(release.forwarded ? {} : { code: clip(release.code)!, ...(release.message ? { message: clip(release.message)! } : {}) }) });
      if (!recorded) {
        const found = await findHoldById(trx, id);
        return found ? fail('NOT_RELEASED', `hold ${id} is ${found.hold.status}${found.hold.release ? ', and its release was reported already' : ''}`) : fail('HOLD_NOT_FOUND', `no hold ${id}`);
      }
      if (!release.forwarded) {
        await appendToOutbox(trx, [outboxRow(releaseRefusedEvent(recorded, source), recorded.id)]);
        // The approval did not take effect: the grant it issued must not let the requester repeat the request.
        const grant = recorded.issuedGrant;
        if (grant && !grant.revokedAt && (await revokeGrant(trx, grant.id, 'portcullis', `its release was refused: ${release.code}`))) {
          const revoked = await lockGrantById(trx, grant.id);
          if (revoked) await appendToOutbox(trx, [outboxRow(grantRevokedEvent(revoked.grant, source), recorded.id)]);
          const refreshed = await findHoldById(trx, id);
          if (refreshed) return ok(refreshed.hold);
        }
      }
      return ok(recorded);
    });
    if (outcome.ok && !release.forwarded) {
      this.log(outcome.value, 'released hold not forwarded: its caller was no longer valid');
      this.options.onEventsCommitted();
    }
    return outcome;
  }

  async get(id: string): Promise<Result<Hold>> {
    if (!isHoldId(id)) return fail('INVALID_ID', 'hold id must be a UUID');
    const found = await findHoldById(this.options.db, id);
    return found ? ok(found.hold) : fail('HOLD_NOT_FOUND', `no hold ${id}`);
  }

  /** One page of what `actor` may act on (holds of its approver groups), newest first, with the total. */
  async listFor(actor: Actor, query: HoldListQuery): Promise<HoldPage> {
    const page = await listHoldsPage(this.options.db, actor.groups, query);
    // The query selects by group already; this is the same rule, said once more where it is defined.
    const holds = page.holds.filter((hold) => isApprover(hold, actor));
    const last = page.holds.at(-1);
    return { holds, nextPageToken: page.more && last ? pageTokenFor(last.id) : '', totalSize: page.total };
  }

  /**
   * The gateway withdraws a pending hold whose caller is gone: CANCELLED, with its reason, and
   * ApprovalCancelled in the same transaction. Cancelling a cancelled hold returns it (the gateway
   * may retry); a hold already approved, denied or expired is ALREADY_RESOLVED.
   */
  async cancel(id: string, reason: string): Promise<Result<Hold>> {
    if (!isHoldId(id)) return fail('INVALID_ID', 'hold id must be a UUID');
    const invalid = checkCancelReason(reason);
    if (invalid) return { ok: false, failure: invalid };
    const { db, source } = this.options;
    const outcome = await db.transaction().execute(async (trx): Promise<Result<Hold> & { cancelled?: true }> => {
      const cancelled = await cancelHold(trx, id, reason);
      if (cancelled) {
        await appendToOutbox(trx, [outboxEventFor(cancelled, source)]);
        return { ...ok(cancelled), cancelled: true };
      }
      const found = await findHoldById(trx, id);
      if (!found) return fail('HOLD_NOT_FOUND', `no hold ${id}`);
      if (found.hold.status === 'cancelled') return ok(found.hold);
      return fail('ALREADY_RESOLVED', `hold is already ${found.hold.status}`);
    });
    if (outcome.ok && outcome.cancelled) {
      this.log(outcome.value, 'hold cancelled: its caller is gone');
      this.options.onEventsCommitted();
    }
    return outcome.ok ? ok(outcome.value) : outcome;
  }

  /**
   * Records an approval or denies a pending hold. Every call locks the hold first, so approvals of
   * one hold are counted one at a time across instances: the approval that completes the quorum
   * releases it (and issues its grant, if any) exactly once; one denial denies.
   */
  async resolve(id: string, actor: Actor, resolution: Resolution): Promise<Result<Hold>> {
    if (!isHoldId(id)) return fail('INVALID_ID', 'hold id must be a UUID');
    const { db } = this.options;
    const outcome = await db.transaction().execute(async (trx): Promise<Result<Hold>> => {
      const found = await lockHoldById(trx, id);
      if (!found) return fail('HOLD_NOT_FOUND', `no hold ${id}`);
      const refusal = checkResolution(found.hold, actor, resolution, found.now);
      if (refusal) return { ok: false, failure: refusal };
      return resolution.kind === 'deny' ? this.deny(trx, found.hold, actor, resolution.reason) : this.approve(trx, found.hold, actor);
    });
    if (outcome.ok) {
      const hold = outcome.value;
      this.log(hold, hold.status === 'pending' ? `approval recorded (${distinctApprovers(hold.approvals)} of ${hold.minApprovals})` : `hold ${hold.status}`);
      this.options.onEventsCommitted();
    }
    return outcome;
  }

  /** Expires every overdue pending hold, a batch per transaction; returns how many. */
  async expireDue(): Promise<number> {
    const { db, source } = this.options;
    let total = 0;
    for (;;) {
      const expired = await db.transaction().execute(async (trx) => {
        const holds = await expireDueHolds(trx, SWEEP_BATCH);
        await appendToOutbox(trx, holds.map((hold) => outboxEventFor(hold, source)));
        return holds;
      });
      for (const hold of expired) this.log(hold, 'hold expired');
      total += expired.length;
      if (expired.length > 0) this.options.onEventsCommitted();
      if (expired.length < SWEEP_BATCH) return total;
    }
  }

  /** The live grant that covers `draft`, if policy grants at all (see grantCovers). */
  private async coveringGrant(trx: Executor, draft: NewHold): Promise<Grant | undefined> {
    if (draft.grantMs === undefined) return undefined;
    const live = await liveGrantsFor(trx, { connection: draft.connection, requester: draft.requester, targetDigest: targetDigest(draft.target) });
    return live?.grants.find((grant) => grantCovers(grant, draft, live.now));
  }

  // Both run under the hold's lock, after checkResolution accepted the call, so the conditional
  // UPDATEs below cannot lose a race; if one did, that is a broken invariant: throw, roll back.

  private async deny(trx: Executor, hold: Hold, actor: Actor, reason: string): Promise<Result<Hold>> {
    const denied = await resolveHold(trx, hold.id, { status: 'denied', resolvedBy: actor.subject, reason, requireUnexpired: false });
    if (!denied) throw new Error(`hold ${hold.id} was locked pending but could not be denied`);
    await appendToOutbox(trx, [outboxEventFor(denied, this.options.source)]);
    return ok(denied);
  }

  private async approve(trx: Executor, hold: Hold, actor: Actor): Promise<Result<Hold>> {
    const { source } = this.options;
    const approval = await insertApproval(trx, hold.id, actor);
    // checkResolution found no approval of this actor under the lock; the key agrees or we stop.
    if (!approval) throw new Error(`hold ${hold.id}: ${actor.subject} approved it concurrently despite the lock`);
    const approvals = [...hold.approvals, approval];
    if (!quorumReached(hold, approvals)) {
      const recorded: Hold = { ...hold, approvals };
      await appendToOutbox(trx, [outboxRow(approvalRecordedEvent(recorded, source), hold.id)]);
      return ok(recorded);
    }
    const released = await resolveHold(trx, hold.id, { status: 'approved', resolvedBy: actor.subject, requireUnexpired: true });
    if (!released) throw new Error(`hold ${hold.id} was locked pending and unexpired but could not be approved`);
    if (released.grantMs === undefined || !grantable(released.target)) {
      await appendToOutbox(trx, [outboxEventFor(released, source)]);
      return ok(released);
    }
    await insertGrant(trx, randomUUID(), released);
    const found = await findHoldById(trx, hold.id);
    if (!found?.hold.issuedGrant) throw new Error(`hold ${hold.id}: the grant its release issued was not found`);
    await appendToOutbox(trx, [outboxEventFor(found.hold, source)]);
    return ok(found.hold);
  }

  private log(hold: Hold, message: string): void {
    this.options.logger.info(
      {
        requestId: hold.requestId,
        holdId: hold.id,
        connection: hold.connection,
        ...(hold.sessionId ? { sessionId: hold.sessionId } : {}),
        // The kind only: a SQL statement or MCP arguments may carry data no log should hold.
        protocol: hold.target.kind,
        requester: hold.requester.subject,
        ...(hold.resolvedBy ? { approver: hold.resolvedBy } : {}),
        ...(hold.approvals.length > 0 ? { approvers: hold.approvals.map((a) => a.subject), approvals: distinctApprovers(hold.approvals), minApprovals: hold.minApprovals } : {}),
        ...(hold.status === 'pending' ? { approverGroups: hold.approverGroups, expiresAt: hold.expiresAt.toISOString() } : {}),
        ...(hold.grantedBy ? { grantId: hold.grantedBy.id, grantExpiresAt: hold.grantedBy.expiresAt.toISOString() } : {}),
        ...(hold.issuedGrant ? { issuedGrantId: hold.issuedGrant.id, grantExpiresAt: hold.issuedGrant.expiresAt.toISOString() } : {}),
        status: hold.status,
      },
      message,
    );
  }
}
