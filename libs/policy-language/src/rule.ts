import type { Protocol } from '@portcullis/request-model';
import { compileCel, type CelExpression } from './cel.js';
import { compileMatch, type Check, type Evaluation } from './conditions.js';
import type { Direction } from './predicates.js';
import type { RuleConfig } from './schema.js';
import { compileSqlChecks } from './sql-conditions.js';
import type { ApprovalRequirement, Effect } from './types.js';

/** A rule ready to evaluate, with what the index needs to know about it. */
export interface CompiledRule {
  /** Position in the policy: evaluation order, so explanations list rules as written. */
  readonly order: number;
  readonly id: string;
  readonly source: string;
  readonly description?: string;
  readonly effect: Effect;
  /** "rule:<id>", as decisions quote it. */
  readonly reason: `rule:${string}`;
  /** How messages name it: `rule "<id>" (<description>)`. */
  readonly mention: string;
  readonly checks: readonly Check[];
  readonly when?: CelExpression;
  /** Connections named exactly (no glob, no tags): the index files the rule under them only. */
  readonly connections?: ReadonlySet<string>;
  /** The rule matches only principals in one of these groups (exact names): the index files it by group. */
  readonly anyGroup?: ReadonlySet<string>;
  /** The protocols the rule can match; undefined for all. */
  readonly protocols?: ReadonlySet<Protocol>;
  /** False when the rule depends on more than the request and the principal (a `when` can read the time). */
  readonly deterministic: boolean;
  readonly maskingProfiles: readonly string[];
  readonly approval?: ApprovalRequirement;
}

/** The outcome of one rule for one request (or one statement of a batch). */
export type RuleOutcome = { matched: true } | { matched: false; because: string } | { matched: 'error'; because: string };

export function compileRule(config: RuleConfig, order: number, source: string): { ok: true; rule: CompiledRule } | { ok: false; message: string } {
  // Allow rules read every list in the way that refuses more: see Direction.
  const direction: Direction = config.effect === 'allow' ? 'all' : 'any';
  const checks = [...compileMatch(config.match, direction), ...(config.match.sql ? compileSqlChecks(config.match.sql, direction) : [])];
  let when: CelExpression | undefined;
  if (config.when !== undefined) {
    const compiled = compileCel(config.when);
    if (!compiled.ok) return { ok: false, message: compiled.message };
    when = compiled.expression;
  }
  const names = [...(config.match.connections ?? []), ...(config.match.connection?.names ?? [])];
  const exact = names.length > 0 && !names.some((n) => n.includes('*'));
  return {
    ok: true,
    rule: {
      order,
      id: config.id,
      source,
      description: config.description,
      effect: config.effect,
      reason: `rule:${config.id}`,
      mention: config.description ? `rule "${config.id}" (${config.description})` : `rule "${config.id}"`,
      checks,
      when,
      // Both lists must hold when both are written; filing under the first is still correct.
      connections: exact ? new Set(config.match.connections ?? config.match.connection!.names) : undefined,
      protocols: protocolsOf(config),
      anyGroup: anyGroupOf(config),
      deterministic: when === undefined,
      maskingProfiles: [...new Set([...(config.maskingProfile ? [config.maskingProfile] : []), ...(config.maskingProfiles ?? [])])],
      approval: config.approval && {
        approverGroups: config.approval.approverGroups,
        minApprovals: config.approval.minApprovals,
        timeoutMs: config.approval.timeout,
        ...(config.approval.grant !== undefined ? { grantMs: config.approval.grant } : {}),
      },
    },
  };
}

/** Groups of which the principal must hold one, when the rule says so with exact names. */
function anyGroupOf(config: RuleConfig): ReadonlySet<string> | undefined {
  const listed = [config.match.groups, Array.isArray(config.match.principal?.groups) ? config.match.principal.groups : undefined];
  const any = config.match.principal?.groups && !Array.isArray(config.match.principal.groups) && 'any' in config.match.principal.groups ? config.match.principal.groups.any : undefined;
  const names = [...listed, any].find((list) => list !== undefined && !list.some((g) => g.includes('*')));
  return names ? new Set(names) : undefined;
}

function protocolsOf(config: RuleConfig): ReadonlySet<Protocol> | undefined {
  const { match } = config;
  if (match.http) return new Set(['http']);
  if (match.mcp) return new Set(['mcp']);
  if (match.sql) return new Set(['sql']);
  return match.protocols ? new Set(match.protocols) : undefined;
}

/**
 * Whether a rule matches: true, false, or 'error' when its `when` could not be evaluated. The hot
 * path: no allocation, no sentence.
 */
export function ruleMatches(rule: CompiledRule, evaluation: Evaluation): boolean | 'error' {
  const checks = rule.checks;
  for (let i = 0; i < checks.length; i++) if (!checks[i]!.holds(evaluation)) return false;
  if (!rule.when) return true;
  const outcome = rule.when.evaluate(evaluation);
  return outcome.ok ? outcome.value : 'error';
}

/**
 * Whether a rule can match a request whose MCP arguments are unknown: 'no' when a condition that
 * does not read them fails, 'yes' when every condition holds and none reads them (nor a `when`,
 * which may), 'maybe' otherwise.
 */
export function ruleMayMatch(rule: CompiledRule, evaluation: Evaluation): 'yes' | 'maybe' | 'no' {
  let unknown = rule.when !== undefined;
  for (const check of rule.checks) {
    if (check.readsArguments) unknown = true;
    else if (!check.holds(evaluation)) return 'no';
  }
  return unknown ? 'maybe' : 'yes';
}

/** The same, saying why: the first condition that fails, or the CEL error. For explanations. */
export function explainRule(rule: CompiledRule, evaluation: Evaluation): RuleOutcome {
  for (const check of rule.checks) if (!check.holds(evaluation)) return { matched: false, because: check.why(evaluation) };
  if (rule.when) {
    const outcome = rule.when.evaluate(evaluation);
    if (!outcome.ok) return { matched: 'error', because: `when: ${outcome.message}` };
    if (!outcome.value) return { matched: false, because: `when is false: ${rule.when.source}` };
  }
  return { matched: true };
}
