import { mcpTarget, type Target } from '@portcullis/request-model';
import { SqlAnalyzer } from '@portcullis/sql-analysis';
import { beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, formatProblem, policiesSection, runPolicyTests, type CompiledPolicy, type PolicyContext, type PrincipalFacts, type RequestFacts } from './index.js';

let sql: SqlAnalyzer;
beforeAll(async () => {
  sql = await SqlAnalyzer.create();
});

const context: PolicyContext = {
  connections: new Map([
    ['api', { tags: ['prod', 'eu'] }],
    ['tools', { tags: ['prod'] }],
    ['staging', { tags: [] }],
  ]),
  maskingProfiles: new Set(['default', 'pii']),
};

function compile(text: string, ctx: PolicyContext = context): CompiledPolicy {
  const result = compilePolicy([{ name: 'test.yaml', text, format: 'document' }], ctx, sql);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.policy;
}

function problems(text: string, ctx: PolicyContext = context): string[] {
  const result = compilePolicy([{ name: 'bad.yaml', text, format: 'document' }], ctx, sql);
  return result.ok ? [] : result.problems.map(formatProblem);
}

const agent: PrincipalFacts = { subject: 'agent-1', clientId: 'demo-agent', issuer: 'https://idp', kind: 'machine', groups: ['agents'], scopes: ['read'], claims: { tenant: 'acme', level: 3 } };

function facts(target: Target, overrides: Partial<RequestFacts> = {}): RequestFacts {
  return { connection: 'api', principal: agent, target, now: new Date('2026-12-02T10:00:00Z'), ...overrides };
}
const http = (method: string, path: string, query = '', headers: { name: string; value: string }[] = []): Target => ({ kind: 'http', method, path, query, headers });
const call = (name: string, args?: unknown) => mcpTarget('tools/call', name, args);

describe('documents', () => {
  it('reports every problem at once, each with file, line and column', () => {
    const found = problems(`rules:
  - id: ok
    effect: allow
  - id: Bad Id
    effect: permit
    match:
      http: { metods: [GET] }
  - id: ok
    effect: require_approval
`);
    expect(found).toEqual([
      'bad.yaml:4:9: rules.1.id: must be a lowercase id (it is quoted in every decision)',
      expect.stringMatching(/^bad\.yaml:5:13: rules\.1\.effect: Invalid enum value/),
      'bad.yaml:7:15: rules.1.match.http: unknown key "metods"',
      'bad.yaml:8:5: rules.2.approval: require_approval needs approval.approverGroups',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problems('rules:\n  - id: a\n   effect: allow\n')[0]).toMatch(/^bad\.yaml:3:\d+: YAML: /);
  });

  it('refuses duplicate ids across documents, unknown connections, masking profiles and bad CEL', () => {
    const result = compilePolicy(
      [
        { name: 'a.yaml', text: 'rules:\n  - { id: x, effect: allow, match: { connections: [nope] } }\n', format: 'document' },
        { name: 'b.yaml', text: 'rules:\n  - id: x\n    effect: allow\n    maskingProfile: missing\n    when: "principal.subject =="\n', format: 'document' },
      ],
      context,
      sql,
    );
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.problems.map(formatProblem);
    expect(lines).toEqual([
      'a.yaml:2:52: rules.0.match.connections.0: unknown connection "nope"',
      'b.yaml:2:9: rules.0.id: duplicate rule id "x" (first defined in a.yaml:2)',
      'b.yaml:4:21: rules.0.maskingProfile: unknown masking profile "missing"',
      expect.stringMatching(/^b\.yaml:5:11: rules\.0\.when: CEL: /),
    ]);
  });

  it('reads the policies section of portcullis.yaml, ignoring the other sections', () => {
    const result = compilePolicy([{ name: 'portcullis.yaml', text: 'connections: [whatever]\npolicies:\n  - { id: a, effect: allow }\n', format: 'config' }], {}, sql);
    expect(result.ok && result.policy.ruleCount).toBe(1);
    const bad = compilePolicy([{ name: 'portcullis.yaml', text: 'policies:\n  - { id: a, effect: maybe }\n', format: 'config' }], {}, sql);
    expect(bad.ok ? [] : bad.problems.map(formatProblem)).toEqual([expect.stringMatching(/^portcullis\.yaml:2:22: policies\.0\.effect: /)]);
  });

  it('refuses rules on headers the gateway never sends policy', () => {
    const ctx: PolicyContext = { connections: new Map([['api', { tags: [], decisionHeaders: ['content-type'] }], ['web', { tags: [], decisionHeaders: ['x-tenant'] }]]) };
    expect(problems('rules:\n  - { id: a, effect: allow, match: { connections: [api], http: { headers: { x-tenant: acme } } } }\n', ctx)).toEqual([
      expect.stringMatching(/rules\.0\.match\.http\.headers\.x-tenant: header "x-tenant" is not sent to policy by api: add it to connections\[\]\.decisionHeaders/),
    ]);
    expect(problems('rules:\n  - { id: a, effect: allow, match: { http: { headers: { x-tenant: acme } } } }\n', ctx)).toEqual([]);
    expect(problems('rules:\n  - { id: a, effect: allow, match: { http: { headers: { x-other: acme } } } }\n', ctx)[0]).toMatch(/not sent to policy by any connection/);
  });

  it('refuses statement kinds that do not exist, globs included', () => {
    expect(problems('rules:\n  - { id: a, effect: deny, match: { sql: { statements: [dorp_table, "drop_*", "nothing_*"] } } }\n')).toEqual([
      'bad.yaml:2:57: rules.0.match.sql.statements.0: "dorp_table" matches no statement kind (see docs/policy.md: select, insert, drop_table, copy_to_program, …)',
      expect.stringMatching(/statements\.2: "nothing_\*" matches no statement kind/),
    ]);
  });

  it('refuses rules that could never match', () => {
    expect(problems('rules:\n  - { id: a, effect: allow, match: { http: {}, sql: {} } }\n')[0]).toMatch(/states http and sql conditions/);
    expect(problems('rules:\n  - { id: a, effect: allow, match: { protocols: [mcp], http: {} } }\n')[0]).toMatch(/could never match/);
    expect(problems('rules:\n  - { id: a, effect: allow, match: { mcp: { tools: [x], prompts: [y] } } }\n')[0]).toMatch(/names tools and prompts/);
  });

  it('gives the same digest for the same sources in any order', () => {
    const a = { name: 'a.yaml', text: 'rules: []\n', format: 'document' as const };
    const b = { name: 'b.yaml', text: 'rules: [{ id: b, effect: allow }]\n', format: 'document' as const };
    const one = compilePolicy([a, b], {}, sql);
    const two = compilePolicy([b, a], {}, sql);
    expect(one.ok && two.ok && one.policy.digest === two.policy.digest).toBe(true);
  });
});

describe('effects', () => {
  const policy = () =>
    compile(`rules:
  - { id: read, description: agents read, effect: allow, match: { groups: [agents], http: { methods: [GET] } }, maskingProfile: default }
  - id: write
    effect: require_approval
    match: { groups: [agents], http: { methods: [POST, GET] } }
    approval: { approverGroups: [ops, sec], minApprovals: 2, timeout: 10m, grant: 15m }
    maskingProfiles: [pii]
  - id: write-too
    effect: require_approval
    match: { http: { methods: [POST] } }
    approval: { approverGroups: [sec], timeout: 2m }
  - { id: no-admin, effect: deny, match: { http: { paths: ["/admin/**"] } } }
`);

  it('deny beats require_approval beats allow, and every matched rule masks', () => {
    const p = policy();
    expect(p.decide(facts(http('GET', '/x')))).toMatchObject({ effect: 'require_approval', reasons: ['rule:write'], maskingProfiles: ['default', 'pii'] });
    expect(p.decide(facts(http('GET', '/admin/users')))).toMatchObject({ effect: 'deny', reasons: ['rule:no-admin'], message: 'denied by rule "no-admin"', maskingProfiles: [] });
    expect(p.decide(facts(http('DELETE', '/x')))).toMatchObject({ effect: 'deny', reasons: ['default-deny'], message: 'denied: no rule allows this request (default deny)' });
  });

  it('combines approval rules: common groups, most approvals, shortest timeout, a grant only if all give one', () => {
    const d = policy().decide(facts(http('POST', '/x')));
    expect(d).toMatchObject({ effect: 'require_approval', reasons: ['rule:write', 'rule:write-too'] });
    expect(d.approval).toEqual({ approverGroups: ['sec'], minApprovals: 2, timeoutMs: 120_000 });
    expect(policy().decide(facts(http('GET', '/x'))).approval).toEqual({ approverGroups: ['ops', 'sec'], minApprovals: 2, timeoutMs: 600_000, grantMs: 900_000 });
  });

  it('denies when approval rules share no approver group', () => {
    const p = compile(`rules:
  - { id: a, effect: require_approval, approval: { approverGroups: [x] } }
  - { id: b, effect: require_approval, approval: { approverGroups: [y] } }
`);
    expect(p.decide(facts(http('GET', '/')))).toMatchObject({ effect: 'deny', reasons: ['rule:a', 'rule:b', 'conflicting-approvers'] });
  });

  it('names the rule and its description in the message', () => {
    expect(policy().decide(facts(http('HEAD', '/x'), { principal: { ...agent, groups: ['agents'] } })).message).toBe('needs approval by rule "write"');
    const p = compile('rules:\n  - { id: r, description: agents read, effect: allow }\n');
    expect(p.decide(facts(http('GET', '/'))).message).toBe('allowed by rule "r" (agents read)');
  });
});

describe('principal and connection', () => {
  const p = () =>
    compile(`rules:
  - { id: by-client, effect: allow, match: { principal: { clientIds: [demo-*], kinds: [machine] } } }
  - { id: all-groups, effect: allow, match: { principal: { groups: { all: [agents, writers] } } } }
  - { id: scopes, effect: allow, match: { principal: { scopes: [admin] } } }
  - { id: claims, effect: allow, match: { principal: { claims: { tenant: acme, level: { gte: 3 } } } } }
  - { id: tags, effect: allow, match: { connection: { tags: { all: [prod, eu] } } } }
  - { id: subject, effect: allow, match: { subjects: [agent-*], protocols: [mcp] } }
`);

  function winners(principal: Partial<PrincipalFacts>, connection = 'staging', target: Target = http('GET', '/')) {
    return p().decide(facts(target, { connection, principal: { ...agent, ...principal } })).reasons;
  }

  it('matches client ids by glob and kinds', () => {
    expect(winners({ groups: [], scopes: [], claims: {} })).toEqual(['rule:by-client']);
    expect(winners({ clientId: 'other', kind: 'human', groups: [], scopes: [], claims: {} })).toEqual(['default-deny']);
  });

  it('groups all:, scopes, claims with predicates', () => {
    const none = { clientId: 'x', groups: [], scopes: [], claims: {} };
    expect(winners({ ...none, groups: ['agents', 'writers'] })).toEqual(['rule:all-groups']);
    expect(winners({ ...none, groups: ['agents'] })).toEqual(['default-deny']);
    expect(winners({ ...none, scopes: ['read', 'admin'] })).toEqual(['rule:scopes']);
    expect(winners({ ...none, claims: { tenant: 'acme', level: 3 } })).toEqual(['rule:claims']);
    expect(winners({ ...none, claims: { tenant: 'acme', level: 2 } })).toEqual(['default-deny']);
    expect(winners({ ...none, claims: { tenant: 'acme' } })).toEqual(['default-deny']);
  });

  it('connection tags and protocols', () => {
    const none = { clientId: 'x', subject: 'svc', groups: [], scopes: [], claims: {} };
    expect(winners(none, 'api')).toEqual(['rule:tags']);
    expect(winners(none, 'tools')).toEqual(['default-deny']);
    expect(winners({ ...none, subject: 'agent-7' }, 'staging', call('x'))).toEqual(['rule:subject']);
    expect(winners({ ...none, subject: 'agent-7' }, 'staging', http('GET', '/'))).toEqual(['default-deny']);
  });
});

describe('HTTP', () => {
  const p = () =>
    compile(`rules:
  - id: search
    effect: allow
    match: { http: { methods: [GET], paths: ["/search"], query: { limit: { lte: 100 }, q: { exists: true } }, headers: { content-type: { glob: "application/json*" } } } }
  - { id: no-debug, effect: deny, match: { http: { query: { debug: { exists: true } } } } }
`);

  it('matches query parameters and headers', () => {
    const json = [{ name: 'content-type', value: 'application/json; charset=utf-8' }];
    expect(p().decide(facts(http('GET', '/search', 'q=x&limit=10', json))).effect).toBe('allow');
    expect(p().decide(facts(http('GET', '/search', 'q=x&limit=500', json))).effect).toBe('deny');
    expect(p().decide(facts(http('GET', '/search', 'limit=10', json))).effect).toBe('deny');
    expect(p().decide(facts(http('GET', '/search', 'q=x&limit=10'))).effect).toBe('deny');
    expect(p().decide(facts(http('GET', '/search', 'q=x&limit=10&debug', json))).reasons).toEqual(['rule:no-debug']);
  });

  it('a parameter given twice must pass every time for an allow rule', () => {
    const json = [{ name: 'content-type', value: 'application/json' }];
    expect(p().decide(facts(http('GET', '/search', 'q=x&limit=10&limit=5000', json))).effect).toBe('deny');
  });
});

describe('MCP', () => {
  const p = () =>
    compile(`rules:
  - { id: query-analytics, effect: allow, match: { mcp: { tools: [run_query], arguments: { database: analytics } } } }
  - id: big-transfer
    effect: require_approval
    match: { mcp: { tools: [transfer], arguments: { amount: { gt: 1000 } } } }
    approval: { approverGroups: [finance] }
  - { id: transfer, effect: allow, match: { mcp: { tools: [transfer] } } }
  - { id: no-secrets, effect: deny, match: { mcp: { tools: ["fs.*"], arguments: { "paths[*]": { glob: "/etc/*" } } } } }
  - { id: fs, effect: allow, match: { mcp: { tools: ["fs.*"], arguments: { "paths[*]": { glob: "/data/*" }, paths: { length: { lte: 3 } } } } } }
  - { id: prompts, effect: allow, match: { mcp: { methods: [prompts/get], prompts: [summar*] } } }
  - { id: lists, effect: allow, match: { mcp: { methods: ["*/list"] } } }
  - { id: mode, effect: allow, match: { mcp: { tools: [mode], arguments: { mode: { oneOf: [fast, safe] }, force: { exists: false } } } } }
`);

  const decide = (target: Target) => p().decide(facts(target, { connection: 'tools' }));

  it('allows run_query only on the analytics database', () => {
    expect(decide(call('run_query', { database: 'analytics', sql: 'select 1' })).reasons).toEqual(['rule:query-analytics']);
    expect(decide(call('run_query', { database: 'billing' })).effect).toBe('deny');
    expect(decide(call('run_query')).effect).toBe('deny');
  });

  it('holds a transfer above 1000, including when the amount is a numeric string', () => {
    expect(decide(call('transfer', { amount: 1500 })).effect).toBe('require_approval');
    expect(decide(call('transfer', { amount: '1500' })).effect).toBe('require_approval');
    expect(decide(call('transfer', { amount: 1.5e3 })).effect).toBe('require_approval');
    expect(decide(call('transfer', { amount: 999 })).reasons).toEqual(['rule:transfer']);
  });

  it('reads [*] as any element for deny rules and every element for allow rules', () => {
    expect(decide(call('fs.read', { paths: ['/data/a', '/etc/passwd'] })).reasons).toEqual(['rule:no-secrets']);
    expect(decide(call('fs.read', { paths: ['/data/a', '/home/x'] })).effect).toBe('deny');
    expect(decide(call('fs.read', { paths: ['/data/a', '/data/b'] })).reasons).toEqual(['rule:fs']);
    expect(decide(call('fs.read', { paths: ['/data/a', '/data/b', '/data/c', '/data/d'] })).effect).toBe('deny');
  });

  it('matches methods, prompt names, oneOf and exists: false', () => {
    expect(decide(mcpTarget('prompts/get', 'summarize', {})).reasons).toEqual(['rule:prompts']);
    expect(decide(mcpTarget('tools/call', 'summarize', {})).effect).toBe('deny');
    expect(decide(mcpTarget('tools/list', '', undefined)).reasons).toEqual(['rule:lists']);
    expect(decide(call('mode', { mode: 'fast' })).effect).toBe('allow');
    expect(decide(call('mode', { mode: 'fast', force: true })).effect).toBe('deny');
    expect(decide(call('mode', { mode: 'yolo' })).effect).toBe('deny');
  });

  it('denies arguments that are not JSON', () => {
    expect(decide({ kind: 'mcp', method: 'tools/call', name: 'transfer', argumentsJson: '{not json' })).toMatchObject({ effect: 'deny', reasons: ['invalid-arguments'] });
  });
});

describe('CEL', () => {
  it('matches on time and principal, and is never cacheable', () => {
    const p = compile(`rules:
  - { id: office-hours, effect: allow, when: 'now.getHours("UTC") >= 9 && now.getHours("UTC") < 18 && principal.claims.tenant == "acme"' }
`);
    expect(p.decide(facts(http('GET', '/')))).toMatchObject({ effect: 'allow', cacheable: false });
    expect(p.decide(facts(http('GET', '/'), { now: new Date('2026-12-02T20:00:00Z') })).effect).toBe('deny');
  });

  it('denies with the error as the reason when an expression fails', () => {
    const p = compile(`rules:
  - { id: broad, effect: allow }
  - { id: flaky, effect: deny, when: 'principal.claims.missing == "x"' }
`);
    const d = p.decide(facts(http('GET', '/')));
    expect(d).toMatchObject({ effect: 'deny', reasons: ['cel-error:flaky'], cacheable: false });
    expect(d.message).toMatch(/rule "flaky" could not be evaluated \(when: No such key: missing/);
  });

  it('refuses expressions that do not yield a boolean', () => {
    expect(problems(`rules:\n  - { id: a, effect: allow, when: '1 + 2' }\n`)[0]).toMatch(/yields int, not bool/);
  });

  it('sees MCP arguments and SQL facts', () => {
    const p = compile(`rules:
  - { id: small, effect: allow, match: { protocols: [mcp] }, when: 'request.mcp.arguments.amount < 10' }
  - { id: reads, effect: allow, match: { protocols: [sql] }, when: 'request.sql.kinds.all(k, k == "select")' }
`);
    expect(p.decide(facts(call('t', { amount: 5 }))).effect).toBe('allow');
    expect(p.decide(facts(call('t', { amount: 50 }))).effect).toBe('deny');
    expect(p.decide(facts({ kind: 'sql', statement: 'select 1', parameters: [] })).effect).toBe('allow');
    expect(p.decide(facts({ kind: 'sql', statement: 'delete from t', parameters: [] })).effect).toBe('deny');
  });
});

describe('cacheable, index and explain', () => {
  it('marks decisions cacheable unless a rule that could apply has a when', () => {
    const p = compile(`rules:
  - { id: a, effect: allow, match: { connections: [api] } }
  - { id: b, effect: allow, match: { connections: [tools] }, when: 'true' }
`);
    expect(p.decide(facts(http('GET', '/'))).cacheable).toBe(true);
    expect(p.decide(facts(http('GET', '/'), { connection: 'tools' })).cacheable).toBe(false);
  });

  it('explains every rule, matched or not, and why', () => {
    const p = compile(`rules:
  - { id: other-connection, effect: allow, match: { connections: [tools] } }
  - { id: get-only, effect: allow, match: { http: { methods: [GET] } } }
  - { id: no-admin, effect: deny, match: { http: { paths: ["/admin/**"] } } }
`);
    const e = p.explain(facts(http('POST', '/admin/x')));
    expect(e.decision.reasons).toEqual(['rule:no-admin']);
    expect(e.rules).toEqual([
      { id: 'other-connection', source: 'test.yaml', effect: 'allow', matched: false, because: 'connection "api" is not tools' },
      { id: 'get-only', source: 'test.yaml', effect: 'allow', matched: false, because: 'method POST is not GET' },
      { id: 'no-admin', source: 'test.yaml', effect: 'deny', matched: true, because: 'every condition holds' },
    ]);
  });

  it('decides the same with the index as a full scan, over many rules', () => {
    const groups = (i: number) => (i % 4 === 0 ? '' : i % 4 === 1 ? `groups: [g${i % 5}], ` : i % 4 === 2 ? `principal: { groups: [g${i % 3}, g${i % 5}] }, ` : `principal: { groups: { all: [g${i % 3}] } }, `);
    const rules = Array.from({ length: 300 }, (_, i) => `  - { id: r${i}, effect: ${i % 7 === 0 ? 'deny' : 'allow'}, match: { ${groups(i)}connections: [c${i % 10}], http: { methods: [${i % 2 ? 'GET' : 'POST'}], paths: ["/p${i % 13}/**"] } } }`);
    const p = compile(`rules:\n${rules.join('\n')}\n`, {});
    for (let i = 0; i < 400; i++) {
      const principal = { ...agent, groups: [`g${i % 5}`, `g${i % 3}`, 'other'].slice(0, i % 4) };
      const f = facts(http(i % 3 ? 'GET' : 'POST', `/p${i % 13}/x`), { connection: `c${i % 11}`, principal });
      expect(p.decide(f)).toEqual(p.explain(f).decision);
    }
  });
});

describe('policy tests', () => {
  const documents = [{ name: 'p.yaml', text: 'rules:\n  - { id: read, effect: allow, match: { http: { methods: [GET] }, connection: { tags: [prod] } } }\n', format: 'document' as const }];

  it('passes and fails tests, with explanations for failures', () => {
    const report = runPolicyTests(
      documents,
      [
        {
          name: 'p.test.yaml',
          format: 'document',
          text: `connections:
  api: { tags: [prod] }
tests:
  - name: reads are allowed
    connection: api
    principal: { subject: a }
    http: { method: GET, path: /x }
    expect: { effect: allow, reasons: [rule:read] }
  - name: wrongly expects writes
    connection: api
    principal: { subject: a }
    http: { method: POST, path: /x }
    expect: { effect: allow }
`,
        },
      ],
      sql,
    );
    expect(report.ok).toBe(false);
    expect(report.results.map((r) => [r.name, r.line, r.passed, r.actual])).toEqual([
      ['reads are allowed', 4, true, 'allow [rule:read]'],
      ['wrongly expects writes', 9, false, 'deny [default-deny]'],
    ]);
    expect(report.results[1]!.explanation!.rules[0]!.because).toBe('method POST is not GET');
  });

  it('reports broken test files and documents with their position', () => {
    const report = runPolicyTests(
      [{ name: 'bad.yaml', text: 'rules:\n  - { id: a, effect: nope }\n', format: 'document' }],
      [{ name: 'x.test.yaml', text: 'tests:\n  - name: t\n    connection: c\n    principal: { subject: s }\n    expect: { effect: allow }\n', format: 'document' }],
      sql,
    );
    expect(report.ok).toBe(false);
    expect(report.problems.map(formatProblem)).toEqual([expect.stringMatching(/^x\.test\.yaml:2:5: tests\.0: states exactly one of http, mcp or sql/), expect.stringMatching(/^bad\.yaml:2:22: rules\.0\.effect/)]);
  });
});

describe('the policies section of portcullis.yaml', () => {
  it('keeps only the policies, at the same lines and columns', () => {
    const config = 'devIdp:\n  clients:\n    - { clientId: a, secret: very-secret-value }\npolicies:\n  - { id: a, effect: maybe }\naudit: { readerGroups: [x] }\n';
    const section = policiesSection(config);
    expect(section).toBe('\n\n\npolicies:\n  - { id: a, effect: maybe }\n\n');
    const bad = compilePolicy([{ name: 'portcullis.yaml', text: section, format: 'config' }], {}, sql);
    expect(bad.ok ? [] : bad.problems.map(formatProblem)).toEqual([expect.stringMatching(/^portcullis\.yaml:5:22: policies\.0\.effect/)]);
  });
});

describe('found by a hostile review', () => {
  const sqlTarget = (statement: string): Target => ({ kind: 'sql', statement, parameters: [] });

  it('functions called in attribute notation are functions', () => {
    const p = compile('rules:\n  - { id: all, effect: allow }\n  - { id: files, effect: deny, match: { sql: { functions: [pg_read_file, to_json] } } }\n');
    for (const statement of ["select ('/etc/hostname'::text).pg_read_file", 'select u.to_json from users u']) {
      expect(p.decide(facts(sqlTarget(statement))).reasons).toEqual(['rule:files']);
    }
  });

  it('columns renamed by a FROM alias, or compared by USING, are still seen', () => {
    const p = compile('rules:\n  - { id: all, effect: allow }\n  - { id: ssn, effect: deny, match: { sql: { columns: [ssn] } } }\n');
    expect(p.decide(facts(sqlTarget('select b from users x(a, b)'))).reasons).toEqual(['rule:ssn']);
    expect(p.decide(facts(sqlTarget('select count(*) from users join v using (ssn)'))).reasons).toEqual(['rule:ssn']);
  });

  it('an allow on table.column judges each column by its own table', () => {
    const p = compile('rules:\n  - { id: orders, effect: allow, match: { sql: { columns: ["orders.*"] } } }\n');
    expect(p.decide(facts(sqlTarget('select o.total from orders o'))).effect).toBe('allow');
    expect(p.decide(facts(sqlTarget('select u.email from orders, hr.users u'))).effect).toBe('deny');
    expect(p.decide(facts(sqlTarget('select email from orders, users'))).effect).toBe('deny');
  });

  it('escaped reserved characters in a path meet a deny glob written with them', () => {
    const p = compile('rules:\n  - { id: all, effect: allow }\n  - { id: no, effect: deny, match: { http: { paths: ["/v1/*/*:delete", "/users/@me/**", "/a,b"] } } }\n');
    for (const path of ['/v1/things/x%3Adelete', '/v1/things/x:delete', '/users/%40me/keys', '/a%2Cb']) expect(p.decide(facts(http('GET', path))).reasons).toEqual(['rule:no']);
  });

  it('[*] in an allow rule fails on elements without the tested shape', () => {
    const p = compile('rules:\n  - { id: corp, effect: allow, match: { mcp: { tools: [send], arguments: { "to[*].email": { glob: "*@corp.com" } } } } }\n');
    expect(p.decide(facts(call('send', { to: [{ email: 'a@corp.com' }] }))).effect).toBe('allow');
    expect(p.decide(facts(call('send', { to: [{ email: 'a@corp.com' }, 'x@evil.com'] }))).effect).toBe('deny');
    expect(p.decide(facts(call('send', { to: [{ email: 'a@corp.com' }, { Email: 'x@evil.com' }] }))).effect).toBe('deny');
  });

  it('deny rules on tool names ignore case; allow rules do not', () => {
    const p = compile('rules:\n  - { id: read, effect: allow, match: { mcp: { tools: ["search*"] } } }\n  - { id: no-delete, effect: deny, match: { mcp: { tools: ["*delete*"] } } }\n');
    expect(p.decide(facts(call('searchAndDelete'))).reasons).toEqual(['rule:no-delete']);
    expect(p.decide(facts(call('SEARCH_x'))).effect).toBe('deny');
  });

  it('CEL sees every value of a repeated header', () => {
    const p = compile(`rules:\n  - { id: all, effect: allow }\n  - { id: other, effect: deny, match: { protocols: [http] }, when: 'request.http.headers["x-tenant"].exists(v, v == "other")' }\n`);
    expect(p.decide(facts(http('GET', '/', '', [{ name: 'x-tenant', value: 'other' }, { name: 'x-tenant', value: 'mine' }]))).reasons).toEqual(['rule:other']);
  });

  it('a group name holding NUL cannot alias another principal’s groups in the index', () => {
    const p = compile('rules:\n  - { id: staff, effect: allow, match: { groups: [staff] } }\n  - { id: no-contractors, effect: deny, match: { groups: [contractors] } }\n');
    p.decide(facts(http('GET', '/'), { principal: { ...agent, groups: ['staff\u0000contractors'] } }));
    expect(p.decide(facts(http('GET', '/'), { principal: { ...agent, groups: ['staff', 'contractors'] } })).reasons).toEqual(['rule:no-contractors']);
  });

  it('refuses NUL characters and unpaired surrogates, which PostgreSQL cannot store', () => {
    expect(problems('rules: []\n# a\u0000b\n')).toEqual(['bad.yaml:2:4: the text holds a NUL character or an unpaired surrogate']);
    expect(problems('rules: []\n# \ud800\n')[0]).toMatch(/unpaired surrogate/);
  });

  it('refuses the key __proto__, which would vanish from a predicate', () => {
    expect(problems('rules:\n  - { id: a, effect: allow, match: { mcp: { arguments: { __proto__: 1 } } } }\n')).toEqual([expect.stringMatching(/^bad\.yaml:2:58: the key "__proto__" is not allowed/)]);
  });

  it('policy tests report a request they cannot express as a failure, and tags that contradict the config', () => {
    const documents = [{ name: 'p.yaml', text: 'rules:\n  - { id: a, effect: allow }\n', format: 'document' as const }];
    const inf = runPolicyTests(documents, [{ name: 't.test.yaml', format: 'document', text: 'tests:\n  - { name: inf, connection: c, principal: { subject: s }, mcp: { method: tools/call, name: t, arguments: { x: .inf } }, expect: { effect: allow } }\n' }], sql);
    expect(inf.ok).toBe(false);
    expect(inf.results[0]).toMatchObject({ passed: false, actual: expect.stringMatching(/^error: /) });
    const tags = runPolicyTests(documents, [{ name: 't.test.yaml', format: 'document', text: 'connections: { api: { tags: [dev] } }\ntests:\n  - { name: t, connection: api, principal: { subject: s }, sql: select 1, expect: { effect: allow } }\n' }], sql, context);
    expect(tags.problems.map(formatProblem)).toEqual([expect.stringMatching(/connection "api" has tags \[prod, eu\] in the config, not \[dev\]/)]);
  });
});
