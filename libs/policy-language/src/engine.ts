import type { SqlAnalyzer, StatementAnalysis } from '@portcullis/sql-analysis';
import type { Evaluation } from './conditions.js';
import { pathSegments } from './path-glob.js';
import { explainRule, ruleMatches, ruleMayMatch, type CompiledRule } from './rule.js';
import { mcpTarget } from '@portcullis/request-model';
import { LIST_METHODS, type ApprovalRequirement, type CompiledPolicy, type Decision, type Explanation, type Reason, type RequestFacts, type RuleExplanation, type StatementSummary, type Visibility, type VisibilityQuery } from './types.js';

/** Deny beats approval beats allow, whatever the rule order: a broad allow never overrides a deny. */
const PRECEDENCE = ['deny', 'require_approval', 'allow'] as const;

/**
 * A compiled policy. Rules are filed by connection and protocol, so a decision looks only at the
 * rules that could apply to its request; default deny.
 */
export class PolicyEngine implements CompiledPolicy {
  readonly ruleCount: number;
  private readonly candidates = new Map<string, Candidates>();

  constructor(
    private readonly rules: readonly CompiledRule[],
    readonly digest: string,
    private readonly tags: ReadonlyMap<string, readonly string[]>,
    private readonly sql: SqlAnalyzer,
  ) {
    this.ruleCount = rules.length;
  }

  decide(facts: RequestFacts): Decision {
    return this.run(facts, this.rulesFor(facts), undefined);
  }

  explain(facts: RequestFacts): Explanation {
    const lines: RuleExplanation[] = [];
    const statements: StatementSummary[] = [];
    // Every rule, not only the indexed candidates: an explanation says why each did not apply.
    const decision = this.run(facts, this.rules, { lines, statements });
    return { decision, rules: lines, ...(facts.target.kind === 'sql' ? { statements } : {}) };
  }

  visibility(query: VisibilityQuery): ReadonlyMap<string, Visibility> {
    const method = LIST_METHODS[query.kind];
    const shown = new Map<string, Visibility>();
    let rules: readonly CompiledRule[] | undefined;
    for (const name of query.names) {
      const facts: RequestFacts = { connection: query.connection, principal: query.principal, target: mcpTarget(method, name, undefined), now: query.now };
      rules ??= this.rulesFor(facts);
      const evaluation = newEvaluation(facts, this.tags.get(query.connection) ?? []);
      let allow = false;
      let approval = false;
      let denied = false;
      for (const rule of rules) {
        const may = ruleMayMatch(rule, evaluation);
        if (may === 'no') continue;
        if (rule.effect === 'deny') {
          if (may === 'yes') {
            denied = true;
            break;
          }
        } else if (rule.effect === 'allow') allow = true;
        else approval = true;
      }
      if (denied) continue;
      if (allow) shown.set(name, 'callable');
      else if (approval) shown.set(name, 'approval');
    }
    return shown;
  }

  /**
   * The rules that could match: filed by connection and protocol, then by the groups a rule
   * requires, so a request looks at the rules about its connection, protocol and groups only.
   */
  private rulesFor(facts: RequestFacts): readonly CompiledRule[] {
    const protocol = facts.target.kind;
    const key = `${protocol}\u0000${facts.connection}`;
    let candidates = this.candidates.get(key);
    if (!candidates) {
      candidates = fileByGroup(this.rules.filter((r) => (!r.connections || r.connections.has(facts.connection)) && (!r.protocols || r.protocols.has(protocol))));
      // Bounded: connections come from config, but a request may name any string.
      if (this.candidates.size < 10_000) this.candidates.set(key, candidates);
    }
    if (candidates.byGroup.size === 0) return candidates.always;
    const groups = facts.principal.groups;
    // Unambiguous whatever the group names hold (a NUL in a name must not alias two lists).
    const groupsKey = JSON.stringify(groups);
    let rules = candidates.forGroups.get(groupsKey);
    if (!rules) {
      rules = mergeForGroups(candidates, groups);
      // Bounded: principals bring their own group lists.
      if (candidates.forGroups.size < 1_000) candidates.forGroups.set(groupsKey, rules);
    }
    return rules;
  }

  private run(facts: RequestFacts, rules: readonly CompiledRule[], trace: Trace | undefined): Decision {
    const evaluation = newEvaluation(facts, this.tags.get(facts.connection) ?? []);
    const cacheable = rules.every((r) => r.deterministic);
    if (facts.target.kind === 'mcp') {
      // Parsed once here, for every rule after; arguments that are not JSON decide nothing.
      try {
        evaluation.mcpArguments();
      } catch {
        return { effect: 'deny', reasons: ['invalid-arguments'], message: 'denied: the MCP arguments are not valid JSON', maskingProfiles: [], cacheable: false };
      }
    }
    if (facts.target.kind !== 'sql') return decideOne(rules, evaluation, cacheable, trace);

    const analysis = this.sql.analyze(facts.target.statement);
    if (!analysis.ok) {
      const decision: Decision = { effect: 'deny', reasons: ['sql-error'], message: `denied: the SQL could not be parsed: ${analysis.message}${analysis.position !== undefined ? ` (at character ${analysis.position + 1})` : ''}`, maskingProfiles: [], cacheable };
      return decision;
    }
    // A batch runs only if every statement would run on its own: each is decided, the strictest wins.
    const decisions = analysis.statements.map((statement, index) => {
      evaluation.statement = statement;
      const decision = decideOne(rules, evaluation, cacheable, trace && { ...trace, statement: index });
      trace?.statements.push(summary(statement, decision));
      return decision;
    });
    return combineStatements(decisions, cacheable);
  }
}

interface Candidates {
  /** Rules that require no particular group. */
  readonly always: readonly CompiledRule[];
  readonly byGroup: ReadonlyMap<string, readonly CompiledRule[]>;
  /** The merged list for a principal's groups, remembered. */
  readonly forGroups: Map<string, readonly CompiledRule[]>;
}

/** The rules for a principal in these groups: those needing no group plus those filed under one of them, in policy order. */
function mergeForGroups(candidates: Candidates, groups: readonly string[]): readonly CompiledRule[] {
  const found = new Set<CompiledRule>(candidates.always);
  for (const group of groups) for (const rule of candidates.byGroup.get(group) ?? []) found.add(rule);
  if (found.size === candidates.always.length) return candidates.always;
  return [...found].sort((a, b) => a.order - b.order);
}

function fileByGroup(rules: readonly CompiledRule[]): Candidates {
  const always: CompiledRule[] = [];
  const byGroup = new Map<string, CompiledRule[]>();
  for (const rule of rules) {
    if (!rule.anyGroup) always.push(rule);
    else for (const group of rule.anyGroup) byGroup.set(group, [...(byGroup.get(group) ?? []), rule]);
  }
  return { always, byGroup, forGroups: new Map() };
}

interface Trace {
  readonly lines: RuleExplanation[];
  readonly statements: StatementSummary[];
  readonly statement?: number;
}

/** An evaluation whose statement the batch loop sets, one statement after another. */
type BatchEvaluation = Evaluation & { statement?: StatementAnalysis };

function newEvaluation(facts: RequestFacts, connectionTags: readonly string[]): BatchEvaluation {
  let args: { value: unknown } | undefined;
  let query: ReadonlyMap<string, readonly string[]> | undefined;
  let path: readonly string[] | undefined;
  return {
    facts,
    connectionTags,
    statement: undefined,
    mcpArguments() {
      if (!args) {
        const json = facts.target.kind === 'mcp' ? facts.target.argumentsJson : '';
        args = { value: json === '' ? undefined : JSON.parse(json) };
      }
      return args.value;
    },
    httpPath() {
      path ??= facts.target.kind === 'http' ? pathSegments(facts.target.path) : [];
      return path;
    },
    httpQuery() {
      if (!query) {
        const map = new Map<string, string[]>();
        if (facts.target.kind === 'http') {
          for (const [name, value] of new URLSearchParams(facts.target.query)) map.set(name, [...(map.get(name) ?? []), value]);
        }
        query = map;
      }
      return query;
    },
  };
}

function decideOne(rules: readonly CompiledRule[], evaluation: Evaluation, cacheable: boolean, trace: Trace | undefined): Decision {
  const matched: CompiledRule[] = [];
  const errors: { rule: CompiledRule; because: string }[] = [];
  for (const rule of rules) {
    let matches: boolean | 'error';
    if (trace) {
      const outcome = explainRule(rule, evaluation);
      matches = outcome.matched;
      trace.lines.push({ id: rule.id, source: rule.source, effect: rule.effect, matched: outcome.matched === true, because: outcome.matched === true ? 'every condition holds' : outcome.because, ...(trace.statement !== undefined ? { statement: trace.statement } : {}) });
    } else {
      matches = ruleMatches(rule, evaluation);
    }
    if (matches === true) matched.push(rule);
    // Rare: evaluate again to say what failed.
    else if (matches === 'error') {
      const outcome = explainRule(rule, evaluation);
      errors.push({ rule, because: outcome.matched === true ? 'when failed' : outcome.because });
    }
  }
  // A rule whose expression cannot be evaluated denies: it might have been a deny.
  if (errors.length > 0) {
    return { effect: 'deny', reasons: errors.map((e): Reason => `cel-error:${e.rule.id}`), message: `denied: ${errors.map((e) => `rule "${e.rule.id}" could not be evaluated (${e.because})`).join('; ')}`, maskingProfiles: [], cacheable: false };
  }
  for (const effect of PRECEDENCE) {
    const winners = matched.filter((rule) => rule.effect === effect);
    if (winners.length === 0) continue;
    const reasons: Reason[] = winners.map((rule) => rule.reason);
    const message = `${VERB[effect]} ${winners.map((rule) => rule.mention).join('; ')}`;
    if (effect === 'deny') return { effect, reasons, message, maskingProfiles: [], cacheable };
    // Every matched rule's masking applies, whichever effect won: an approval rule must never strip
    // the masking an allow rule asks for.
    const maskingProfiles = matched.some((rule) => rule.maskingProfiles.length > 0) ? [...new Set(matched.flatMap((rule) => rule.maskingProfiles))] : NONE;
    if (effect === 'allow') return { effect, reasons, message, maskingProfiles, cacheable };
    const approval = combineApprovals(winners.map((rule) => rule.approval!));
    if (!approval) return { effect: 'deny', reasons: [...reasons, 'conflicting-approvers'], message: `denied: ${winners.map((rule) => rule.mention).join('; ')} need approval, but no approver group is common to them, so nobody could approve`, maskingProfiles: [], cacheable };
    return { effect, reasons, message, maskingProfiles, approval, cacheable };
  }
  return { effect: 'deny', reasons: ['default-deny'], message: 'denied: no rule allows this request (default deny)', maskingProfiles: [], cacheable };
}

const NONE: readonly string[] = Object.freeze([]);

const VERB = { deny: 'denied by', require_approval: 'needs approval by', allow: 'allowed by' } as const;

/**
 * Several approval requirements at once: every one must be satisfied, so only groups common to
 * all may approve, with the most approvals any asks for, within the shortest timeout; a grant only
 * when every rule offers one, for the shortest. No common group is a denial, not a hold doomed to
 * expire.
 */
function combineApprovals(approvals: readonly ApprovalRequirement[]): ApprovalRequirement | undefined {
  const [first, ...rest] = approvals;
  const approverGroups = first!.approverGroups.filter((group) => rest.every((a) => a.approverGroups.includes(group)));
  if (approverGroups.length === 0) return undefined;
  const grants = approvals.map((a) => a.grantMs);
  const grantMs = grants.every((g) => g !== undefined) ? Math.min(...(grants as number[])) : undefined;
  return {
    approverGroups,
    minApprovals: Math.max(...approvals.map((a) => a.minApprovals)),
    timeoutMs: Math.min(...approvals.map((a) => a.timeoutMs)),
    ...(grantMs !== undefined ? { grantMs } : {}),
  };
}

/** The strictest statement decides the batch; its message says which statement it was. */
function combineStatements(decisions: readonly Decision[], cacheable: boolean): Decision {
  if (decisions.length === 1) return decisions[0]!;
  const many = decisions.length > 1;
  const label = (i: number) => (many ? `statement ${i + 1} of ${decisions.length}: ` : '');
  for (const effect of PRECEDENCE) {
    const which = decisions.map((d, i) => ({ d, i })).filter(({ d }) => d.effect === effect);
    if (which.length === 0) continue;
    const reasons = [...new Set(which.flatMap(({ d }) => d.reasons))];
    const message = which.map(({ d, i }) => `${label(i)}${d.message}`).join('; ');
    const allCacheable = cacheable && decisions.every((d) => d.cacheable);
    if (effect === 'deny') return { effect, reasons, message, maskingProfiles: [], cacheable: allCacheable };
    const maskingProfiles = [...new Set(decisions.flatMap((d) => d.maskingProfiles))];
    if (effect === 'allow') return { effect, reasons, message, maskingProfiles, cacheable: allCacheable };
    const approval = combineApprovals(which.map(({ d }) => d.approval!));
    if (!approval) return { effect: 'deny', reasons: [...reasons, 'conflicting-approvers'], message: `denied: ${message}, but no approver group is common to the statements' rules`, maskingProfiles: [], cacheable: allCacheable };
    return { effect, reasons, message, maskingProfiles, approval, cacheable: allCacheable };
  }
  // An empty batch never reaches here (the analyser refuses it), but deny rather than assume.
  return { effect: 'deny', reasons: ['default-deny'], message: 'denied: the batch holds no statement', maskingProfiles: [], cacheable: false };
}

function summary(statement: StatementAnalysis, decision: Decision): StatementSummary {
  const name = (r: { schema?: string; name: string }) => (r.schema ? `${r.schema}.${r.name}` : r.name);
  return {
    text: statement.text,
    kinds: statement.kinds,
    tablesRead: statement.tablesRead.map(name),
    tablesWritten: statement.tablesWritten.map(name),
    functions: statement.functions.map(name),
    unboundedWrite: statement.unboundedWrite,
    decision,
  };
}
