import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';

// The policy managed the way an admin does it: the real CLI with a token from the real dev IdP,
// two policy instances, and the gateway — which had remembered the decision — enforcing the
// change within a second, without any restart.

const env = new E2eEnvironment();
let agentToken: string;
let adminToken: string;

beforeAll(async () => {
  await env.start({ policyInstances: 2, logLevel: 'info' });
  agentToken = await env.token(CLIENTS.agent);
  adminToken = await env.token(CLIENTS.admin);
});
afterAll(() => env.stop());

const NO_REPORTS = `description: Nobody reads reports through the demo API.
rules:
  - id: nobody-reads-reports
    effect: deny
    match: { connections: [demo-http], http: { paths: ["/echo/reports/**"] } }
`;

describe('policy management', () => {
  it('applies a document with the CLI; the gateway enforces it within a second, remembered decisions dropped', async () => {
    // Allowed, and remembered by the gateway (cacheable).
    expect((await env.gateway('/http/demo-http/echo/reports/q1', { token: agentToken })).status).toBe(200);
    expect((await env.gateway('/http/demo-http/echo/reports/q1', { token: agentToken })).status).toBe(200);

    const file = env.writeFile('no-reports.yaml', NO_REPORTS);
    const applied = await env.cli(['policy', 'apply', file], adminToken);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout).toMatch(new RegExp(`^${file}: policy version 2 \\(created, now [0-9a-f]{12}\\)\\n$`));
    const appliedAt = Date.now();

    const refused = await eventually(async () => {
      const res = await env.gateway('/http/demo-http/echo/reports/q1', { token: agentToken });
      return res.status === 403 ? ((await res.json()) as { error: { reasons: string[] } }).error : undefined;
    }, 1000, 'the gateway refusing /reports');
    expect(Date.now() - appliedAt).toBeLessThan(1000);
    expect(refused.reasons).toEqual(['rule:nobody-reads-reports']);

    const listed = await env.cli(['policy', 'list'], adminToken);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^policy version 2: 2 document\(s\), 6 rule\(s\)/);
    expect(listed.stdout).toMatch(/\nno-reports\.yaml +2 +[0-9a-f]{12} +api +demo-admin /);
  });

  it('refuses a broken document with every problem at its file, and the gateway keeps the policy in force', async () => {
    const file = env.writeFile('broken.yaml', 'rules:\n  - id: broken\n    effect: permit\n  - id: typo\n    effect: allow\n    match: { http: { metods: [GET] } }\n');
    const refused = await env.cli(['policy', 'apply', file], adminToken);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')).toEqual([
      `${file}:3:13: rules.0.effect: Invalid enum value. Expected 'allow' | 'deny' | 'require_approval', received 'permit'`,
      `${file}:6:22: rules.1.match.http: unknown key "metods"`,
      `error: ${file} refused: the policy would not compile (2 problem(s)); nothing was changed`,
      '',
    ]);
    expect((await env.gateway('/http/demo-http/echo', { token: agentToken })).status).toBe(200);
    expect((await env.cli(['policy', 'list'], adminToken)).stdout).toMatch(/^policy version 2:/);
  });

  it('explains a decision rule by rule', async () => {
    const explained = await env.cli(['policy', 'explain', '--connection', 'demo-http', '--subject', 'demo-agent', '--groups', 'agents', '--http', 'GET /echo/reports/q1'], adminToken);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/^deny — /);
    expect(explained.stdout).toMatch(/\nnobody-reads-reports +no-reports\.yaml +deny +yes /);
    expect(explained.stdout).toMatch(/\nagents-read-demo-http +portcullis\.yaml +allow +yes /);
  });

  it('lets only admins manage the policy', async () => {
    const denied = await env.cli(['policy', 'list'], agentToken);
    expect(denied).toMatchObject({ code: 1, stdout: '' });
    expect(denied.stderr).toBe("error: the token is not a policy admin's (a principal in policy.adminGroups) (NOT_POLICY_ADMIN)\n");
    const forged = await env.cli(['policy', 'delete', 'no-reports.yaml'], `${adminToken.slice(0, -4)}AAAA`);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/\(SIGNATURE_INVALID\)\n$/);
  });

  it('deletes the document: the gateway allows the reports again', async () => {
    const deleted = await env.cli(['policy', 'delete', 'no-reports.yaml'], adminToken);
    expect(deleted).toMatchObject({ code: 0, stdout: 'no-reports.yaml: deleted, policy version 3\n' });
    await eventually(async () => ((await env.gateway('/http/demo-http/echo/reports/q1', { token: agentToken })).status === 200 ? true : undefined), 1000, 'the gateway allowing /reports again');
  });

  it('records every change in the audit log, with who changed what', async () => {
    const changes = await eventually(async () => {
      const { rows: current } = await env.sql().query(`select event_json from audit.events where type = 'policy.changed' and event_json->'policyChanged'->>'cause' = 'POLICY_CHANGE_CAUSE_CHANGE' order by seq`);
      return current.length === 3 ? current.map((r) => r.event_json.policyChanged) : undefined;
    }, 5000, 'three recorded revisions');
    expect(changes.map((c: { policyVersion: string; changedBy: string; changes: { name: string; action: string }[] }) => [c.policyVersion, c.changedBy, c.changes.map((d) => `${d.action} ${d.name}`)])).toEqual([
      ['1', expect.stringMatching(/^config:.*portcullis\.yaml$/), ['POLICY_DOCUMENT_ACTION_PUT portcullis.yaml']],
      ['2', 'demo-admin', ['POLICY_DOCUMENT_ACTION_PUT no-reports.yaml']],
      ['3', 'demo-admin', ['POLICY_DOCUMENT_ACTION_DELETE no-reports.yaml']],
    ]);
  });
});
