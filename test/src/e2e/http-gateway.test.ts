import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { fingerprint } from '@portcullis/demo-upstream';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { divertStream, eventually } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';

// The walking skeleton, end to end: real dev IdP tokens, real processes for every service, real
// NATS JetStream and PostgreSQL, the real CLI, and fetch as the caller.

const env = new E2eEnvironment();
let agentToken: string;
let approverToken: string;

beforeAll(async () => {
  await env.start({ policyInstances: 2 });
  agentToken = await env.token(CLIENTS.agent);
  approverToken = await env.token(CLIENTS.approver);
});
afterAll(() => env.stop());

const requestIdOf = (res: Response) => res.headers.get('x-portcullis-request-id')!;
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; reasons: string[]; requestId: string } }).error;

async function heldHoldId(path: string): Promise<string> {
  return eventually(async () => {
    const listed = await env.cli(['approvals', 'list', '--json'], approverToken);
    const holds = (JSON.parse(listed.stdout || '[]') as { id: string; http?: { path: string } }[]) ?? [];
    return holds.find((h) => h.http?.path === path)?.id;
  }, 15_000, `a pending hold for ${path}`);
}

describe('allowed requests', () => {
  it('forwards a GET with the credential the gateway holds, never the caller token', async () => {
    const before = env.received.length;
    const res = await env.gateway('/http/demo-http/echo?x=1', { token: agentToken, headers: { 'x-custom': 'kept' } });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as { method: string; path: string; query: string; headers: Record<string, string> };
    expect(echo).toMatchObject({ method: 'GET', path: '/echo', query: '?x=1' });
    expect(echo.headers['x-custom']).toBe('kept');
    expect(echo.headers.authorization).toBe(fingerprint(env.stack.demoApiKey));
    const seen = env.received.slice(before);
    expect(seen).toHaveLength(1);
    expect(JSON.stringify(seen)).not.toContain(agentToken);
    expect(seen[0]!.headers.authorization).not.toBe(fingerprint(agentToken));
    expect(requestIdOf(res)).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('server-timing')).toMatch(/^authn;dur=[\d.]+, policy;dur=[\d.]+, record;dur=[\d.]+, upstream;dur=[\d.]+, mask;dur=[\d.]+$/);
  });

  it('masks card numbers and e-mail addresses in /customers, leaving non-card numbers alone', async () => {
    const res = await env.gateway('/http/demo-http/customers', { token: agentToken });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of ['4111 1111 1111 1111', '5555-5555-5555-4444', '6011000990139424', '378282246310005', 'ada.lovelace@example.com', 'alan@bletchley.example.co.uk', 'ada@analytical.example.org', 'hunter2']) {
      expect(text).not.toContain(secret);
    }
    const customers = JSON.parse(text) as { email: string; card: string; orderRef: string }[];
    expect(customers[0]).toMatchObject({ email: 'a***@example.com', card: '**** **** **** 1111', orderRef: '1234567812345678' });
    const completed = await eventually(async () => (await env.auditEvents(requestIdOf(res))).find((e) => e.type === 'request.completed'));
    expect(JSON.stringify(completed.event_json)).toMatch(/"card":\d+/);
  });

  it('masks a text response with the detectors though the profile has field rules (they apply where there is structure)', async () => {
    const res = await env.gateway('/http/demo-http/notes', { token: agentToken });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('Grace Hopper <g***@navy.example.mil> paid with ************9424');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(text).not.toContain('grace.hopper@navy.example.mil');
  });
});

describe('what reaches the target is what was decided', () => {
  it('refuses method overrides (header or _method parameter) that would change what was decided', async () => {
    const before = env.received.length;
    const header = await env.gateway('/http/demo-http/echo', { method: 'POST', token: agentToken, headers: { 'x-http-method-override': 'DELETE' }, body: 'x' });
    expect(header.status).toBe(400);
    expect((await errorOf(header)).message).toContain('x-http-method-override');
    const query = await env.gateway('/http/demo-http/echo?_method=DELETE', { token: agentToken });
    expect(query.status).toBe(400);
    const form = await env.gateway('/http/demo-http/echo', { method: 'POST', token: agentToken, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '_method=DELETE' });
    expect(form.status).toBe(400);
    expect(env.received.length).toBe(before);
  });

  it.each([
    ['a form body with no content type', {}, Buffer.from('_method=DELETE')],
    ['a content type with a comma', { 'content-type': 'application/x-www-form-urlencoded, text/plain' }, Buffer.from('a=1&_method=DELETE')],
    ['a ;-separated form', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('a=1;_method=DELETE')],
    ['an odd content type', { 'content-type': 'text/plain' }, Buffer.from('_method=DELETE')],
    ['a JSON body', { 'content-type': 'application/json' }, Buffer.from('{"order":7,"_method":"DELETE"}')],
    ['a nested JSON key named like the header', { 'content-type': 'application/json' }, Buffer.from('{"meta":{"X-HTTP-Method-Override":"DELETE"}}')],
    ['a multipart field', { 'content-type': 'multipart/form-data; boundary=b' }, Buffer.from('--b\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--b--\r\n')],
    ['a gzip-compressed form', { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, gzipSync('_method=DELETE')],
    ['a percent-encoded name', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from('%5Fmethod=DELETE')],
  ])('refuses a method override smuggled in %s (400, never held as POST)', async (_name, headers, body) => {
    const before = env.received.length;
    const res = await env.gateway('/http/demo-http/echo/smuggle', { method: 'POST', token: agentToken, headers, body });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('BAD_REQUEST');
    expect(env.received.length).toBe(before);
    const listed = await env.cli(['approvals', 'list', '--json'], approverToken);
    expect((JSON.parse(listed.stdout || '[]') as { http?: { path: string } }[]).some((h) => h.http?.path === '/echo/smuggle')).toBe(false);
  });

  it('refuses a request body in an encoding it cannot read, or that does not decode', async () => {
    const odd = await env.gateway('/http/demo-http/echo/odd', { method: 'POST', token: agentToken, headers: { 'content-encoding': 'zstd' }, body: 'x' });
    expect([odd.status, (await errorOf(odd)).code]).toEqual([400, 'BAD_REQUEST']);
    const bomb = await env.gateway('/http/demo-http/echo/odd', { method: 'POST', token: agentToken, headers: { 'content-encoding': 'gzip' }, body: 'not gzip' });
    expect(bomb.status).toBe(400);
  });

  it('strips URL-rewrite headers, so the target routes the path that was decided', async () => {
    const res = await env.gateway('/http/demo-http/echo', { token: agentToken, headers: { 'x-original-url': '/admin', 'x-rewrite-url': '/admin' } });
    expect(res.status).toBe(200);
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers['x-original-url']).toBeUndefined();
    expect(headers['x-rewrite-url']).toBeUndefined();
  });

  it('strips client-address claims, cookies and gateway headers the caller sends', async () => {
    const res = await env.gateway('/http/demo-http/echo', {
      token: agentToken,
      headers: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6', forwarded: 'for=6.6.6.6', cookie: 'session=stolen', 'x-portcullis-request-id': 'spoofed' },
    });
    expect(res.status).toBe(200);
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-portcullis-request-id']).toBe(requestIdOf(res));
    for (const name of ['x-real-ip', 'forwarded', 'cookie']) expect(headers[name]).toBeUndefined();
  });

  it.each([
    ['/http/demo-http/admin/users', 403],
    ['/http/demo-http/%61dmin/users', 403],
    ['/http/demo-http/Admin/users', 403],
    ['/http/demo-http/public/../admin/users', 403],
    ['/http/demo-http/admin;x/users', 400],
    ['/http/demo-http//admin/users', 400],
    ['/http/demo-http/admin/', 403],
    ['/http/demo-http/%2561dmin/users', 400],
    ['/http/demo-http/admin./users', 400],
  ])('cannot reach a denied path as %s (%i)', async (path, status) => {
    const before = env.received.length;
    const res = await env.gateway(path, { token: agentToken });
    expect(res.status).toBe(status);
    expect(env.received.length).toBe(before);
  });
});

describe('bad tokens', () => {
  let before = 0;
  beforeAll(() => {
    before = env.received.length;
  });

  it('refuses a request without a token with 401 TOKEN_MISSING', async () => {
    const res = await env.gateway('/http/demo-http/echo');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect((await errorOf(res)).code).toBe('TOKEN_MISSING');
  });

  it.each([
    ['not a JWT', 'abc', 'TOKEN_MALFORMED'],
    ['three garbage segments', 'a.b.c', 'TOKEN_MALFORMED'],
  ])('refuses %s with 401 %s', async (_what, token, code) => {
    const res = await env.gateway('/http/demo-http/echo', { token });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe(code);
  });

  it('refuses a forged token (right claims and kid, wrong key) with SIGNATURE_INVALID', async () => {
    const real = decodeJwt(agentToken);
    const { kid } = decodeProtectedHeader(agentToken);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ ...real, groups: ['agents', 'approvers'] }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: kid! }).sign(privateKey);
    const res = await env.gateway('/http/demo-http/echo', { token: forged });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('SIGNATURE_INVALID');
  });

  it('refuses a token for another audience with AUDIENCE_MISMATCH', async () => {
    const res = await env.gateway('/http/demo-http/echo', { token: await env.token(CLIENTS.otherAudience) });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('AUDIENCE_MISMATCH');
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const token = await env.token(CLIENTS.shortLived);
    await new Promise((r) => setTimeout(r, 2100));
    const res = await env.gateway('/http/demo-http/echo', { token });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe('TOKEN_EXPIRED');
  });

  it('let none of those requests reach the upstream', () => {
    expect(env.received.length).toBe(before);
  });
});

describe('policy', () => {
  it('denies DELETE with 403 JSON naming the rule, and nothing reaches the upstream', async () => {
    const before = env.received.length;
    const res = await env.gateway('/http/demo-http/echo/1', { method: 'DELETE', token: agentToken });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/json');
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 'POLICY_DENIED', reasons: ['rule:agents-never-delete-demo-http'], requestId: requestIdOf(res) });
    expect(env.received.length).toBe(before);
  });

  it('denies an unknown caller group by default', async () => {
    const res = await env.gateway('/http/demo-http/echo', { token: approverToken });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).reasons).toEqual(['default-deny']);
  });

  it('answers 404 for an unknown connection and 400 for encoded slashes', async () => {
    expect((await env.gateway('/http/nope/x', { token: agentToken })).status).toBe(404);
    expect((await env.gateway('/http/demo-http/a%2fb', { token: agentToken })).status).toBe(400);
  });
});

describe('approvals', () => {
  it('holds a POST until an approver approves it with the CLI, then forwards it', async () => {
    const pending = env.gateway('/http/demo-http/echo/held', { method: 'POST', token: agentToken, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'please' }) });
    const holdId = await heldHoldId('/echo/held');
    expect(env.received.some((r) => r.path === '/echo/held')).toBe(false);
    const approved = await env.cli(['approvals', 'approve', holdId], approverToken);
    expect(approved.code, approved.stderr).toBe(0);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('x-portcullis-hold-id')).toBe(holdId);
    expect(((await res.json()) as { body: string }).body).toBe('{"note":"please"}');

    const types = (await eventually(async () => {
      const events = await env.auditEvents(requestIdOf(res));
      return events.some((e) => e.type === 'request.completed') ? events : undefined;
    })).map((e) => e.type);
    expect(types).toEqual(['request.received', 'decision.made', 'approval.requested', 'approval.granted', 'request.completed']);
  });

  it('never lets the requester approve its own request', async () => {
    const selfToken = await env.token(CLIENTS.agentApprover);
    const pending = env.gateway('/http/demo-http/echo/self', { method: 'POST', token: selfToken, body: 'x' });
    const holdId = await heldHoldId('/echo/self');
    const self = await env.cli(['approvals', 'approve', holdId], selfToken);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('SELF_APPROVAL');
    expect(env.received.some((r) => r.path === '/echo/self')).toBe(false);
    const denied = await env.cli(['approvals', 'deny', holdId, '--reason', 'not today'], approverToken);
    expect(denied.code, denied.stderr).toBe(0);
    const res = await pending;
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: 'APPROVAL_DENIED', reasons: ['rule:agents-write-demo-http-needs-approval'] });
    expect(env.received.some((r) => r.path === '/echo/self')).toBe(false);
  });

  it('refuses a held request whose token expired while it waited, even once it is approved', async () => {
    // short-lived: tokens that expire one second after they are issued.
    const shortToken = await env.token(CLIENTS.shortLived);
    const pending = env.gateway('/http/demo-http/echo/expired-while-held', { method: 'POST', token: shortToken, body: 'x' });
    const holdId = await heldHoldId('/echo/expired-while-held');
    const expiresAt = (decodeJwt(shortToken).exp as number) * 1000;
    await eventually(async () => (Date.now() > expiresAt + 100 ? true : undefined), 5_000, 'the token to expire');
    const approved = await env.cli(['approvals', 'approve', holdId], approverToken);
    expect(approved.code, approved.stderr).toBe(0);
    // The approver is told that the approval did not take effect, and why.
    expect(approved.stdout).toMatch(/the gateway did NOT forward the request: the request was approved, but its caller is no longer valid: .*\(TOKEN_EXPIRED\)/);
    const res = await pending;
    expect(res.status).toBe(401);
    expect(await errorOf(res)).toMatchObject({ code: 'TOKEN_EXPIRED', message: expect.stringMatching(/^the request was approved, but its caller is no longer valid/) });
    expect(env.received.some((r) => r.path === '/echo/expired-while-held')).toBe(false);
    const events = await eventually(async () => {
      const rows = await env.auditEvents(requestIdOf(res));
      return rows.some((e) => e.type === 'request.completed') && rows.some((e) => e.type === 'release.refused') ? rows : undefined;
    });
    expect(JSON.stringify(events.find((e) => e.type === 'request.completed')!.event_json)).toContain('TOKEN_EXPIRED');
    expect(events.find((e) => e.type === 'release.refused')!.event_json).toMatchObject({ releaseRefused: { holdId, code: 'TOKEN_EXPIRED' } });
    const listed = await env.cli(['approvals', 'list', '--all'], approverToken);
    expect(listed.stdout).toMatch(new RegExp(`${holdId}.*approved, not forwarded \\(TOKEN_EXPIRED\\)`));
  });

  it('denies a held request nobody answers before its timeout', async () => {
    const res = await env.gateway('/http/demo-http/expiring/x', { method: 'POST', token: agentToken, body: 'x' });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('APPROVAL_EXPIRED');
    expect(env.received.some((r) => r.path === '/expiring/x')).toBe(false);
    const types = (await eventually(async () => {
      const events = await env.auditEvents(requestIdOf(res));
      return events.some((e) => e.type === 'request.completed') ? events : undefined;
    })).map((e) => e.type);
    expect(types).toEqual(['request.received', 'decision.made', 'approval.requested', 'approval.expired', 'request.completed']);
  });
});

describe('audit', () => {
  it('records every request in order with an unbroken hash chain that `audit verify` accepts', async () => {
    const res = await env.gateway('/http/demo-http/echo', { token: agentToken });
    const events = await eventually(async () => {
      const rows = await env.auditEvents(requestIdOf(res));
      return rows.length === 3 ? rows : undefined;
    });
    expect(events.map((e) => e.type)).toEqual(['request.received', 'decision.made', 'request.completed']);
    const verify = await env.cli(['audit', 'verify'], approverToken);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/audit chain OK: \d+ records/);
    const show = await env.cli(['audit', 'show', requestIdOf(res)], approverToken);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('decision.made');
  });

  it('records a keep-alive connection as one session while its token stays the same, with one session id on every event', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (token: string) =>
      new Promise<string>((resolve, reject) => {
        const req = http.get(`${env.stack.ingressUrl}/http/demo-http/echo`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['x-portcullis-request-id'])));
        });
        req.on('error', reject);
      });
    const sessionOf = async (requestId: string) => {
      const [received] = await eventually(async () => {
        const rows = await env.auditEvents(requestId);
        return rows.length === 3 ? rows : undefined;
      });
      return String(received!.event_json.sessionId);
    };
    const otherToken = await env.token(CLIENTS.agent);
    const [a, b] = [await get(agentToken), await get(agentToken)];
    const c = await get(otherToken); // another credential on the same connection: a new session
    agent.destroy(); // the connection ends: so does its session
    const [sa, sb, sc] = [await sessionOf(a), await sessionOf(b), await sessionOf(c)];
    expect(sa).toMatch(/^[0-9a-f-]{36}$/);
    expect(sb).toBe(sa);
    expect(sc).not.toBe(sa);
    const eventsOf = (sessionId: string, count: number) =>
      eventually(async () => {
        const { rows } = await env.sql().query('select type, request_id, event_json from audit.events where session_id = $1 order by seq', [sessionId]);
        return rows.length === count ? (rows as { type: string; request_id: string; event_json: Record<string, unknown> }[]) : undefined;
      });
    const first = await eventsOf(sa, 8);
    expect(first.map((e) => e.type)).toEqual(['session.started', 'request.received', 'decision.made', 'request.completed', 'request.received', 'decision.made', 'request.completed', 'session.ended']);
    expect(first[0]!.event_json.sessionStarted).toMatchObject({ protocol: 'http', principal: { clientId: 'demo-agent' } });
    expect(first[7]!.event_json.sessionEnded).toMatchObject({ reason: 'SESSION_END_REASON_CLOSED', requests: 2 });
    expect(first[3]!.event_json.requestCompleted).toMatchObject({ outcome: 'OUTCOME_FORWARDED', httpStatus: 200 });
    // The session replayed with the CLI, as an auditor would.
    const replay = await env.cli(['audit', 'session', sa], approverToken);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stdout.match(/session\.started|request\.received|request\.completed|session\.ended/g)).toEqual(['session.started', 'request.received', 'request.completed', 'request.received', 'request.completed', 'session.ended']);
    const show = await env.cli(['audit', 'show', a], approverToken);
    expect(show.stdout).toContain(`session ${sa}`);
    const second = await eventsOf(sc, 5);
    expect(second.map((e) => e.type)).toEqual(['session.started', 'request.received', 'decision.made', 'request.completed', 'session.ended']);
  });

  it('says in the audit log when a decision was remembered rather than asked again', async () => {
    const first = await env.gateway('/http/demo-http/echo?cache=1', { token: agentToken });
    const second = await env.gateway('/http/demo-http/echo?cache=1', { token: agentToken });
    // Another query is another request: rules may match on it.
    const other = await env.gateway('/http/demo-http/echo?cache=2', { token: agentToken });
    const decisionOf = async (res: Response) =>
      (await eventually(async () => (await env.auditEvents(requestIdOf(res))).find((e) => e.type === 'decision.made')))!.event_json.decisionMade as Record<string, unknown>;
    const [a, b, c] = [await decisionOf(first), await decisionOf(second), await decisionOf(other)];
    expect(a.fromCache).toBeUndefined(); // false: the JSON mapping leaves it out
    expect(b).toMatchObject({ fromCache: true, decision: { effect: 'EFFECT_ALLOW', reasons: ['rule:agents-read-demo-http'], cacheable: true } });
    expect(c.fromCache).toBeUndefined();
    expect((a.decision as Record<string, unknown>).policyVersion).toBe((b.decision as Record<string, unknown>).policyVersion);
  });

  it('tells policy and the audit log the query, the decision headers and the principal’s kind, scopes and claims, never a credential', async () => {
    const res = await env.gateway('/http/demo-http/echo?x=1&y=%20two', { token: agentToken, headers: { accept: 'text/plain', 'user-agent': 'e2e-agent/1', 'x-custom': 'not-decided-on', cookie: 'session=secret' } });
    expect(res.status).toBe(200);
    const received = (await eventually(async () => (await env.auditEvents(requestIdOf(res))).find((e) => e.type === 'request.received')))!.event_json.requestReceived as {
      http: { query: string; headers: { name: string; value: string }[] };
      principal: { kind: string; claimsJson: string; scopes?: string[] };
    };
    expect(received.http.query).toBe('x=1&y=%20two');
    expect(received.http.headers).toEqual(expect.arrayContaining([{ name: 'accept', value: 'text/plain' }, { name: 'user-agent', value: 'e2e-agent/1' }]));
    for (const { name } of received.http.headers) expect(['content-type', 'accept', 'user-agent']).toContain(name);
    expect(received.principal.kind).toBe('machine');
    expect(JSON.parse(received.principal.claimsJson)).toMatchObject({ client_id: 'demo-agent', aud: 'portcullis' });
    const text = JSON.stringify(received);
    for (const secret of [agentToken, 'session=secret', env.stack.demoApiKey]) expect(text).not.toContain(secret);
  });

  it('records refused callers too (AuthenticationFailed), without their token', async () => {
    const res = await env.gateway('/http/demo-http/echo', { token: 'abc' });
    const events = await eventually(async () => {
      const rows = await env.auditEvents(requestIdOf(res));
      return rows.length === 2 ? rows : undefined;
    });
    expect(events.map((e) => e.type)).toEqual(['auth.failed', 'request.completed']);
    expect(JSON.stringify(events)).toContain('TOKEN_MALFORMED');
    expect(JSON.stringify(events)).not.toContain('"abc"');
  });

  it('never stores a caller token or the target credential, in the audit table or any log', async () => {
    // A token's signature is its unique, unguessable part.
    const secrets = [...env.tokens.map((t) => t.split('.')[2]!), env.stack.demoApiKey];
    expect(secrets.length).toBeGreaterThan(4);
    const { rows } = await env.sql().query('select event_json::text as json, encode(payload, \'escape\') as raw from audit.events');
    expect(rows.length).toBeGreaterThan(20);
    const logs = readdirSync(env.logDir).map((f) => readFileSync(join(env.logDir, f), 'utf8')).join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of secrets) {
      for (const row of rows) {
        expect(row.json).not.toContain(secret);
        expect(row.raw).not.toContain(secret);
      }
      expect(logs).not.toContain(secret);
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit table at the database', async () => {
    await expect(env.sql().query("update audit.events set type = 'x'")).rejects.toThrow(/append-only/);
    await expect(env.sql().query('delete from audit.events')).rejects.toThrow(/append-only/);
    await expect(env.sql().query('truncate audit.events')).rejects.toThrow(/append-only/);
  });
});

describe('scaling and failure', () => {
  it('gives each request exactly one decision with two policy instances running', async () => {
    const ids: string[] = [];
    // Distinct paths: each request is new to the gateway, so policy is asked every time (no remembered decision).
    for (let i = 0; i < 20; i++) ids.push(requestIdOf(await env.gateway(`/http/demo-http/echo/two-deciders-${i}`, { token: agentToken })));
    const deciders = new Set<string>();
    for (const id of ids) {
      const events = await eventually(async () => {
        const rows = await env.auditEvents(id);
        return rows.length === 3 ? rows : undefined;
      });
      const decisions = events.filter((e) => e.type === 'decision.made');
      expect(decisions).toHaveLength(1);
      deciders.add(JSON.stringify(decisions[0]!.event_json).match(/"decidedBy":"([^"]+)"/)?.[1] ?? '');
    }
    expect(deciders).toEqual(new Set(['policy-1', 'policy-2']));
  });

  it('fails closed within seconds when policy is down, and nothing reaches the upstream', async () => {
    await env.stack.stopService('policy');
    const before = env.received.length;
    const started = Date.now();
    // A request policy has not decided before: nothing remembered can answer for it.
    const res = await env.gateway('/http/demo-http/echo/policy-down', { token: agentToken });
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('POLICY_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(env.received.length).toBe(before);
    const types = (await eventually(async () => {
      const rows = await env.auditEvents(requestIdOf(res));
      return rows.length === 2 ? rows : undefined;
    })).map((e) => e.type);
    expect(types).toEqual(['request.received', 'request.completed']);
    // A decision policy made and marked cacheable before the outage is the same decision it would
    // make now (no rule set was announced since); it still answers, and the record says so.
    const remembered = await env.gateway('/http/demo-http/echo', { token: agentToken });
    expect(remembered.status).toBe(200);
    const decided = await eventually(async () => (await env.auditEvents(requestIdOf(remembered))).find((e) => e.type === 'decision.made'));
    expect(decided.event_json.decisionMade).toMatchObject({ fromCache: true });
    await env.stack.startService('policy');
    expect((await env.gateway('/http/demo-http/echo', { token: agentToken })).status).toBe(200);
  });
});

describe('every part fails closed', () => {
  it('refuses held requests with 503 when approvals is down, and forwards nothing', async () => {
    await env.stack.stopService('approvals');
    try {
      const res = await env.gateway('/http/demo-http/echo/no-approvals', { method: 'POST', token: agentToken, body: 'x' });
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('APPROVALS_UNAVAILABLE');
      expect(env.received.some((r) => r.path === '/echo/no-approvals')).toBe(false);
    } finally {
      await env.stack.startService('approvals');
    }
  });

  it('keeps masking with the profiles it holds while the masking service is down', async () => {
    await env.stack.stopService('masking');
    try {
      const res = await env.gateway('/http/demo-http/customers', { token: agentToken });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain('ada.lovelace@example.com');
      expect(text).not.toContain('4111 1111 1111 1111');
      expect(text).toContain('**** **** **** 1111');
    } finally {
      await env.stack.startService('masking');
    }
  });

  it('refuses new callers with 503 when identity is down', async () => {
    const fresh = await env.token(CLIENTS.agentApprover);
    await env.stack.stopService('identity');
    try {
      const res = await env.gateway('/http/demo-http/echo', { token: fresh });
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('IDENTITY_UNAVAILABLE');
    } finally {
      await env.stack.startService('identity');
    }
  });
});

describe('shutdown and the bus', () => {
  it('releases held requests with 503 when the gateway stops, and forwards nothing', async () => {
    const pending = env.gateway('/http/demo-http/echo/at-shutdown', { method: 'POST', token: agentToken, body: 'x' });
    await heldHoldId('/echo/at-shutdown');
    await env.stack.stopService('ingress');
    const res = await pending;
    expect(res.status).toBe(503);
    expect((await errorOf(res)).code).toBe('GATEWAY_SHUTTING_DOWN');
    expect(env.received.some((r) => r.path === '/echo/at-shutdown')).toBe(false);
    await env.stack.startService('ingress');
  });

  // Last: it diverts the event stream, so nothing after it could be recorded.
  it('refuses every request with 503 when the bus cannot store events, and forwards nothing', async () => {
    const restore = await divertStream(env.nats, `${env.stack.namespace.toUpperCase()}_EVENTS`, env.natsAdmin);
    try {
      const before = env.received.length;
      const res = await env.gateway('/http/demo-http/echo', { token: agentToken });
      expect(res.status).toBe(503);
      expect((await errorOf(res)).code).toBe('BUS_UNAVAILABLE');
      expect(env.received.length).toBe(before);
    } finally {
      await restore();
    }
  });
});
