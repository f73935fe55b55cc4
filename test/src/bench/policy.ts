// In-process policy evaluation: how long one decision takes with 10, 100 and 1,000 rules, and how
// long the SQL analyser takes per statement. This is a function call, not a network hop, so it is
// timed in process (each call with hrtime), after a warm-up that lets V8 optimise.
import { compilePolicy, type CompiledPolicy, type RequestFacts } from '@portcullis/policy-language';
import { mcpTarget, type Target } from '@portcullis/request-model';
import { SqlAnalyzer } from '@portcullis/sql-analysis';
import { us } from './report-format.js';
import { percentile } from './stats.js';

export interface EvaluationFigure {
  readonly rules: number;
  readonly protocol: 'http' | 'mcp' | 'sql';
  readonly samples: number;
  /** Microseconds. */
  readonly p50: number;
  readonly p99: number;
}

export interface SqlFigure {
  readonly statement: string;
  /** Microseconds per analysis without the cache (a parse every time) and with it. */
  readonly uncachedP50: number;
  readonly uncachedP99: number;
  readonly cachedP50: number;
}

export interface PolicyBench {
  readonly evaluation: readonly EvaluationFigure[];
  readonly sql: readonly SqlFigure[];
}

const CONNECTIONS = 20;
const SAMPLES = 20_000;
const WARMUP = 5_000;

/**
 * A rule set shaped like a real one: most rules scoped to one connection and protocol, with
 * groups, paths, tools with argument predicates and SQL kinds; a few global denies.
 */
function ruleSet(count: number): string {
  const rules: string[] = [];
  for (let i = 0; i < count; i++) {
    const connection = `c${i % CONNECTIONS}`;
    const effect = i % 9 === 0 ? 'deny' : i % 5 === 0 ? 'require_approval' : 'allow';
    const approval = effect === 'require_approval' ? ', approval: { approverGroups: [ops] }' : '';
    const group = `g${i % 7}`;
    let match: string;
    if (i % 50 === 49) match = `{ sql: { functions: [fn_${i}, "lo_*"] } }`;
    else if (i % 3 === 0) match = `{ connections: [${connection}], principal: { groups: [${group}] }, http: { methods: [GET, POST], paths: ["/api/v${i % 4}/**", "/items/*/detail"] } }`;
    else if (i % 3 === 1) match = `{ connections: [${connection}], principal: { groups: [${group}] }, mcp: { tools: ["tool_${i % 40}*"], arguments: { database: { oneOf: [analytics, reporting] }, limit: { lte: 1000 } } } }`;
    else match = `{ connections: [${connection}], principal: { groups: [${group}] }, sql: { statements: [select, show, explain], tables: ["sales.*", "crm.customers"] } }`;
    rules.push(`  - { id: r${i}, effect: ${effect}, match: ${match}${approval} }`);
  }
  return `rules:\n${rules.join('\n')}\n`;
}

function requests(protocol: EvaluationFigure['protocol']): RequestFacts[] {
  const out: RequestFacts[] = [];
  for (let i = 0; i < 64; i++) {
    const principal = { subject: `agent-${i}`, clientId: `agent-${i}`, issuer: 'https://idp', kind: 'machine', groups: [`g${i % 7}`, 'agents'], scopes: [], claims: {} };
    let target: Target;
    if (protocol === 'http') target = { kind: 'http', method: i % 2 ? 'GET' : 'POST', path: `/api/v${i % 4}/orders/${i}`, query: 'limit=10', headers: [] };
    else if (protocol === 'mcp') target = mcpTarget('tools/call', `tool_${i % 40}_x`, { database: 'analytics', limit: 100, q: `query ${i}` });
    else target = { kind: 'sql', statement: `select id, total from sales.orders o join crm.customers c on c.id = o.customer_id where o.id = ${i % 8}`, parameters: [] };
    out.push({ connection: `c${i % CONNECTIONS}`, principal, target, now: new Date() });
  }
  return out;
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1000;
}

function measureEvaluation(policy: CompiledPolicy, rules: number, protocol: EvaluationFigure['protocol']): EvaluationFigure {
  const facts = requests(protocol);
  for (let i = 0; i < WARMUP; i++) policy.decide(facts[i % facts.length]!);
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const f = facts[i % facts.length]!;
    samples.push(time(() => policy.decide(f)));
  }
  return { rules, protocol, samples: SAMPLES, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const STATEMENTS = [
  'select 1',
  'select id, total from sales.orders where id = 42',
  'select o.id, c.name from sales.orders o join crm.customers c on c.id = o.customer_id where o.total > 100 order by o.id limit 50',
  'with d as (delete from orders where created_at < now() - interval \'1 year\' returning *) insert into archive.orders select * from d',
  'update orders set total = total * 1.1, note = lower(note) where id in (select order_id from refunds where amount > 10)',
];

function measureSql(uncached: SqlAnalyzer, cached: SqlAnalyzer): SqlFigure[] {
  return STATEMENTS.map((statement) => {
    for (let i = 0; i < 500; i++) uncached.analyze(statement);
    const cold: number[] = [];
    for (let i = 0; i < 3000; i++) cold.push(time(() => uncached.analyze(statement)));
    cached.analyze(statement);
    const warm: number[] = [];
    for (let i = 0; i < 3000; i++) warm.push(time(() => cached.analyze(statement)));
    return { statement, uncachedP50: percentile(cold, 50), uncachedP99: percentile(cold, 99), cachedP50: percentile(warm, 50) };
  });
}

export async function measurePolicy(): Promise<PolicyBench> {
  const cached = await SqlAnalyzer.create();
  const uncached = await SqlAnalyzer.create({ cacheSize: 0 });
  const evaluation: EvaluationFigure[] = [];
  for (const rules of [10, 100, 1000]) {
    const compiled = compilePolicy([{ name: `bench-${rules}.yaml`, text: ruleSet(rules), format: 'document' }], {}, cached);
    if (!compiled.ok) throw new Error(`bench rule set does not compile: ${compiled.problems[0]?.message}`);
    for (const protocol of ['http', 'mcp', 'sql'] as const) evaluation.push(measureEvaluation(compiled.policy, rules, protocol));
  }
  return { evaluation, sql: measureSql(uncached, cached) };
}

export function renderPolicySection(bench: PolicyBench): string {
  const p99At1000 = Math.max(...bench.evaluation.filter((e) => e.rules === 1000).map((e) => e.p99));
  return [
    '## Policy evaluation in process',
    '',
    `One \`decide()\` call on a compiled policy, timed call by call (${SAMPLES.toLocaleString('en')} samples per row after ${WARMUP.toLocaleString('en')} warm-up calls), over 64 distinct requests on ${CONNECTIONS} connections. Rules are indexed by connection and protocol; SQL decisions include the analysis, served from the analyser's cache after the first sight of a statement.`,
    '',
    '| rules | protocol | p50 µs | p99 µs |',
    '| ---: | --- | ---: | ---: |',
    ...bench.evaluation.map((e) => `| ${e.rules} | ${e.protocol} | ${us(e.p50)} | ${us(e.p99)} |`),
    '',
    `Budget: p99 ≤ 50 µs at 1,000 rules — ${p99At1000 <= 50 ? 'PASS' : '**MISS**'} (worst protocol ${us(p99At1000)} µs).`,
    '',
    '## SQL analysis per statement',
    '',
    'libpg-query (the PostgreSQL parser, WASM) plus our walk of its tree; "uncached" parses every time, "cached" is a repeat of the same text.',
    '',
    '| statement | uncached p50 µs | uncached p99 µs | cached p50 µs |',
    '| --- | ---: | ---: | ---: |',
    ...bench.sql.map((s) => `| \`${s.statement.length > 70 ? `${s.statement.slice(0, 67)}...` : s.statement}\` | ${us(s.uncachedP50)} | ${us(s.uncachedP99)} | ${us(s.cachedP50)} |`),
    '',
  ].join('\n');
}
