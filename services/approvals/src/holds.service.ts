import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from '@portcullis/service-kit';
import { checkNewHold, checkResolution, fail, isApprover, isHoldId, ok, sameRequest, type Actor, type Hold, type NewHold, type Resolution, type Result } from './domain/index.js';
import type { ApprovalsDB } from './db/approvals.table.js';
import { expireDueHolds, findHoldById, findHoldByRequestId, insertHoldIfAbsent, listHoldsForGroups, resolveHold } from './db/holds.repository.js';
import { appendToOutbox } from './db/outbox.repository.js';
import { outboxEventFor } from './events.mappers.js';

const LIST_LIMIT = 500;
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
 * Use cases of the approvals service. Each state change and the event describing it commit in one
 * transaction (the outbox), so an event is never lost and never announces a change that rolled back.
 */
export class HoldService {
  constructor(private readonly options: HoldServiceOptions) {}

  /** Holds the request, or returns the hold that already exists for its request id. */
  async create(draft: NewHold): Promise<Result<Hold>> {
    const checked = checkNewHold(draft);
    if (!checked.ok) return checked;
    const { db, source } = this.options;
    const outcome = await db.transaction().execute(async (trx) => {
      const inserted = await insertHoldIfAbsent(trx, randomUUID(), checked.value);
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
      this.log(hold, 'hold created');
      this.options.onEventsCommitted();
    }
    return ok(hold);
  }

  async get(id: string): Promise<Result<Hold>> {
    if (!isHoldId(id)) return fail('INVALID_ID', 'hold id must be a UUID');
    const found = await findHoldById(this.options.db, id);
    return found ? ok(found.hold) : fail('HOLD_NOT_FOUND', `no hold ${id}`);
  }

  /** What `actor` may act on: holds of its approver groups. */
  async listFor(actor: Actor, includeResolved: boolean): Promise<Hold[]> {
    const holds = await listHoldsForGroups(this.options.db, actor.groups, includeResolved, LIST_LIMIT);
    return holds.filter((hold) => isApprover(hold, actor));
  }

  /** Approves or denies a pending hold; of racing approvers exactly one succeeds. */
  async resolve(id: string, actor: Actor, resolution: Resolution): Promise<Result<Hold>> {
    if (!isHoldId(id)) return fail('INVALID_ID', 'hold id must be a UUID');
    const { db, source } = this.options;
    const outcome = await db.transaction().execute(async (trx): Promise<Result<Hold>> => {
      const found = await findHoldById(trx, id);
      if (!found) return fail('HOLD_NOT_FOUND', `no hold ${id}`);
      const refusal = checkResolution(found.hold, actor, resolution, found.now);
      if (refusal) return { ok: false, failure: refusal };
      const resolved = await resolveHold(trx, id, {
        status: resolution.kind === 'approve' ? 'approved' : 'denied',
        resolvedBy: actor.subject,
        ...(resolution.kind === 'deny' ? { reason: resolution.reason } : {}),
        requireUnexpired: resolution.kind === 'approve',
      });
      if (!resolved) {
        // Lost a race (another approver, another instance, the sweeper) or expired meanwhile: say which.
        const now = await findHoldById(trx, id);
        const why = now && checkResolution(now.hold, actor, resolution, now.now);
        return { ok: false, failure: why ?? { code: 'ALREADY_RESOLVED', message: 'hold was resolved concurrently' } };
      }
      await appendToOutbox(trx, [outboxEventFor(resolved, source)]);
      return ok(resolved);
    });
    if (outcome.ok) {
      this.log(outcome.value, `hold ${outcome.value.status}`);
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
        ...(hold.status === 'pending' ? { approverGroups: hold.approverGroups, expiresAt: hold.expiresAt.toISOString() } : {}),
        status: hold.status,
      },
      message,
    );
  }
}
