import { sameTarget, type Target } from '@portcullis/request-model';
import type { RequestContext } from './context.js';
import type { Decision } from './decision.js';

/** A hold as the approvals service reports it, in the gateway's terms. */
export interface HeldRequest {
  readonly id: string;
  readonly requestId: string;
  readonly sessionId: string;
  readonly connection: string;
  readonly requester: { readonly issuer: string; readonly subject: string };
  readonly target: Target | undefined;
  readonly approverGroups: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Slack for clock differences between the gateway and the approvals database (ms). */
const WINDOW_SLACK_MS = 1000;

/**
 * Whether a stored hold is about exactly the request the gateway is holding, under exactly the
 * approval requirement policy decided: same request, session, connection, requester and target
 * (compared per kind: method and path; tool and canonical arguments; statement and parameters —
 * a hold without a target, or of another kind, describes nothing), the same approver groups, and no
 * longer a window than the decision's timeout. Only such a hold may release the request.
 */
export function holdDescribes(hold: HeldRequest, context: RequestContext, decision: Decision): boolean {
  const groups = new Set(decision.approval?.approverGroups ?? []);
  const timeoutMs = decision.approval?.timeoutMs ?? 0;
  return (
    hold.requestId === context.requestId &&
    hold.sessionId === context.sessionId &&
    hold.connection === context.connection &&
    hold.requester.subject === context.principal.subject &&
    hold.requester.issuer === context.principal.issuer &&
    sameTarget(hold.target, context.target) &&
    sameGroups(hold.approverGroups, groups) &&
    hold.expiresAt - hold.createdAt <= timeoutMs + WINDOW_SLACK_MS
  );
}

/** The same set of groups, duplicates aside. */
function sameGroups(held: readonly string[], decided: ReadonlySet<string>): boolean {
  const set = new Set(held);
  return set.size === decided.size && [...set].every((group) => decided.has(group));
}
