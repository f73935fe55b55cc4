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
  readonly maskingProfile?: string;
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
      const winners = matched.filter((rule) => rule.config.effect === effect);
      const first = winners[0]?.config;
      if (!first) continue;
      return {
        effect,
        reasons: winners.map((rule) => `rule:${rule.config.id}`),
        ...(first.maskingProfile ? { maskingProfile: first.maskingProfile } : {}),
        ...(first.approval ? { approval: { approverGroups: first.approval.approverGroups, timeoutMs: first.approval.timeout } } : {}),
        policyVersion: this.version,
      };
    }
    return { effect: 'deny', reasons: ['default-deny'], policyVersion: this.version };
  }
}

function compileRule(config: PolicyRuleConfig): CompiledRule {
  const set = (values?: readonly string[]) => (values ? new Set(values) : undefined);
  const http = config.match.http;
  return {
    config,
    groups: set(config.match.groups),
    subjects: set(config.match.subjects),
    connections: set(config.match.connections),
    methods: set(http?.methods),
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
