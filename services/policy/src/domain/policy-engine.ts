import { createHash } from 'node:crypto';
import type { PolicyRuleConfig } from '@portcullis/config';
import { compilePathGlob, type PathMatcher } from './path-glob.js';

export type Effect = 'allow' | 'deny' | 'require_approval';

/** What a decision is made from. Built by adapters from the wire request. */
export interface RequestFacts {
  readonly connection: string;
  readonly principal: { readonly subject: string; readonly groups: readonly string[] };
  readonly http?: { readonly method: string; readonly path: string };
}

export interface Decision {
  readonly effect: Effect;
  /** Stable ids: "rule:<id>" for each rule that produced the effect, or "default-deny". */
  readonly reasons: readonly string[];
  /** Every profile named by a winning rule: the response is masked with all of them. */
  readonly maskingProfiles: readonly string[];
  readonly approval?: { readonly approverGroups: readonly string[]; readonly timeoutMs: number };
  readonly policyVersion: string;
}

interface CompiledRule {
  readonly config: PolicyRuleConfig;
  readonly groups?: ReadonlySet<string>;
  readonly subjects?: ReadonlySet<string>;
  readonly connections?: ReadonlySet<string>;
  readonly methods?: ReadonlySet<string>;
  readonly paths?: readonly PathMatcher[];
}

/** Deny beats approval beats allow, whatever the rule order: a broad allow never overrides a deny. */
const PRECEDENCE: readonly Effect[] = ['deny', 'require_approval', 'allow'];

/**
 * Evaluates the configured rules for a request. Default deny: a request no rule matches is denied.
 * A rule matches when every condition it states holds; an unstated condition matches anything.
 * A rule with HTTP conditions never matches a non-HTTP request.
 */
export class PolicyEngine {
  private readonly rules: readonly CompiledRule[];
  readonly version: string;

  constructor(rules: readonly PolicyRuleConfig[]) {
    this.rules = rules.map(compileRule);
    this.version = createHash('sha256').update(JSON.stringify(rules)).digest('hex').slice(0, 16);
  }

  decide(facts: RequestFacts): Decision {
    const matched = this.rules.filter((rule) => matches(rule, facts));
    for (const effect of PRECEDENCE) {
      const winners = matched.filter((rule) => rule.config.effect === effect).map((rule) => rule.config);
      if (winners.length === 0) continue;
      const reasons = winners.map((rule) => `rule:${rule.id}`);
      // Every matched rule's masking applies, whatever the rule order and whichever effect won:
      // an approval rule must never strip the masking an allow rule asks for.
      const maskingProfiles = [...new Set(matched.flatMap((rule) => (rule.config.maskingProfile ? [rule.config.maskingProfile] : [])))];
      if (effect !== 'require_approval') return { effect, reasons, maskingProfiles, policyVersion: this.version };
      const approval = combineApprovals(winners.map((rule) => rule.approval!));
      if (!approval) return { effect: 'deny', reasons: [...reasons, 'conflicting-approvers'], maskingProfiles: [], policyVersion: this.version };
      return { effect, reasons, maskingProfiles, approval, policyVersion: this.version };
    }
    return { effect: 'deny', reasons: ['default-deny'], maskingProfiles: [], policyVersion: this.version };
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
  const http = config.match.http;
  return {
    config,
    groups: set(config.match.groups),
    subjects: set(config.match.subjects),
    connections: set(config.match.connections),
    // Frameworks run the GET handler for HEAD: a rule about GET is about HEAD too.
    methods: set(http?.methods?.includes('GET') ? [...http.methods, 'HEAD'] : http?.methods),
    paths: http?.paths?.map(compilePathGlob),
  };
}

function matches(rule: CompiledRule, facts: RequestFacts): boolean {
  if (rule.connections && !rule.connections.has(facts.connection)) return false;
  if (rule.subjects && !rule.subjects.has(facts.principal.subject)) return false;
  if (rule.groups && !facts.principal.groups.some((g) => rule.groups!.has(g))) return false;
  if (rule.methods || rule.paths) {
    if (!facts.http) return false;
    if (rule.methods && !rule.methods.has(facts.http.method)) return false;
    if (rule.paths && !rule.paths.some((match) => match(facts.http!.path))) return false;
  }
  return true;
}
