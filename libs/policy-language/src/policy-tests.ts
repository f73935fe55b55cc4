import type { SqlAnalyzer } from '@portcullis/sql-analysis';
import { mcpTarget, type Target } from '@portcullis/request-model';
import { z } from 'zod';
import { compileWithTags } from './compile.js';
import { readYaml } from './source.js';
import { EFFECTS, type Decision, type Explanation, type PolicyContext, type PolicySource, type Problem, type RequestFacts } from './types.js';

// Policy tests, like `opa test`: files of requests with the decision each must get. They run
// against the compiled documents of a directory, with no service running.

const principal = z
  .object({
    subject: z.string().min(1),
    clientId: z.string().optional(),
    issuer: z.string().default('https://idp.test'),
    kind: z.enum(['machine', 'human']).default('machine'),
    groups: z.array(z.string()).default([]),
    scopes: z.array(z.string()).default([]),
    claims: z.record(z.unknown()).default({}),
  })
  .strict();

const testCase = z
  .object({
    name: z.string().min(1),
    connection: z.string().min(1),
    principal,
    http: z.object({ method: z.string().min(1), path: z.string().startsWith('/'), query: z.string().default(''), headers: z.record(z.string()).default({}) }).strict().optional(),
    mcp: z.object({ method: z.string().min(1), name: z.string().default(''), arguments: z.unknown().optional() }).strict().optional(),
    /** A statement, or several: each is its own test, named after the test and the statement. */
    sql: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    /** When the request is made (for `when:` rules about time); default 2026-01-05T12:00:00Z, a Monday noon. */
    at: z.string().datetime({ offset: true }).optional(),
    expect: z
      .object({
        effect: z.enum(EFFECTS),
        /** Exactly these reasons, in any order. */
        reasons: z.array(z.string()).optional(),
        maskingProfiles: z.array(z.string()).optional(),
        messageContains: z.string().optional(),
      })
      .strict(),
  })
  .strict()
  .refine((t) => [t.http, t.mcp, t.sql].filter((x) => x !== undefined).length === 1, 'states exactly one of http, mcp or sql');

const testFile = z
  .object({
    description: z.string().optional(),
    /** Tags of the connections the tests use, for rules on connection tags. */
    connections: z.record(z.object({ tags: z.array(z.string()).default([]) }).strict()).default({}),
    tests: z.array(testCase).min(1),
  })
  .strict();

export interface PolicyTestResult {
  readonly source: string;
  readonly line: number;
  readonly name: string;
  readonly passed: boolean;
  /** What was expected and what came out, each as "effect [reasons]". */
  readonly expected: string;
  readonly actual: string;
  /** For a failure: why the policy decided as it did. */
  readonly explanation?: Explanation;
}

export interface PolicyTestReport {
  /** No problem and every test passed (and there was at least one). */
  readonly ok: boolean;
  readonly problems: readonly Problem[];
  readonly results: readonly PolicyTestResult[];
}

const DEFAULT_TIME = '2026-01-05T12:00:00Z';

/**
 * Compiles `documents` and runs every test in `tests` against them. With a context (the
 * connections and masking profiles of a portcullis.yaml), documents are checked against it as the
 * policy service would; test files may still give connections tags of their own.
 */
export function runPolicyTests(documents: readonly PolicySource[], tests: readonly PolicySource[], sql: SqlAnalyzer, context: PolicyContext = {}): PolicyTestReport {
  const problems: Problem[] = [];
  const files: { source: PolicySource; data: z.output<typeof testFile>; lineOf: (i: number) => number }[] = [];
  for (const source of tests) {
    const read = readYaml(source, testFile);
    if (!read.ok) problems.push(...read.problems);
    else files.push({ source, data: read.data, lineOf: (i) => read.locate(['tests', i]).line });
  }
  const tags = new Map<string, readonly string[]>([...(context.connections ?? new Map<string, { tags: readonly string[] }>())].map(([name, c]) => [name, c.tags]));
  for (const file of files) {
    for (const [name, c] of Object.entries(file.data.connections)) {
      // Tests must not pass against tags the configured connection does not have.
      const configured = context.connections?.get(name);
      if (configured && !sameSet(configured.tags, c.tags)) {
        problems.push({ source: file.source.name, line: 1, column: 1, path: `connections.${name}.tags`, message: `connection "${name}" has tags [${configured.tags.join(', ')}] in the config, not [${c.tags.join(', ')}]` });
      }
      tags.set(name, c.tags);
    }
  }
  const compiled = compileWithTags(documents, context, sql, tags);
  if (!compiled.ok) problems.push(...compiled.problems);
  if (!compiled.ok || problems.length > 0) return { ok: false, problems, results: [] };

  const results: PolicyTestResult[] = [];
  for (const file of files) {
    file.data.tests.forEach((test, i) => {
      const statements = Array.isArray(test.sql) ? test.sql : [undefined];
      for (const statement of statements) {
        let facts: RequestFacts;
        let decision: Decision;
        try {
          facts = {
            connection: test.connection,
            principal: { ...test.principal, clientId: test.principal.clientId ?? test.principal.subject },
            target: statement === undefined ? targetOf(test) : { kind: 'sql', statement, parameters: [] },
            now: new Date(test.at ?? DEFAULT_TIME),
          };
          decision = compiled.policy.decide(facts);
        } catch (err) {
          // A request the test file cannot express (e.g. arguments JSON cannot hold) is a failure, not a crash.
          results.push({ source: file.source.name, line: file.lineOf(i), name: test.name, passed: false, expected: test.expect.effect, actual: `error: ${(err as Error).message}` });
          continue;
        }
        const passed = meets(decision, test.expect);
        results.push({
          source: file.source.name,
          line: file.lineOf(i),
          name: statement === undefined ? test.name : `${test.name}: ${oneLine(statement)}`,
          passed,
          expected: `${test.expect.effect}${test.expect.reasons ? ` [${test.expect.reasons.join(', ')}]` : ''}`,
          actual: `${decision.effect} [${decision.reasons.join(', ')}]`,
          ...(passed ? {} : { explanation: compiled.policy.explain(facts) }),
        });
      }
    });
  }
  return { ok: results.length > 0 && results.every((r) => r.passed), problems, results };
}

function oneLine(statement: string): string {
  const line = statement.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

function targetOf(test: z.output<typeof testCase>): Target {
  if (typeof test.sql === 'string') return { kind: 'sql', statement: test.sql, parameters: [] };
  if (test.mcp) return mcpTarget(test.mcp.method, test.mcp.name, test.mcp.arguments);
  const http = test.http!;
  return { kind: 'http', method: http.method, path: http.path, query: http.query, headers: Object.entries(http.headers).map(([name, value]) => ({ name: name.toLowerCase(), value })) };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

function meets(decision: Decision, expect: z.output<typeof testCase>['expect']): boolean {
  if (decision.effect !== expect.effect) return false;
  if (expect.reasons && !sameSet(decision.reasons, expect.reasons)) return false;
  if (expect.maskingProfiles && !sameSet(decision.maskingProfiles, expect.maskingProfiles)) return false;
  if (expect.messageContains && !decision.message.includes(expect.messageContains)) return false;
  return true;
}
