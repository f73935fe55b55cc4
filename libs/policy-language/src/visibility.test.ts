import { SqlAnalyzer } from '@portcullis/sql-analysis';
import { beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, formatProblem, type CompiledPolicy, type ListKind, type PrincipalFacts } from './index.js';

let sql: SqlAnalyzer;
beforeAll(async () => {
  sql = await SqlAnalyzer.create();
});

const agent: PrincipalFacts = { subject: 'agent-1', clientId: 'demo-agent', issuer: 'https://idp', kind: 'machine', groups: ['agents'], scopes: [], claims: {} };
const stranger: PrincipalFacts = { ...agent, subject: 'x', groups: ['others'] };

function compile(text: string): CompiledPolicy {
  const result = compilePolicy([{ name: 'v.yaml', text, format: 'document' }], { connections: new Map([['tools', { tags: ['prod'] }]]), maskingProfiles: new Set() }, sql);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.policy;
}

const POLICY = `
rules:
  - { id: read, effect: allow, match: { groups: [agents], mcp: { tools: ["get_*"] } } }
  - { id: transfer, effect: allow, match: { groups: [agents], mcp: { tools: [transfer], arguments: { amount: { gt: 0 } } } } }
  - { id: big-transfer, effect: require_approval, match: { mcp: { tools: [transfer], arguments: { amount: { gt: 1000 } } } }, approval: { approverGroups: [finance] } }
  - { id: refund, effect: require_approval, match: { groups: [agents], mcp: { tools: [refund] } }, approval: { approverGroups: [finance] } }
  - { id: no-shell, effect: deny, match: { mcp: { tools: ["*shell*"] } } }
  - { id: shell-allowed, effect: allow, match: { groups: [agents], mcp: { tools: [run_shell] } } }
  - { id: no-prod-deletes, effect: deny, match: { mcp: { tools: [delete_row], arguments: { table: prod } } } }
  - { id: deletes, effect: allow, match: { groups: [agents], mcp: { tools: [delete_row] } } }
  - { id: after-hours, effect: allow, match: { groups: [agents], mcp: { tools: [report] } }, when: "request.mcp.arguments.size > 0" }
  - { id: weekend-deny, effect: deny, match: { mcp: { tools: [report_deny] } }, when: "true" }
  - { id: report-deny-allowed, effect: allow, match: { groups: [agents], mcp: { tools: [report_deny] } } }
  - { id: prompts, effect: allow, match: { groups: [agents], mcp: { prompts: ["summarize_*"] } } }
  - { id: resources, effect: allow, match: { groups: [agents], connections: [tools], mcp: { resources: ["customers://*"] } } }
`;

describe('visibility (arguments unknown)', () => {
  const visible = (kind: ListKind, names: string[], principal = agent, connection = 'tools') => Object.fromEntries(compile(POLICY).visibility({ connection, principal, kind, names, now: new Date('2026-12-02T10:00:00Z') }));

  it.each([
    ['an allowed tool', 'get_user', 'callable'],
    ['a tool allowed for some arguments', 'transfer', 'callable'],
    ['a tool that only ever waits for approval', 'refund', 'approval'],
    ['a tool denied whatever its arguments, though an allow matches', 'run_shell', undefined],
    ['a tool denied only for some arguments', 'delete_row', 'callable'],
    ['a tool allowed under a when condition', 'report', 'callable'],
    ['a tool denied under a when condition (not denied for sure)', 'report_deny', 'callable'],
    ['a tool no rule names (default deny)', 'unknown_tool', undefined],
  ])('%s', (_what, name, expected) => {
    expect(visible('tools', [name])[name]).toBe(expected);
  });

  it('shows another principal only what a rule for anyone may grant', () => {
    // big-transfer names no group: anyone may ask approval for a large transfer.
    expect(visible('tools', ['get_user', 'transfer', 'refund'], stranger)).toEqual({ transfer: 'approval' });
  });

  it('answers prompts and resources by their own names', () => {
    expect(visible('prompts', ['summarize_customer', 'get_user'])).toEqual({ summarize_customer: 'callable' });
    expect(visible('resources', ['customers://all', 'orders://1'])).toEqual({ 'customers://all': 'callable' });
    expect(visible('resources', ['customers://all'], agent, 'elsewhere')).toEqual({});
  });

  it('answers many names at once', () => {
    const names = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? `get_${i}` : `shell_${i}`));
    expect(Object.keys(visible('tools', names))).toHaveLength(50);
  });
});
