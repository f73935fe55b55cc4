import { createHash } from 'node:crypto';
import type { PolicyRuleConfig } from '@portcullis/config';
import type { Target } from '@portcullis/request-model';
import { compilePathGlob, type PathMatcher } from './path-glob.js';

export type Effect = 'allow' | 'deny' | 'require_approval';

/** Why a decision came out as it did: the rules that produced it, or why none did. */
export type Reason = `rule:${string}` | 'default-deny' | 'conflicting-approvers';

/** What a decision is made from. Built by adapters from the wire request. */
export interface RequestFacts {
  readonly connection: string;
  readonly principal: { readonly subject: string; readonly groups: readonly string[] };
  /** What the request asks the target to do, in whatever protocol it speaks. */
  readonly target: Target;
}

export interface Decision {
  readonly effect: Effect;
  /** Stable ids: "rule:<id>" for each rule that produced the effect, or "default-deny". */
  readonly reasons: readonly Reason[];
  /** Every profile named by a winning rule: the response is masked with all of them. */
  readonly maskingProfiles: readonly string[];
  readonly approval?: { readonly approverGroups: readonly string[]; readonly timeoutMs: number };
  readonly policyVersion: string;
  /**
   * The decision depends only on the principal's attributes, the connection, the target and the
   * policy version, so a gateway may reuse it for an identical request until the policy changes.
   */
  readonly cacheable: boolean;
}

type Condition = keyof PolicyRuleConfig['match'];

/**
 * Whether each kind of condition is a function of the principal's attributes, the connection and
 * the target alone (the time of day, a rate or a lookup would not be). Exhaustive on purpose: a new
 * kind of condition cannot be added to the rule language without saying whether it is.
 */
const DETERMINISTIC: Readonly<Record<Condition, boolean>> = {
  groups: true,
  subjects: true,
  connections: true,
  http: true,
};

interface HttpConditions {
  readonly methods?: ReadonlySet<string>;
  readonly paths?: readonly PathMatcher[];
}

interface CompiledRule {
  readonly config: PolicyRuleConfig;
  readonly groups?: ReadonlySet<string>;
  readonly subjects?: ReadonlySet<string>;
  readonly connections?: ReadonlySet<string>;
  readonly http?: HttpConditions;
  readonly deterministic: boolean;
}

/** Deny beats approval beats allow, whatever the rule order: a broad allow never overrides a deny. */
const PRECEDENCE: readonly Effect[] = ['deny', 'require_approval', 'allow'];

/**
 * Evaluates the configured rules for a request. Default deny: a request no rule matches is denied.
 * A rule matches when every condition it states holds; an unstated condition matches anything, so a
 * rule naming only groups, subjects or connections applies to every protocol. A rule with an `http`
 * condition (even one naming no method or path) is about HTTP: it never matches an MCP or SQL request.
 */
export class PolicyEngine {
  private readonly rules: readonly CompiledRule[];
  readonly version: string;
  /**
   * Whether this engine's decisions may be reused. A rule that did not match one request could
   * match an identical one later if any of its conditions is not deterministic, so a single such
   * rule makes every decision uncacheable, whichever rules matched.
   */
  readonly cacheable: boolean;

  constructor(rules: readonly PolicyRuleConfig[]) {
    this.rules = rules.map(compileRule);
    this.version = createHash('sha256').update(JSON.stringify(rules)).digest('hex').slice(0, 16);
    this.cacheable = this.rules.every((rule) => rule.deterministic);
  }

  decide(facts: RequestFacts): Decision {
    const base = { policyVersion: this.version, cacheable: this.cacheable };
    const matched = this.rules.filter((rule) => matches(rule, facts));
    for (const effect of PRECEDENCE) {
      const winners = matched.filter((rule) => rule.config.effect === effect).map((rule) => rule.config);
      if (winners.length === 0) continue;
      const reasons = winners.map((rule): Reason => `rule:${rule.id}`);
      // Every matched rule's masking applies, whatever the rule order and whichever effect won:
      // an approval rule must never strip the masking an allow rule asks for.
      const maskingProfiles = [...new Set(matched.flatMap((rule) => (rule.config.maskingProfile ? [rule.config.maskingProfile] : [])))];
      if (effect !== 'require_approval') return { effect, reasons, maskingProfiles, ...base };
      const approval = combineApprovals(winners.map((rule) => rule.approval!));
      if (!approval) return { effect: 'deny', reasons: [...reasons, 'conflicting-approvers'], maskingProfiles: [], ...base };
      return { effect, reasons, maskingProfiles, approval, ...base };
    }
    return { effect: 'deny', reasons: ['default-deny'], maskingProfiles: [], ...base };
  }
}

/**
 * Several approval rules apply at once: every one of them must be satisfied by the approver, so
 * only groups common to all rules may approve, within the shortest timeout. No common group means
 * nobody could ever approve: the decision is a denial rather than a hold doomed to expire.
 */
function combineApprovals(approvals: readonly { approverGroups: readonly string[]; timeout: number }[]): Decision['approval'] | undefined {
  const [first, ...rest] = approvals;
  const approverGroups = first!.approverGroups.filter((group) => rest.every((a) => a.approverGroups.includes(group)));
  if (approverGroups.length === 0) return undefined;
  return { approverGroups, timeoutMs: Math.min(...approvals.map((a) => a.timeout)) };
}

function compileRule(config: PolicyRuleConfig): CompiledRule {
  const set = (values?: readonly string[]) => (values ? new Set(values) : undefined);
  const { match } = config;
  const stated = (Object.keys(match) as Condition[]).filter((condition) => match[condition] !== undefined);
  return {
    config,
    groups: set(match.groups),
    subjects: set(match.subjects),
    connections: set(match.connections),
    http: match.http && {
      // Frameworks run the GET handler for HEAD: a rule about GET is about HEAD too.
      methods: set(match.http.methods?.includes('GET') ? [...match.http.methods, 'HEAD'] : match.http.methods),
      paths: match.http.paths?.map(compilePathGlob),
    },
    deterministic: stated.every((condition) => DETERMINISTIC[condition]),
  };
}

function matches(rule: CompiledRule, facts: RequestFacts): boolean {
  if (rule.connections && !rule.connections.has(facts.connection)) return false;
  if (rule.subjects && !rule.subjects.has(facts.principal.subject)) return false;
  if (rule.groups && !facts.principal.groups.some((g) => rule.groups!.has(g))) return false;
  if (rule.http && !matchesHttp(rule.http, facts.target)) return false;
  return true;
}

function matchesHttp(http: HttpConditions, target: Target): boolean {
  if (target.kind !== 'http') return false;
  if (http.methods && !http.methods.has(target.method)) return false;
  if (http.paths && !http.paths.some((match) => match(target.path))) return false;
  return true;
}
