/** What policy decided for one request, in the gateway's terms (the wire form lives in adapters). */
export type Effect = 'allow' | 'deny' | 'require_approval';

export interface ApprovalRequirement {
  readonly approverGroups: readonly string[];
  readonly timeoutMs: number;
  /** Distinct approvers policy asks for (at least 1). Approvals counts them; the gateway checks a release has them. */
  readonly minApprovals: number;
  /** How long a release also lets the same principal repeat the same request, when policy grants that. */
  readonly grantMs?: number;
}

export interface Decision {
  readonly effect: Effect;
  /** Stable ids: "rule:<id>" of each rule that produced the effect, or "default-deny". */
  readonly reasons: readonly string[];
  /** One human-readable sentence from policy saying why; "" when it gave none. */
  readonly message: string;
  /** Every masking profile the response is masked with (combined); empty means none. */
  readonly maskingProfiles: readonly string[];
  readonly approval?: ApprovalRequirement;
  /** Digest of the rule set that decided. */
  readonly policyVersion: string;
  /** The policy instance that decided. */
  readonly decidedBy: string;
  /** Policy says the decision depends only on principal, connection, target and policy version. */
  readonly cacheable: boolean;
}
