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
  readonly checks: readonly Check[];
  readonly when?: CelExpression;
  /** Connections named exactly (no glob, no tags): the index files the rule under them only. */
  readonly connections?: ReadonlySet<string>;
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
      checks,
      when,
      // Both lists must hold when both are written; filing under the first is still correct.
      connections: exact ? new Set(config.match.connections ?? config.match.connection!.names) : undefined,
      protocols: protocolsOf(config),
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

function protocolsOf(config: RuleConfig): ReadonlySet<Protocol> | undefined {
  const { match } = config;
  if (match.http) return new Set(['http']);
  if (match.mcp) return new Set(['mcp']);
  if (match.sql) return new Set(['sql']);
  return match.protocols ? new Set(match.protocols) : undefined;
}

/** Every condition in order, then `when`; the first that fails says why. A CEL failure is an error. */
export function evaluateRule(rule: CompiledRule, evaluation: Evaluation): RuleOutcome {
  for (const check of rule.checks) {
    const because = check(evaluation);
    if (because !== undefined) return { matched: false, because };
  }
  if (rule.when) {
    const outcome = rule.when.evaluate(evaluation);
    if (!outcome.ok) return { matched: 'error', because: `when: ${outcome.message}` };
    if (!outcome.value) return { matched: false, because: `when is false: ${rule.when.source}` };
  }
  return { matched: true };
}
