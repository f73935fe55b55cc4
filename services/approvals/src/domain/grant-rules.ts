import { sameTarget, targetDigest } from '@portcullis/request-model';
import type { Actor, Grant, NewHold } from './hold.js';
import type { Failure } from './failure.js';
import { checkDenyReason, distinctApprovers, isApprover, isHoldId, sameIdentity, sameSet } from './hold-rules.js';

/** Grant ids are UUIDs, like hold ids; anything else is refused before it reaches the database. */
export const isGrantId: (id: string) => boolean = isHoldId;

/**
 * Whether a grant may be issued for, and used by, requests like this one. Not HTTP: an HTTP target
 * is method, path, query and decision headers — the body is not part of it — so a grant would let
 * `POST /payments {"amount":1000000}` ride on an approval of `{"amount":10}`. MCP and SQL targets
 * are the whole request (tool and arguments; statement and parameters).
 */
export function grantable(target: NewHold['target']): boolean {
  return target.kind !== 'http';
}

/** Neither revoked nor expired at `now` (expiry is exclusive: at expires_at the grant is over). */
export function isLive(grant: Grant, now: Date): boolean {
  return grant.revokedAt === undefined && now.getTime() < grant.expiresAt.getTime();
}

/**
 * Whether `grant` releases what `draft` asks to hold, at `now`, without asking anyone. Only the
 * very request (connection and target, compared by digest) of the very requester (issuer,
 * subject and client id) the grant was issued for, and only under the requirement that issued it: policy must
 * still grant (and for no shorter than the grant has run), with the same approver groups and
 * reasons, and ask for no more approvers than released it. Anything else is held as usual.
 */
export function grantCovers(grant: Grant, draft: NewHold, now: Date): boolean {
  if (draft.grantMs === undefined || !grantable(draft.target) || !isLive(grant, now)) return false;
  return (
    grant.issuedAt.getTime() + draft.grantMs > now.getTime() &&
    grant.connection === draft.connection &&
    grant.requester.issuer !== '' &&
    grant.requester.issuer === draft.requester.issuer &&
    grant.requester.subject === draft.requester.subject &&
    // The same subject acting through another client (another agent) is another requester.
    grant.requester.clientId === draft.requester.clientId &&
    grant.targetDigest === targetDigest(draft.target) &&
    sameTarget(grant.target, draft.target) &&
    sameSet(grant.approverGroups, draft.approverGroups) &&
    sameSet(grant.reasons, draft.reasons) &&
    distinctApprovers(grant.approvals) >= draft.minApprovals &&
    !grant.approvals.some((approval) => sameIdentity(approval, draft.requester))
  );
}

/** Whether `actor` may revoke `grant` at `now`, or why not; non-approvers learn nothing of its state. */
export function checkRevocation(grant: Grant, actor: Actor, reason: string, now: Date): Failure | undefined {
  const invalid = checkDenyReason(reason);
  if (invalid) return invalid;
  if (!isApprover(grant, actor)) return { code: 'NOT_AN_APPROVER', message: `${actor.subject} is not in an approver group of this grant` };
  if (grant.revokedAt !== undefined) return { code: 'GRANT_INACTIVE', message: `grant was already revoked by ${grant.revokedBy ?? 'an approver'}` };
  if (!isLive(grant, now)) return { code: 'GRANT_INACTIVE', message: 'grant has already expired' };
  return undefined;
}
