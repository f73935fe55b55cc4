import { Environment } from '@marcbachmann/cel-js';
import type { Evaluation } from './conditions.js';

/**
 * `when:` expressions in CEL, over four variables:
 * - `principal` — subject, clientId, issuer, kind, groups, scopes, claims;
 * - `connection` — name, tags;
 * - `request` — protocol, and one of `http` (method, path, query and headers: name → list of values), `mcp` (method, name, arguments), `sql` (statement, kinds, tablesRead,
 *   tablesWritten, functions, unboundedWrite — of the statement being decided);
 * - `now` — the time of the decision (a timestamp: `now.getHours("Europe/Berlin") < 18`).
 * An expression must yield a boolean; anything else, or an error while evaluating it, denies.
 */
const environment = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 50 } })
  .registerVariable('principal', 'map')
  .registerVariable('connection', 'map')
  .registerVariable('request', 'map')
  .registerVariable('now', 'google.protobuf.Timestamp');

export type CelOutcome = { ok: true; value: boolean } | { ok: false; message: string };

export interface CelExpression {
  readonly source: string;
  evaluate(evaluation: Evaluation): CelOutcome;
}

/** Parses and type-checks an expression; the problem's message when it is not valid CEL. */
export function compileCel(source: string): { ok: true; expression: CelExpression } | { ok: false; message: string } {
  let program: ReturnType<typeof environment.parse>;
  try {
    program = environment.parse(source);
    const checked = program.check();
    if (!checked.valid) return { ok: false, message: `CEL: ${firstLine(checked.error?.message ?? 'invalid expression')}` };
    if (checked.type !== 'bool' && checked.type !== 'dyn') return { ok: false, message: `CEL: the expression yields ${checked.type}, not bool` };
  } catch (err) {
    return { ok: false, message: `CEL: ${firstLine((err as Error).message)}` };
  }
  return {
    ok: true,
    expression: {
      source,
      evaluate(evaluation) {
        try {
          const value = program(variables(evaluation));
          return typeof value === 'boolean' ? { ok: true, value } : { ok: false, message: `yields ${typeof value === 'bigint' ? 'int' : typeof value}, not bool` };
        } catch (err) {
          return { ok: false, message: firstLine((err as Error).message) };
        }
      },
    },
  };
}

function variables(e: Evaluation): Record<string, unknown> {
  const { facts } = e;
  const target = facts.target;
  const request: Record<string, unknown> = { protocol: target.kind };
  if (target.kind === 'http') {
    // Headers, like query parameters, map to every value given: a repeated header must not hide one.
    const headers = new Map<string, string[]>();
    for (const h of target.headers) headers.set(h.name, [...(headers.get(h.name) ?? []), h.value]);
    request.http = { method: target.method, path: target.path, query: Object.fromEntries(e.httpQuery()), headers: Object.fromEntries(headers) };
  } else if (target.kind === 'mcp') {
    request.mcp = { method: target.method, name: target.name, arguments: e.mcpArguments() ?? {} };
  } else if (e.statement) {
    const s = e.statement;
    const names = (refs: readonly { schema?: string; name: string }[]) => refs.map((r) => (r.schema ? `${r.schema}.${r.name}` : r.name));
    request.sql = { statement: s.text, kinds: s.kinds, tablesRead: names(s.tablesRead), tablesWritten: names(s.tablesWritten), functions: names([...s.functions, ...s.possibleFunctions]), unboundedWrite: s.unboundedWrite };
  }
  return {
    principal: { ...facts.principal, claims: facts.principal.claims },
    connection: { name: facts.connection, tags: e.connectionTags },
    request,
    now: facts.now,
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
