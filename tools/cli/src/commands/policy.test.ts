import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type Clients } from '../run.js';

// `portcullis policy test <dir>` for real: files on disk, the real policy language and SQL
// analyser, no service and no token.

const noServices = new Proxy({}, { get: () => () => { throw new Error('policy test must not call a service'); } }) as Clients;

async function policyTest(files: Record<string, string>, extra: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'policy-test-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['policy', 'test', dir, ...extra], {}, { out: (t) => void out.push(t), err: (t) => void err.push(t), now: () => new Date() }, noServices);
  return { code, out: out.join('\n'), err: err.join('\n'), dir };
}

const RULES = `rules:
  - { id: readers-select, effect: allow, match: { principal: { groups: [sql-readers] }, sql: { statements: [select] } } }
`;
const test = (effect: string) => `tests:
  - name: readers select
    connection: warehouse
    principal: { subject: job, groups: [sql-readers] }
    sql: select * from orders
    expect: { effect: ${effect} }
  - name: others do not
    connection: warehouse
    principal: { subject: job }
    sql: select 1
    expect: { effect: deny, reasons: [default-deny] }
`;

describe('policy test', () => {
  it('passes when every test gets its decision', async () => {
    const result = await policyTest({ 'sql.yaml': RULES, 'sql.test.yaml': test('allow'), 'README.md': '#' });
    expect(result).toMatchObject({ code: 0, out: 'PASS: 2/2 passed', err: '' });
  });

  it('prints each failure with its explanation and exits 1', async () => {
    const result = await policyTest({ 'sql.yaml': RULES, 'sql.test.yaml': test('deny') });
    expect(result.code).toBe(1);
    expect(result.err).toContain(`FAIL ${join(result.dir, 'sql.test.yaml')}:2: readers select\n  expected deny\n  got      allow [rule:readers-select]\n  message  `);
    expect(result.err).toMatch(/\n {4}matched readers-select \(statement 1\): /);
    expect(result.err.endsWith('FAIL: 1/2 passed')).toBe(true);
  });

  it('reports a broken document at its file, line and column, and runs nothing', async () => {
    const result = await policyTest({ 'sql.yaml': 'rules:\n  - id: x\n    effect: permit\n', 'sql.test.yaml': test('allow') });
    expect(result.code).toBe(1);
    expect(result.err).toBe(`${join(result.dir, 'sql.yaml')}:3:13: rules.0.effect: Invalid enum value. Expected 'allow' | 'deny' | 'require_approval', received 'permit'\n\nFAIL: 1 problem(s); no test ran`);
  });

  it('with --config, checks connection names and masking profiles against that portcullis.yaml', async () => {
    const rules = 'rules:\n  - { id: r, effect: allow, match: { connections: [warehouse, nope], groups: [sql-readers] }, maskingProfile: pii }\n';
    const files = { 'sql.yaml': rules, 'sql.test.yaml': test('allow') };
    expect((await policyTest(files)).code).toBe(0);
    const config = join(mkdtempSync(join(tmpdir(), 'policy-config-')), 'portcullis.yaml');
    writeFileSync(config, 'connections: [{ name: warehouse, type: http, upstream: "http://u" }]\n');
    const checked = await policyTest(files, ['--config', config]);
    expect(checked.code).toBe(1);
    expect(checked.err).toContain('unknown connection "nope"');
    expect(checked.err).toContain('unknown masking profile "pii"');
  });
});
