import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, runPolicyTests, type PolicySource } from '@portcullis/policy-language';
import { SqlAnalyzer } from '@portcullis/sql-analysis';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// The rule packs shipped in policies/ pass their own tests: every SQL, MCP and HTTP case in the
// *.test.yaml files gets the decision it states. (`portcullis policy test policies` runs the same.)
const dir = fileURLToPath(new URL('../../../policies', import.meta.url));

it('the shipped rule packs pass their tests', async () => {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const read = (f: string): PolicySource => ({ name: `policies/${f}`, text: readFileSync(join(dir, f), 'utf8'), format: 'document' });
  const documents = files.filter((f) => !/\.test\.ya?ml$/.test(f)).map(read);
  const tests = files.filter((f) => /\.test\.ya?ml$/.test(f)).map(read);
  expect(documents.length).toBeGreaterThanOrEqual(4);
  const report = runPolicyTests(documents, tests, await SqlAnalyzer.create());
  const failures = report.results
    .filter((r) => !r.passed)
    .map((r) => `${r.source}:${r.line} ${r.name}: expected ${r.expected}, got ${r.actual}\n${r.explanation?.statements?.map((s) => `    kinds ${s.kinds.join(',')} read ${s.tablesRead.join(',')} written ${s.tablesWritten.join(',')} functions ${s.functions.join(',')}${s.unboundedWrite ? ' unbounded' : ''}`).join('\n') ?? ''}`);
  expect(report.problems.map(formatProblem)).toEqual([]);
  expect(failures).toEqual([]);
  expect(report.results.filter((r) => r.source.includes('sql-')).length).toBeGreaterThanOrEqual(150);
});

it('`portcullis policy test policies --config portcullis.yaml` passes, as CI runs it', async () => {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['tools/cli/bin/portcullis.js', 'policy', 'test', 'policies', '--config', 'portcullis.yaml'], { cwd: root });
  expect(stdout).toMatch(/^PASS: (\d+)\/\1 passed$/m);
}, 60_000);
