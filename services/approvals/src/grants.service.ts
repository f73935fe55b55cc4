import { checkRevocation, fail, isApprover, isGrantId, ok, type Actor, type Grant, type Result } from './domain/index.js';
import { listGrantsForGroups, lockGrantById, revokeGrant } from './db/grants.repository.js';
import { appendToOutbox } from './db/outbox.repository.js';
import { grantRevokedEvent, outboxRow } from './events.mappers.js';
import type { HoldServiceOptions } from './holds.service.js';

const LIST_LIMIT = 500;

/**
 * Use cases of grants for approvers: list the grants their groups issued, and revoke one before it
 * expires. Grants are issued and used by HoldService, in the transactions that release holds.
 */
export class GrantService {
  constructor(private readonly options: HoldServiceOptions) {}

  async listFor(actor: Actor, includeInactive: boolean): Promise<Grant[]> {
    const grants = await listGrantsForGroups(this.options.db, actor.groups, includeInactive, LIST_LIMIT);
    return grants.filter((grant) => isApprover(grant, actor));
  }

  /** Ends a live grant; the request it covered needs a new approval from then on. */
  async revoke(id: string, actor: Actor, reason: string): Promise<Result<Grant>> {
    if (!isGrantId(id)) return fail('INVALID_ID', 'grant id must be a UUID');
    const { db, source } = this.options;
    const outcome = await db.transaction().execute(async (trx): Promise<Result<Grant>> => {
      const found = await lockGrantById(trx, id);
      if (!found) return fail('GRANT_NOT_FOUND', `no grant ${id}`);
      const refusal = checkRevocation(found.grant, actor, reason, found.now);
      if (refusal) return { ok: false, failure: refusal };
      // Locked and live at now(): the conditional UPDATE cannot miss; if it did, roll back.
      if (!(await revokeGrant(trx, id, actor.subject, reason))) throw new Error(`grant ${id} was locked live but could not be revoked`);
      const revoked = await lockGrantById(trx, id);
      if (!revoked) throw new Error(`grant ${id} vanished while locked`);
      await appendToOutbox(trx, [outboxRow(grantRevokedEvent(revoked.grant, source), revoked.grant.holdId)]);
      return ok(revoked.grant);
    });
    if (outcome.ok) {
      const grant = outcome.value;
      this.options.logger.info({ requestId: grant.requestId, grantId: grant.id, holdId: grant.holdId, connection: grant.connection, requester: grant.requester.subject, revokedBy: actor.subject }, 'grant revoked');
      this.options.onEventsCommitted();
    }
    return outcome;
  }
}
