import type { Target } from '@portcullis/request-model';

/** What a rule can ask for. Deny beats require_approval beats allow; nothing matching is a denial. */
export const EFFECTS = ['allow', 'deny', 'require_approval'] as const;
export type Effect = (typeof EFFECTS)[number];

/** One policy text and where it came from ("portcullis.yaml", "policies/sql.yaml", an API put). */
export interface PolicySource {
  readonly name: string;
  readonly text: string;
  /**
   * "document": a policy document (`rules:` at the top). "config": a portcullis.yaml, whose
   * `policies:` section holds the rules (every other section is the config loader's business).
   */
  readonly format: 'document' | 'config';
}

/** One thing wrong with a policy text, where it is. Lines and columns count from 1. */
export interface Problem {
  readonly source: string;
  readonly line: number;
  readonly column: number;
  /** The YAML path, e.g. "rules.3.sql.statements". */
  readonly path: string;
  readonly message: string;
}

/** What compiling is checked against: the connections and masking profiles that exist. */
export interface PolicyContext {
  /**
   * Known connections, their tags and (HTTP) the headers the gateway sends policy; undefined means
   * "do not check connection names or headers".
   */
  readonly connections?: ReadonlyMap<string, { readonly tags: readonly string[]; readonly decisionHeaders?: readonly string[] }>;
  /** Known masking profiles; undefined means "do not check profile names". */
  readonly maskingProfiles?: ReadonlySet<string>;
}

/** The verified caller, as rules see it. */
export interface PrincipalFacts {
  readonly subject: string;
  readonly clientId: string;
  readonly issuer: string;
  /** "machine" or "human" as identity classified it. */
  readonly kind: string;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  /** The token's claims (never the token): for `principal.claims` predicates and CEL. */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Everything a decision is made from. */
export interface RequestFacts {
  readonly connection: string;
  readonly principal: PrincipalFacts;
  readonly target: Target;
  /** When the request is decided: for CEL rules about time. */
  readonly now: Date;
}

/**
 * Why a decision came out as it did, as stable ids: "rule:<id>" for each rule that produced the
 * effect, "default-deny" when none applied, "sql-error" when the statement could not be parsed,
 * "cel-error:<id>" when a rule's `when` expression failed, "conflicting-approvers" when approval
 * rules share no approver group, "invalid-arguments" when MCP arguments are not JSON.
 */
export type Reason = `rule:${string}` | `cel-error:${string}` | 'default-deny' | 'sql-error' | 'conflicting-approvers' | 'invalid-arguments';

export interface ApprovalRequirement {
  readonly approverGroups: readonly string[];
  /** Distinct approvers needed before the request is released. */
  readonly minApprovals: number;
  readonly timeoutMs: number;
  /** When set, an approval also lets the same principal repeat the same request for this long. */
  readonly grantMs?: number;
}

export interface Decision {
  readonly effect: Effect;
  readonly reasons: readonly Reason[];
  /** One human-readable sentence: for the caller's error, the audit log and the approval prompt. */
  readonly message: string;
  /** Every masking profile a matching rule names. */
  readonly maskingProfiles: readonly string[];
  readonly approval?: ApprovalRequirement;
  /** True when the same facts (time aside) always give this decision under this policy. */
  readonly cacheable: boolean;
}

/** For one rule: did it match, and why (or the first condition that did not hold). */
export interface RuleExplanation {
  readonly id: string;
  readonly source: string;
  readonly effect: Effect;
  readonly matched: boolean;
  readonly because: string;
  /** For SQL: which statement of the batch (from 0) this line is about. */
  readonly statement?: number;
}

/** What the analyser saw in one SQL statement, for explanations. */
export interface StatementSummary {
  readonly text: string;
  readonly kinds: readonly string[];
  readonly tablesRead: readonly string[];
  readonly tablesWritten: readonly string[];
  readonly functions: readonly string[];
  readonly unboundedWrite: boolean;
  readonly decision: Decision;
}

export interface Explanation {
  readonly decision: Decision;
  /** Every rule considered for this connection and protocol (per statement for SQL). */
  readonly rules: readonly RuleExplanation[];
  readonly statements?: readonly StatementSummary[];
}

/** A compiled, immutable policy: every document of a version, validated together. */
export interface CompiledPolicy {
  /** sha256 of the sources (names and texts), hex. */
  readonly digest: string;
  readonly ruleCount: number;
  decide(facts: RequestFacts): Decision;
  explain(facts: RequestFacts): Explanation;
  /**
   * Which of a list's names the principal may call (`callable`) or request approval for
   * (`approval`) on a connection, arguments unknown: a rule conditioned on arguments may match,
   * and only a deny that holds whatever the arguments hides a name. Names not in the map are
   * hidden (default deny).
   */
  visibility(query: VisibilityQuery): ReadonlyMap<string, Visibility>;
}

export type ListKind = 'tools' | 'prompts' | 'resources';
export type Visibility = 'callable' | 'approval';

export interface VisibilityQuery {
  readonly connection: string;
  readonly principal: PrincipalFacts;
  readonly kind: ListKind;
  readonly names: readonly string[];
  readonly now: Date;
}

/** The MCP method that uses an entry of each kind of list. */
export const LIST_METHODS: Readonly<Record<ListKind, string>> = { tools: 'tools/call', prompts: 'prompts/get', resources: 'resources/read' };

export type CompileResult = { readonly ok: true; readonly policy: CompiledPolicy } | { readonly ok: false; readonly problems: readonly Problem[] };
