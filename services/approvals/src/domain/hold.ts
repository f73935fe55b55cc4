import type { Target } from '@portcullis/request-model';

/** Where a hold is in its life: it starts pending and is resolved exactly once. */
export type HoldStatus = 'pending' | 'approved' | 'denied' | 'expired';

/** The verified caller whose request is held. Never carries the token it was derived from. */
export interface Requester {
  /** Issuer of the requester's token: a subject is only unique within its issuer. */
  readonly issuer: string;
  readonly subject: string;
  readonly clientId: string;
  readonly groups: readonly string[];
}

/** A request held for a human decision, as the rules see it. */
export interface Hold {
  readonly id: string;
  readonly requestId: string;
  readonly connection: string;
  readonly requester: Requester;
  /** Exactly the request that approving releases: an HTTP call, an MCP call or a SQL statement. */
  readonly target: Target;
  /** Session of the held request; '' for holds created before sessions were recorded. */
  readonly sessionId: string;
  /** Reasons of the policy decision that asked for approval (e.g. "rule:agents-write"). */
  readonly reasons: readonly string[];
  /** Policy's sentence about why approval is needed, for the approver; '' when it gave none. */
  readonly message: string;
  readonly approverGroups: readonly string[];
  readonly status: HoldStatus;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly resolvedAt?: Date;
  /** Subject of the approver who approved or denied; absent for pending and expired holds. */
  readonly resolvedBy?: string;
  readonly resolutionReason?: string;
}

/** What the gateway asks to hold, before it has an id, a status or timestamps. */
export interface NewHold {
  readonly requestId: string;
  readonly connection: string;
  readonly requester: Requester;
  readonly target: Target;
  readonly sessionId: string;
  readonly reasons: readonly string[];
  readonly message: string;
  readonly approverGroups: readonly string[];
  readonly timeoutMs: number;
}

/** An authenticated caller of ListHolds / Approve / Deny. */
export interface Actor {
  readonly issuer: string;
  readonly subject: string;
  readonly groups: readonly string[];
}

/** An approver's answer to a hold. */
export type Resolution = { readonly kind: 'approve' } | { readonly kind: 'deny'; readonly reason: string };
