import { createHash } from 'node:crypto';
import { STATEMENT_KINDS, type SqlAnalyzer } from '@portcullis/sql-analysis';
import { compileGlob } from './glob.js';
import { PolicyEngine } from './engine.js';
import { compileRule, type CompiledRule } from './rule.js';
import { parseSource, type ParsedSource } from './source.js';
import type { CompileResult, PolicyContext, PolicySource, Problem } from './types.js';

/**
 * Compiles every source of a policy version together: all problems at once (YAML, shape, and
 * what only the whole set shows — duplicate rule ids, unknown connections and masking profiles,
 * CEL that does not compile), or the policy. A set with any problem is refused whole.
 */
export function compilePolicy(sources: readonly PolicySource[], context: PolicyContext, sql: SqlAnalyzer): CompileResult {
  const tags = new Map([...(context.connections ?? new Map<string, { tags: readonly string[] }>())].map(([name, c]) => [name, c.tags]));
  return compileWithTags(sources, context, sql, tags);
}

/** compilePolicy with connection tags given apart from the names checked (policy tests declare their own). */
export function compileWithTags(sources: readonly PolicySource[], context: PolicyContext, sql: SqlAnalyzer, tags: ReadonlyMap<string, readonly string[]>): CompileResult {
  const problems: Problem[] = [];
  const parsed: ParsedSource[] = [];
  for (const source of sources) {
    const result = parseSource(source);
    if (result.ok) parsed.push(result.parsed);
    else problems.push(...result.problems);
  }
  const rules: CompiledRule[] = [];
  const seen = new Map<string, string>();
  for (const { source, rules: configs, locate } of parsed) {
    configs.forEach((config, i) => {
      const problem = (path: (string | number)[], message: string) => problems.push({ source: source.name, ...locate(i, path), message });
      const first = seen.get(config.id);
      if (first) problem(['id'], `duplicate rule id "${config.id}" (first defined in ${first})`);
      else seen.set(config.id, `${source.name}:${locate(i, ['id']).line}`);
      const names = [...(config.match.connections ?? []), ...(config.match.connection?.names ?? [])].filter((n) => !n.includes('*'));
      if (context.connections) {
        const named = [...(config.match.connections ?? []).map((n, j) => ({ n, path: ['match', 'connections', j] })), ...(config.match.connection?.names ?? []).map((n, j) => ({ n, path: ['match', 'connection', 'names', j] }))];
        for (const { n, path } of named) {
          if (!n.includes('*') && !context.connections.has(n)) problem(path, `unknown connection "${n}"`);
        }
      }
      if (context.maskingProfiles) {
        const profiles = [...(config.maskingProfile ? [{ p: config.maskingProfile, path: ['maskingProfile'] as (string | number)[] }] : []), ...(config.maskingProfiles ?? []).map((p, j) => ({ p, path: ['maskingProfiles', j] }))];
        for (const { p, path } of profiles) {
          if (!context.maskingProfiles.has(p)) problem(path, `unknown masking profile "${p}"`);
        }
      }
      const statements = config.match.sql?.statements;
      const kinds = statements === undefined ? [] : Array.isArray(statements) ? statements : 'any' in statements ? statements.any : statements.only;
      kinds.forEach((kind, j) => {
        const where = ['match', 'sql', 'statements', ...(Array.isArray(statements) ? [] : ['any' in statements! ? 'any' : 'only']), j];
        if (!STATEMENT_KINDS.some(compileGlob(kind, { ignoreCase: true }))) problem(where, `"${kind}" matches no statement kind (see docs/policy.md: select, insert, drop_table, copy_to_program, …)`);
      });
      for (const header of Object.keys(config.match.http?.headers ?? {})) {
        const missing = unsentHeader(header, names.length > 0 ? names : undefined, context);
        if (missing) problem(['match', 'http', 'headers', header], missing);
      }
      const compiled = compileRule(config, rules.length, source.name);
      if (compiled.ok) rules.push(compiled.rule);
      else problem(['when'], compiled.message);
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, policy: new PolicyEngine(rules, digestOf(sources), tags, sql) };
}

/**
 * A rule on a header the gateway never sends policy could never match (or, in a deny, never
 * fire): say so, naming the connections whose `decisionHeaders` lack it.
 */
function unsentHeader(header: string, names: readonly string[] | undefined, context: PolicyContext): string | undefined {
  if (!context.connections) return undefined;
  const known = (name: string) => context.connections!.get(name)?.decisionHeaders !== undefined;
  const candidates = (names ?? [...context.connections.keys()]).filter(known);
  const sending = (name: string) => context.connections!.get(name)?.decisionHeaders?.includes(header) ?? false;
  const lacking = candidates.filter((name) => !sending(name));
  if (names && lacking.length > 0) return `header "${header}" is not sent to policy by ${lacking.join(', ')}: add it to connections[].decisionHeaders`;
  if (!names && candidates.length > 0 && !candidates.some(sending)) return `header "${header}" is not sent to policy by any connection: add it to connections[].decisionHeaders`;
  return undefined;
}

/** "policies/sql.yaml:12:7: rules.3.effect: must be one of allow, deny, require_approval". */
export function formatProblem(problem: Problem): string {
  return `${problem.source}:${problem.line}:${problem.column}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}

function digestOf(sources: readonly PolicySource[]): string {
  const hash = createHash('sha256');
  for (const source of [...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    hash.update(`${Buffer.byteLength(source.name)}:${source.name}${Buffer.byteLength(source.text)}:${source.text}`);
  }
  return hash.digest('hex');
}
