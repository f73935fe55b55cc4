import { approvalsV1, auditV1, commonV1, identityV1, policyV1 } from '@portcullis/proto-gen';
import { describe, expect, it } from 'vitest';
import type { ApprovalsApi, AuditApi, Endpoint, IdentityApi, PolicyApi } from './clients.js';
import { CallError } from './errors.js';
import type { Local } from './local.js';
import { run, type Clients, type Env } from './run.js';

const TOKEN = 'tok-3f9a7c1e';
const NOW = new Date('2025-06-01T12:00:00.000Z');
/** The dev PKI's default files, as the fake file system holds them. */
const PKI = { '/pki/ca.pem': 'CA PEM', '/pki/cli.pem': 'CLI CERT PEM', '/pki/cli.key': 'CLI KEY PEM' };
const TLS = { ca: Buffer.from('CA PEM'), cert: Buffer.from('CLI CERT PEM'), key: Buffer.from('CLI KEY PEM') };

function harness(overrides: { approvals?: Partial<ApprovalsApi>; audit?: Partial<AuditApi>; policy?: Partial<PolicyApi>; identity?: Partial<IdentityApi>; files?: Record<string, string> } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const endpoints: Endpoint[] = [];
  const calls: string[] = [];
  const clients: Clients = {
    approvals: (endpoint) => {
      endpoints.push(endpoint);
      return {
        listHolds: async (query) => (calls.push(`list ${JSON.stringify(query)}`), approvalsV1.ListHoldsResponse.fromPartial({})),
        approve: async (id) => (calls.push(`approve ${id}`), approvalsV1.Hold.fromPartial({ id, status: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED, release: { forwarded: true } })),
        deny: async (id, reason) => (calls.push(`deny ${id} ${reason}`), approvalsV1.Hold.fromPartial({ id, status: approvalsV1.HoldStatus.HOLD_STATUS_DENIED, resolutionReason: reason })),
        listGrants: async (all) => (calls.push(`grants ${all}`), []),
        revokeGrant: async (id, reason) => (calls.push(`revoke ${id} ${reason}`), approvalsV1.Grant.fromPartial({ id, requesterSubject: 'agent', revokedAt: NOW, revokedBy: 'me', revocationReason: reason })),
        close: () => calls.push('close'),
        ...overrides.approvals,
      };
    },
    audit: (endpoint) => {
      endpoints.push(endpoint);
      return {
        listEvents: async () => [],
        listSessionEvents: async (id) => (calls.push(`session ${id}`), [auditV1.AuditRecord.fromPartial({ seq: 1n, type: 'session.started', sessionId: id, eventJson: '{"sessionStarted":{"protocol":"http"}}' })]),
        verifyChain: async () => auditV1.VerifyChainResponse.fromPartial({ ok: true, records: 3n, headHash: 'cafe' }),
        close: () => calls.push('close'),
        ...overrides.audit,
      };
    },
    identity: (endpoint) => {
      endpoints.push(endpoint);
      return {
        revoke: async (selector, reason, forMs) => (
          calls.push(`revoke ${selector.kind}=${selector.value} ${reason} ${forMs ?? '-'}`),
          identityV1.RevokeResponse.fromPartial({ created: true, revocation: { selector: { kind: identityV1.RevocationKind.REVOCATION_KIND_CLIENT_ID, value: selector.value, issuer: '' }, reason, revokedBy: 'i admin', revokedAt: NOW } })
        ),
        unrevoke: async (selector) => (calls.push(`unrevoke ${selector.kind}=${selector.value}`), { removed: false }),
        list: async () => [identityV1.Revocation.fromPartial({ selector: { kind: identityV1.RevocationKind.REVOCATION_KIND_SUBJECT, value: 'bot-7', issuer: '' }, reason: 'leaked', revokedBy: 'https://idp ops', revokedAt: NOW })],
        close: () => calls.push('close'),
        ...overrides.identity,
      };
    },
    policy: (endpoint) => {
      endpoints.push(endpoint);
      return {
        put: async (name, text) => (calls.push(`put ${name} ${text.length}`), policyV1.PutPolicyResponse.fromPartial({ version: 8n, revision: { version: 8n, previousVersion: 7n, changedBy: 'alice', changes: [{ name, newDigest: 'ab'.repeat(32) }] } })),
        check: async (name) => (calls.push(`check ${name}`), policyV1.CheckPolicyResponse.fromPartial({})),
        delete: async (name) => (calls.push(`delete ${name}`), policyV1.DeletePolicyResponse.fromPartial({ version: 9n })),
        list: async () => policyV1.ListPoliciesResponse.fromPartial({ version: 9n, digest: 'cd'.repeat(32), rules: 2, documents: [{ name: 'portcullis.yaml', version: 1n, digest: 'ef'.repeat(32), seededDigest: 'ef'.repeat(32), updatedBy: 'config:/etc/portcullis.yaml', updatedAt: NOW }] }),
        get: async (name) => policyV1.GetPolicyResponse.fromPartial({ document: { name }, text: 'rules: []\n' }),
        explain: async (request) => (calls.push(`explain ${JSON.stringify(policyV1.ExplainRequest.toJSON(request))}`), policyV1.ExplainResponse.fromPartial({ decision: { effect: commonV1.Effect.EFFECT_DENY, reasons: ['default-deny'], message: 'denied: no rule allows it' }, policyVersion: '9', decidedBy: 'policy-1' })),
        close: () => calls.push('close'),
        ...overrides.policy,
      };
    },
  };
  const local: Local = {
    readFile: (path) => {
      const text = { ...PKI, ...overrides.files }[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    listDir: () => Object.keys(overrides.files ?? {}),
    sqlAnalyzer: () => Promise.reject(new Error('not in these tests')),
    tlsDir: '/pki',
  };
  const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), now: () => NOW };
  const exec = (argv: string[], env: Env = { PORTCULLIS_TOKEN: TOKEN }) => run(argv, env, io, clients, local);
  return { exec, out, err, endpoints, calls };
}

describe('run', () => {
  it('prints usage for help and exits 0 without needing a token', async () => {
    const h = harness();
    expect(await h.exec(['--help'], {})).toBe(0);
    expect(h.out.join('\n')).toMatch(/^Usage: portcullis/);
    expect(h.endpoints).toEqual([]);
  });

  it('exits 2 with the error and usage on stderr for usage errors', async () => {
    const h = harness();
    expect(await h.exec(['nope'])).toBe(2);
    expect(h.err.join('\n')).toMatch(/^error: unknown command 'nope'\n\nUsage: portcullis/);
  });

  it('exits 2 with a clear error when no token is given', async () => {
    const h = harness();
    expect(await h.exec(['approvals', 'list'], {})).toBe(2);
    expect(h.err).toEqual(["error: no token: set PORTCULLIS_TOKEN or pass --token-file <path> (an approver's, auditor's, policy or identity admin's bearer token)"]);
    expect(h.endpoints).toEqual([]);
  });

  it('refuses a token that cannot be sent as a header, without printing it', async () => {
    const h = harness();
    expect(await h.exec(['approvals', 'list', '--token', 'abc def\n'])).toBe(2);
    expect(h.err.join('\n')).not.toContain('abc def');
  });

  it('uses defaults, then env, then flags for addresses; --token wins over env', async () => {
    const h = harness();
    await h.exec(['approvals', 'list']);
    await h.exec(['audit', 'verify'], { PORTCULLIS_TOKEN: TOKEN, AUDIT_GRPC_ADDR: 'audit:9' });
    await h.exec(['approvals', 'approve', 'h-1', '--approvals', 'appr:1', '--token', 'other-token'], { PORTCULLIS_TOKEN: TOKEN, APPROVALS_GRPC_ADDR: 'appr:9' });
    expect(h.endpoints).toEqual([
      { address: '127.0.0.1:50053', token: TOKEN, tls: TLS, deadlineMs: 10_000 },
      { address: 'audit:9', token: TOKEN, tls: TLS, deadlineMs: 10_000 },
      { address: 'appr:1', token: 'other-token', tls: TLS, deadlineMs: 10_000 },
    ]);
  });

  it('warns that --token is visible to other users, and never echoes it', async () => {
    const h = harness();
    expect(await h.exec(['approvals', 'list', '--token', 'argv-token-1'], {})).toBe(0);
    expect(h.err).toEqual(['warning: --token puts the token on the command line, where other users of this machine can read it (ps, /proc); use PORTCULLIS_TOKEN or --token-file']);
    expect(h.endpoints[0]?.token).toBe('argv-token-1');
  });

  it('reads --token-file (trimmed) before PORTCULLIS_TOKEN, and refuses an empty, unreadable or doubled one', async () => {
    const h = harness({ files: { '/run/tok': '  file-token-1\n', '/run/empty': ' \n' } });
    expect(await h.exec(['audit', 'verify', '--token-file', '/run/tok'])).toBe(0);
    expect(h.endpoints.map((e) => e.token)).toEqual(['file-token-1']);
    expect(h.err).toEqual([]);
    expect(await h.exec(['audit', 'verify', '--token-file', '/run/empty'])).toBe(2);
    expect(await h.exec(['audit', 'verify', '--token-file', '/run/none'])).toBe(2);
    expect(await h.exec(['audit', 'verify', '--token-file', '/run/tok', '--token', 'x-token'])).toBe(2);
    expect(h.err).toEqual(['error: the token file /run/empty is empty', 'error: cannot read the token file /run/none (ENOENT)', 'error: give the token once: --token-file or --token, not both']);
    expect(h.endpoints).toHaveLength(1);
  });

  it('speaks mutual TLS with PORTCULLIS_TLS_* or the dev PKI, and says how to get one when it is missing', async () => {
    const h = harness({ files: { '/etc/ca.pem': 'OTHER CA' } });
    await h.exec(['audit', 'verify'], { PORTCULLIS_TOKEN: TOKEN, PORTCULLIS_TLS_CA: '/etc/ca.pem' });
    expect(h.endpoints[0]?.tls).toEqual({ ...TLS, ca: Buffer.from('OTHER CA') });
    expect(await h.exec(['audit', 'verify'], { PORTCULLIS_TOKEN: TOKEN, PORTCULLIS_TLS_KEY: '/etc/none.key' })).toBe(2);
    expect(h.err).toEqual([expect.stringMatching(/^error: cannot read the CLI key \(PORTCULLIS_TLS_KEY\) \/etc\/none.key \(ENOENT\); the services speak mutual TLS only: run `npm start` once/)]);
    expect(h.endpoints).toHaveLength(1);
  });

  it('runs approvals commands and closes the client', async () => {
    const h = harness();
    expect(await h.exec(['approvals', 'list', '--all'])).toBe(0);
    expect(await h.exec(['approvals', 'deny', 'h-2', '--reason', 'freeze'])).toBe(0);
    expect(h.calls).toEqual(['list {"includeResolved":true}', 'close', 'deny h-2 freeze', 'close']);
    expect(h.out).toEqual(['no holds', 'hold h-2 denied (request -): freeze']);
  });

  it('lists one page with its filters, says how many match and how to get the next page', async () => {
    const hold = approvalsV1.Hold.fromPartial({ id: 'h-9', status: approvalsV1.HoldStatus.HOLD_STATUS_PENDING, connection: 'demo-http', requester: { subject: 'agent-b' } });
    const queries: unknown[] = [];
    const h = harness({ approvals: { listHolds: async (query) => (queries.push(query), approvalsV1.ListHoldsResponse.fromPartial({ holds: [hold], nextPageToken: 'aDEu', totalSize: 612 })) } });
    expect(await h.exec(['approvals', 'list', '--requester', 'agent b', '--connection', 'demo-http', '--limit', '1', '--page', 'cDE'])).toBe(0);
    expect(queries).toEqual([{ includeResolved: false, pageSize: 1, pageToken: 'cDE', requester: 'agent b', connection: 'demo-http' }]);
    expect(h.out.at(-1)).toBe("1 of 612 pending hold(s) shown, newest first.\nNext page: portcullis approvals list --requester 'agent b' --connection demo-http --limit 1 --page aDEu");
    // --json keeps stdout an array of holds; the count and the next page go to stderr.
    const j = harness({ approvals: { listHolds: async () => approvalsV1.ListHoldsResponse.fromPartial({ holds: [hold], nextPageToken: '', totalSize: 1 }) } });
    expect(await j.exec(['approvals', 'list', '--json'])).toBe(0);
    expect(JSON.parse(j.out[0]!)).toHaveLength(1);
    expect(j.err).toEqual(['1 of 1 pending hold(s) shown, newest first.']);
  });

  it('prints "recorded (k of n)" when the hold still needs approvers, and runs the grant commands', async () => {
    const h = harness({
      approvals: {
        approve: async (id) => approvalsV1.Hold.fromPartial({ id, requestId: 'r-1', status: approvalsV1.HoldStatus.HOLD_STATUS_PENDING, minApprovals: 2, approvals: [{ issuer: 'i', subject: 'me' }] }),
      },
    });
    expect(await h.exec(['approvals', 'approve', 'h-1'])).toBe(0);
    expect(await h.exec(['approvals', 'grants'])).toBe(0);
    expect(await h.exec(['approvals', 'revoke', 'g-1', '--reason', 'done'])).toBe(0);
    expect(h.out).toEqual(['hold h-1 recorded (1 of 2), waiting for 1 more approver (request r-1)', 'no live grants', 'grant g-1 revoked (agent): done']);
    expect(h.calls).toEqual(['close', 'grants false', 'close', 'revoke g-1 done', 'close']);
  });

  it('says when the gateway did not forward a request it released (its caller was no longer valid)', async () => {
    const released = approvalsV1.Hold.fromPartial({ id: 'h-2', requestId: 'r-2', status: approvalsV1.HoldStatus.HOLD_STATUS_APPROVED, resolvedBy: 'me' });
    const reported = { ...released, release: { forwarded: false, code: 'TOKEN_EXPIRED', message: 'the request was approved, but its caller is no longer valid: token has expired' } };
    const h = harness({ approvals: { approve: async () => released, listHolds: async () => approvalsV1.ListHoldsResponse.fromPartial({ holds: [reported] }) } });
    expect(await h.exec(['approvals', 'approve', 'h-2'], { PORTCULLIS_TOKEN: TOKEN })).toBe(0);
    expect(h.out.at(-1)).toBe('the gateway did NOT forward the request: the request was approved, but its caller is no longer valid: token has expired (TOKEN_EXPIRED)');
  });

  it('revokes, unrevokes and lists identities on the identity service', async () => {
    const h = harness();
    expect(await h.exec(['identity', 'revoke', '--client-id', 'demo-agent', '--reason', 'leaked', '--identity', 'id:1'])).toBe(0);
    expect(await h.exec(['identity', 'revoke', '--subject', 'bot', '--for', '2h'])).toBe(0);
    expect(await h.exec(['identity', 'unrevoke', '--token-id', 'j-1'])).toBe(0);
    expect(await h.exec(['identity', 'revocations'])).toBe(0);
    expect(h.calls).toEqual(['revoke client_id=demo-agent leaked -', 'close', 'revoke subject=bot  7200000', 'close', 'unrevoke token_id=j-1', 'close', 'close']);
    expect(h.out[0]).toBe('revoked client_id "demo-agent" until unrevoked: its sessions end now and its tokens are refused\n');
    expect(h.out[2]).toBe('token_id "j-1" was not revoked; nothing changed\n');
    expect(h.out[3]).toMatch(/^KIND +VALUE +ISSUER +REVOKED +EXPIRES +BY +REASON\nsubject +bot-7 +\(any\) .* until unrevoked +ops +leaked\n$/);
    expect(h.endpoints[0]).toMatchObject({ address: 'id:1' });
    expect(await h.exec(['identity', 'revoke', '--token-id', 'j', '--for', '1h'])).toBe(2);
    expect(await h.exec(['identity', 'revoke'])).toBe(2);
  });

  it('maps a service error to one line and exit 1', async () => {
    const h = harness({
      approvals: { approve: () => Promise.reject(new CallError('approvals', 'x:1', 'PERMISSION_DENIED', 'SELF_APPROVAL', 'self')) },
    });
    expect(await h.exec(['approvals', 'approve', 'h-1'])).toBe(1);
    expect(h.err).toEqual(['error: you cannot approve your own request (SELF_APPROVAL)']);
    expect(h.calls).toEqual(['close']);
  });

  it('never prints the token, even if an error message carries it', async () => {
    const h = harness({ audit: { verifyChain: () => Promise.reject(new Error(`bad header Bearer ${TOKEN}`)) } });
    expect(await h.exec(['audit', 'verify', `--token=${TOKEN}`], {})).toBe(1);
    expect(h.err.at(-1)).toBe('error: unexpected failure: bad header Bearer <token>');
    // Nor one read from a file.
    const f = harness({ files: { '/run/tok': TOKEN }, audit: { verifyChain: () => Promise.reject(new Error(`bad header Bearer ${TOKEN}`)) } });
    expect(await f.exec(['audit', 'verify', '--token-file', '/run/tok'], {})).toBe(1);
    expect(f.err).toEqual(['error: unexpected failure: bad header Bearer <token>']);
  });

  it('exits 1 when the audit chain is broken', async () => {
    const h = harness({
      audit: { verifyChain: async () => auditV1.VerifyChainResponse.fromPartial({ ok: false, records: 9n, firstBadSeq: 4n, message: 'prev_hash mismatch' }) },
    });
    expect(await h.exec(['audit', 'verify'])).toBe(1);
    expect(h.out).toEqual(['audit chain BROKEN at seq 4: prev_hash mismatch']);
  });

  it('prints OK with the record count and head hash', async () => {
    const h = harness();
    expect(await h.exec(['audit', 'verify'])).toBe(0);
    expect(h.out).toEqual(['audit chain OK: 3 records, head cafe']);
  });

  it('replays a session with audit session', async () => {
    const { exec, out, calls } = harness();
    expect(await exec(['audit', 'session', 'sess-1'])).toBe(0);
    expect(calls).toContain('session sess-1');
    expect(out.join('\n')).toContain('session.started');
  });
});

describe('run policy', () => {
  const problem = (line: number, message: string) => ({ source: 'bad.yaml', line, column: 3, path: `rules.${line}.effect`, message });
  const invalid = (shown: number, total: number) =>
    new CallError('policy', 'p:1', 'INVALID_ARGUMENT', 'POLICY_INVALID', 'the policy would not compile', { problems: Array.from({ length: shown }, (_, i) => problem(i + 1, `problem ${i + 1}`)), total });

  it('applies each file as the document named by its file name, at the policy address from flag, env or default', async () => {
    const h = harness({ files: { 'policies/sql.yaml': 'rules: []\n', '/tmp/x/mcp.yml': 'rules: []\n' } });
    expect(await h.exec(['policy', 'apply', 'policies/sql.yaml', '/tmp/x/mcp.yml'])).toBe(0);
    expect(h.calls).toEqual(['put sql.yaml 10', 'put mcp.yml 10', 'close']);
    expect(h.out).toEqual([`policies/sql.yaml: policy version 8 (created, now ${'ab'.repeat(6)})`, `/tmp/x/mcp.yml: policy version 8 (created, now ${'ab'.repeat(6)})`]);
    await h.exec(['policy', 'list'], { PORTCULLIS_TOKEN: TOKEN, POLICY_GRPC_ADDR: 'pol:9' });
    await h.exec(['policy', 'list', '--policy', 'pol:1']);
    expect(h.endpoints.map((e) => e.address)).toEqual(['127.0.0.1:50052', 'pol:9', 'pol:1']);
  });

  it('prints every problem of a refused file at the path given, and applies nothing after it', async () => {
    const h = harness({ files: { 'p/bad.yaml': 'x', 'p/next.yaml': 'y' }, policy: { put: () => Promise.reject(invalid(2, 2)) } });
    expect(await h.exec(['policy', 'apply', 'p/bad.yaml', 'p/next.yaml'])).toBe(1);
    expect(h.err).toEqual([
      'p/bad.yaml:1:3: rules.1.effect: problem 1\np/bad.yaml:2:3: rules.2.effect: problem 2\nerror: p/bad.yaml refused: the policy would not compile (2 problem(s)); nothing was changed',
      'not applied: p/next.yaml',
    ]);
  });

  it('asks CheckPolicy for every problem when the refusal could not carry them all', async () => {
    const all = Array.from({ length: 300 }, (_, i) => problem(i + 1, `problem ${i + 1}`));
    const h = harness({ files: { 'bad.yaml': 'x' }, policy: { put: () => Promise.reject(invalid(40, 300)), check: async () => policyV1.CheckPolicyResponse.fromPartial({ problems: all }) } });
    expect(await h.exec(['policy', 'apply', 'bad.yaml'])).toBe(1);
    const lines = h.err.join('\n').split('\n');
    expect(lines).toHaveLength(301);
    expect(lines[299]).toBe('bad.yaml:300:3: rules.300.effect: problem 300');
  });

  it('reads every file before changing anything', async () => {
    const h = harness({ files: { 'a.yaml': 'x' } });
    expect(await h.exec(['policy', 'apply', 'a.yaml', 'missing.yaml'])).toBe(1);
    expect(h.err).toEqual(['error: cannot read missing.yaml: ENOENT; nothing was applied']);
    expect(h.calls).toEqual(['close']);
    const dup = harness({ files: { 'a/x.yaml': 'x', 'b/x.yaml': 'y' } });
    expect(await dup.exec(['policy', 'apply', 'a/x.yaml', 'b/x.yaml'])).toBe(1);
    expect(dup.err).toEqual(['error: b/x.yaml: another file is also named x.yaml (documents are named by file name); nothing was applied']);
  });

  it('lists, shows and deletes documents', async () => {
    const h = harness();
    expect(await h.exec(['policy', 'list'])).toBe(0);
    expect(h.out[0]).toBe(`policy version 9: 1 document(s), 2 rule(s), digest ${'cd'.repeat(6)}\n\nNAME             VERSION  DIGEST        FROM  UPDATED BY                   UPDATED AT\nportcullis.yaml  1        ${'ef'.repeat(6)}  file  config:/etc/portcullis.yaml  2025-06-01T12:00:00.000Z`);
    expect(await h.exec(['policy', 'show', 'a.yaml'])).toBe(0);
    expect(h.out[1]).toBe('rules: []');
    expect(await h.exec(['policy', 'delete', 'a.yaml'])).toBe(0);
    expect(h.out[2]).toBe('a.yaml: deleted, policy version 9');
  });

  it('explains a request: principal, scopes, kind and the query all sent', async () => {
    const h = harness();
    expect(await h.exec(['policy', 'explain', '--connection', 'demo-http', '--subject', 'job', '--groups', 'agents', '--scopes', 'read', '--http', 'GET /x?a=1'])).toBe(0);
    expect(JSON.parse(h.calls[0]!.slice('explain '.length))).toEqual({
      context: {
        requestId: 'cli-explain',
        connection: 'demo-http',
        principal: { subject: 'job', clientId: 'job', groups: ['agents'], scopes: ['read'], kind: 'machine', claimsJson: '{}' },
        http: { method: 'GET', path: '/x', query: 'a=1' },
      },
    });
    expect(h.err).toEqual([]);
    expect(h.out[0]).toBe('deny — denied: no rule allows it\n  reasons default-deny; policy version 9, decided by policy-1\n\nno rule applies to this connection and protocol');
  });

  it('says who may manage the policy when the token is not an admin\'s', async () => {
    const h = harness({ policy: { list: () => Promise.reject(new CallError('policy', 'p:1', 'PERMISSION_DENIED', 'NOT_POLICY_ADMIN', 'demo-agent is not in a policy admin group')) } });
    expect(await h.exec(['policy', 'list'])).toBe(1);
    expect(h.err).toEqual(["error: the token is not a policy admin's (a principal in policy.adminGroups) (NOT_POLICY_ADMIN)"]);
  });

  it('runs policy test without a token or a service', async () => {
    const h = harness();
    expect(await h.exec(['policy', 'test', 'nowhere'], {})).toBe(1);
    expect(h.err).toEqual(['error: no policy tests (*.test.yaml) in nowhere']);
    expect(h.endpoints).toEqual([]);
  });
});
