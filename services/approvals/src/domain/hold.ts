import type { Target } from '@portcullis/request-model';

/** Where a hold is in its life: it starts pending and is resolved exactly once. */
export const HOLD_STATUSES = ['pending', 'approved', 'denied', 'expired', 'cancelled'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

/** The verified caller whose request is held. Never carries the token it was derived from. */
export interface Requester {
  /** Issuer of the requester's token: a subject is only unique within its issuer. */
  readonly issuer: string;
  readonly subject: string;
  readonly clientId: string;
  readonly groups: readonly string[];
}

/** Someone who approved a hold, and when. Approvers are distinct by issuer and subject. */
export interface Approval {
  /** '' for approvals recorded before issuers were (read as matching any issuer: stricter). */
  readonly issuer: string;
  readonly subject: string;
  readonly approvedAt: Date;
}

/**
 * What a release issues when its requirement has a grant: the same requester may repeat the same
 * request (connection and target) without asking anyone until it expires or is revoked.
 */
export interface Grant {
  readonly id: string;
  /** The hold whose release issued it, and that hold's request. */
  readonly holdId: string;
  readonly requestId: string;
  readonly connection: string;
  /** Who it was issued to; the client id is the issuing hold's (one subject may act through several clients). */
  readonly requester: { readonly issuer: string; readonly subject: string; readonly clientId: string };
  /** targetDigest(target): what a new request is matched on. */
  readonly targetDigest: string;
  readonly target: Target;
  readonly approverGroups: readonly string[];
  readonly reasons: readonly string[];
  /** The approvals that released the issuing hold. */
  readonly approvals: readonly Approval[];
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt?: Date;
  readonly revokedBy?: string;
  readonly revocationReason?: string;
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
  /** Distinct approvers needed to release it (1 for holds created before quorums). */
  readonly minApprovals: number;
  /** Approvals recorded so far, oldest first. */
  readonly approvals: readonly Approval[];
  /** How long the grant its release issues lasts; absent: it issues none. */
  readonly grantMs?: number;
  readonly status: HoldStatus;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly resolvedAt?: Date;
  /**
   * Subject of the approver who released (the last of a quorum) or denied; absent for pending and
   * expired holds and for holds a grant released.
   */
  readonly resolvedBy?: string;
  /** A denial's reason, or why the gateway cancelled the hold. */
  readonly resolutionReason?: string;
  /** The live grant that released this hold as it was created: nobody was asked. */
  readonly grantedBy?: Grant;
  /** The grant this hold's release issued. */
  readonly issuedGrant?: Grant;
  /** What the gateway did once the hold was released, when it has said. */
  readonly release?: Release;
}

/** What the gateway did with a released hold's request: forwarded, or refused (its caller was no longer valid). */
export interface Release {
  readonly forwarded: boolean;
  /** When refused: the refusal code (TOKEN_EXPIRED, REVOKED, …) and the caller's message. */
  readonly code?: string;
  readonly message?: string;
  readonly reportedAt: Date;
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
  /** Distinct approvers policy asks for. */
  readonly minApprovals: number;
  /** When policy grants: how long a release lets the requester repeat the request. */
  readonly grantMs?: number;
}

/** An authenticated caller of ListHolds / Approve / Deny. */
export interface Actor {
  readonly issuer: string;
  readonly subject: string;
  readonly groups: readonly string[];
}

/** An approver's answer to a hold. */
export type Resolution = { readonly kind: 'approve' } | { readonly kind: 'deny'; readonly reason: string };
