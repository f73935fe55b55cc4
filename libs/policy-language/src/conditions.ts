import type { StatementAnalysis } from '@portcullis/sql-analysis';
import type { HttpTarget, McpTarget } from '@portcullis/request-model';
import { compileGlobs } from './glob.js';
import { compilePathGlobSegments } from './path-glob.js';
import { compileJsonPath, compileValueTest, type Direction } from './predicates.js';
import type { GroupConditionConfig, MatchConfig, ValuePredicateConfig } from './schema.js';
import type { RequestFacts } from './types.js';

/** One request being decided, with what is parsed from it once and shared by every rule. */
export interface Evaluation {
  readonly facts: RequestFacts;
  readonly connectionTags: readonly string[];
  /** The MCP arguments, parsed once (undefined when the request has none). */
  mcpArguments(): unknown;
  /** HTTP query parameters, every value of each, parsed once. */
  httpQuery(): ReadonlyMap<string, readonly string[]>;
  /** The HTTP path as path globs see it, split once. */
  httpPath(): readonly string[];
  /** For SQL: the statement of the batch being decided. */
  readonly statement?: StatementAnalysis;
}

/**
 * A compiled condition: `holds` on the hot path, and `why` — the sentence saying why it does not
 * hold — only when an explanation asks for it, so deciding never builds a string or allocates.
 */
export interface Check {
  readonly holds: (evaluation: Evaluation) => boolean;
  readonly why: (evaluation: Evaluation) => string;
  /** The condition reads the MCP arguments: unknown when a list asks what may be called at all. */
  readonly readsArguments?: true;
}

export const check = (holds: Check['holds'], why: Check['why']): Check => ({ holds, why });

const list = (values: readonly string[]) => values.join(', ');

/** Compiles a rule's `match`; every stated condition must hold. */
export function compileMatch(match: MatchConfig, direction: Direction): Check[] {
  const checks: Check[] = [];
  if (match.connections) checks.push(nameCheck('connection', match.connections, (e) => e.facts.connection));
  if (match.subjects) checks.push(nameCheck('subject', match.subjects, (e) => e.facts.principal.subject));
  if (match.groups) checks.push(groupCheck('groups', match.groups, (e) => e.facts.principal.groups));
  if (match.connection?.names) checks.push(nameCheck('connection', match.connection.names, (e) => e.facts.connection));
  if (match.connection?.tags) checks.push(groupCheck('connection tags', match.connection.tags, (e) => e.connectionTags));
  if (match.protocols) {
    const protocols = new Set<string>(match.protocols);
    checks.push(check((e) => protocols.has(e.facts.target.kind), (e) => `protocol is ${e.facts.target.kind}, not ${list(match.protocols!)}`));
  }
  const principal = match.principal;
  if (principal) {
    if (principal.subjects) checks.push(nameCheck('subject', principal.subjects, (e) => e.facts.principal.subject));
    if (principal.clientIds) checks.push(nameCheck('client id', principal.clientIds, (e) => e.facts.principal.clientId));
    if (principal.issuers) checks.push(nameCheck('issuer', principal.issuers, (e) => e.facts.principal.issuer));
    if (principal.kinds) checks.push(nameCheck('principal kind', principal.kinds, (e) => e.facts.principal.kind));
    if (principal.groups) checks.push(groupCheck('groups', principal.groups, (e) => e.facts.principal.groups));
    if (principal.scopes) checks.push(groupCheck('scopes', principal.scopes, (e) => e.facts.principal.scopes));
    if (principal.claims) checks.push(...jsonChecks('claim', principal.claims, direction, (e) => e.facts.principal.claims));
  }
  if (match.http) checks.push(...httpChecks(match.http, direction));
  if (match.mcp) checks.push(...mcpChecks(match.mcp, direction));
  return checks;
}

function nameCheck(what: string, globs: readonly string[], value: (e: Evaluation) => string): Check {
  const matches = compileGlobs(globs);
  return check((e) => matches(value(e)), (e) => `${what} "${value(e)}" is not ${list(globs)}`);
}

/** A plain list or `any:` — at least one in common; `all:` — every listed one present. */
function groupCheck(what: string, condition: GroupConditionConfig, values: (e: Evaluation) => readonly string[]): Check {
  if (!Array.isArray(condition) && 'all' in condition) {
    const required = condition.all;
    return check(
      (e) => required.every((r) => values(e).includes(r)),
      (e) => `${what} lack ${list(required.filter((r) => !values(e).includes(r)))}`,
    );
  }
  const wanted = Array.isArray(condition) ? condition : condition.any;
  const matches = compileGlobs(wanted);
  return check((e) => values(e).some(matches), () => `${what} include none of ${list(wanted)}`);
}

function jsonChecks(what: string, predicates: Readonly<Record<string, ValuePredicateConfig>>, direction: Direction, root: (e: Evaluation) => unknown): Check[] {
  return Object.entries(predicates).map(([path, predicate]) => {
    const reach = compileJsonPath(path);
    const test = compileValueTest(predicate, direction);
    return check((e) => test(reach(root(e))), (e) => `${what} ${path} ${found(reach(root(e)))}, not ${test.describe}`);
  });
}

function httpChecks(http: NonNullable<MatchConfig['http']>, direction: Direction): Check[] {
  const checks: Check[] = [check((e) => e.facts.target.kind === 'http', () => 'not an HTTP request')];
  const target = (e: Evaluation) => e.facts.target as HttpTarget;
  if (http.methods) {
    // Frameworks run the GET handler for HEAD: a rule about GET is about HEAD too.
    const methods = new Set<string>(http.methods.includes('GET') ? [...http.methods, 'HEAD'] : http.methods);
    checks.push(check((e) => methods.has(target(e).method), (e) => `method ${target(e).method} is not ${list(http.methods!)}`));
  }
  if (http.paths) {
    const paths = http.paths.map(compilePathGlobSegments);
    checks.push(check((e) => paths.some((match) => match(e.httpPath())), (e) => `path ${target(e).path} is not ${list(http.paths!)}`));
  }
  for (const [name, predicate] of Object.entries(http.query ?? {})) {
    const test = compileValueTest(predicate, direction);
    const values = (e: Evaluation) => e.httpQuery().get(name) ?? [];
    checks.push(check((e) => test(values(e)), (e) => `query ${name} ${found(values(e))}, not ${test.describe}`));
  }
  for (const [name, predicate] of Object.entries(http.headers ?? {})) {
    const test = compileValueTest(predicate, direction);
    const values = (e: Evaluation) => target(e).headers.filter((h) => h.name === name).map((h) => h.value);
    checks.push(check((e) => test(values(e)), (e) => `header ${name} ${found(values(e))}, not ${test.describe}`));
  }
  return checks;
}

/** MCP methods that name a tool, a resource or a prompt, and which name they carry. */
const NAMED_BY: Record<string, 'tools' | 'resources' | 'prompts'> = {
  'tools/call': 'tools',
  'resources/read': 'resources',
  'resources/subscribe': 'resources',
  'resources/unsubscribe': 'resources',
  'prompts/get': 'prompts',
};

function mcpChecks(mcp: NonNullable<MatchConfig['mcp']>, direction: Direction): Check[] {
  const checks: Check[] = [check((e) => e.facts.target.kind === 'mcp', () => 'not an MCP request')];
  const target = (e: Evaluation) => e.facts.target as McpTarget;
  if (mcp.methods) checks.push(nameCheck('MCP method', mcp.methods, (e) => target(e).method));
  for (const what of ['tools', 'resources', 'prompts'] as const) {
    const globs = mcp[what];
    if (!globs) continue;
    // Tool names are case-sensitive in MCP, but a deny on "*delete*" must catch "searchAndDelete":
    // deny and approval rules ignore case, allow rules do not (the reading that refuses more).
    const matches = compileGlobs(globs, { ignoreCase: direction === 'any' });
    const singular = what.slice(0, -1);
    checks.push(
      check(
        (e) => NAMED_BY[target(e).method] === what && matches(target(e).name),
        (e) => (NAMED_BY[target(e).method] !== what ? `${target(e).method} names no ${singular}` : `${singular} "${target(e).name}" is not ${list(globs)}`),
      ),
    );
  }
  if (mcp.arguments) checks.push(...jsonChecks('argument', mcp.arguments, direction, (e) => e.mcpArguments()).map((c): Check => ({ ...c, readsArguments: true })));
  return checks;
}

/** "is absent", or a short rendering of the values found (never a whole payload). */
function found(values: readonly unknown[]): string {
  return values.length === 0 ? 'is absent' : `is ${preview(values)}`;
}

function preview(values: readonly unknown[]): string {
  const text = values.length === 1 ? JSON.stringify(values[0]) : JSON.stringify(values);
  return text === undefined ? 'undefined' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

