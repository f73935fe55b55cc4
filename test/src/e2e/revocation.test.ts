// Live revocation end to end: `portcullis identity revoke` while demo-agent has a held HTTP request,
// an open MCP session (with its server stream) and open PostgreSQL connections on two ingress
// instances. Each ends at once; new requests and fresh tokens get REVOKED; the revocation survives a
// restart of every service; `identity unrevoke` restores access.
import pg from 'pg';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropProvisionedDatabase, seedDemoDatabase } from '@portcullis/stack';
import { eventually, postgresUrl, uniqueSuffix } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
const suffix = uniqueSuffix();
const demo = { database: `rev_db_${suffix}`, role: `rev_role_${suffix}`, password: `rev-${suffix}-secret` };
let serverUrl: string;
let adminToken: string;

beforeAll(async () => {
  serverUrl = await postgresUrl();
  await seedDemoDatabase(serverUrl, demo);
  const server = new URL(serverUrl);
  await env.start({
    demoMcp: true,
    ingressInstances: 2,
    env: { DEMO_PG_PASSWORD: demo.password },
    connections: [
      { name: 'demo-mcp', type: 'mcp', upstream: 'DEMO_MCP_URL', credential: { header: 'authorization', scheme: 'Bearer', secret: { env: 'DEMO_MCP_TOKEN' } } },
      { name: 'demo-pg', type: 'postgres', upstream: `postgres://${demo.role}@${server.hostname}:${server.port || 5432}/${demo.database}`, credential: { password: { env: 'DEMO_PG_PASSWORD' } } },
    ],
    policies: [
      { id: 'agents-use-demo-mcp', effect: 'allow', match: { groups: ['agents'], connections: ['demo-mcp'] } },
      { id: 'agents-query-demo-pg', effect: 'allow', match: { groups: ['agents'], connections: ['demo-pg'] } },
    ],
    mcp: { resource: 'http://127.0.0.1:8080/mcp', sessionKey: { env: 'PORTCULLIS_MCP_SESSION_KEY' } },
  });
  adminToken = await env.token(CLIENTS.admin);
});
afterAll(async () => {
  await env.stop();
  await dropProvisionedDatabase(serverUrl, demo).catch(() => undefined);
});

const [first, second] = [0, 1];
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
const ingressUrl = (i: number) => env.stack.ingressUrls[i]!;

async function pgClient(instance: number, token: string): Promise<pg.Client & { ended: Promise<{ at: number; message: string }> }> {
  const [host, port] = env.stack.ingressPgAddresses[instance]!.split(':');
  const client = new pg.Client({ host, port: Number(port), user: 'demo-agent', database: 'demo-pg', password: token }) as pg.Client & { ended: Promise<{ at: number; message: string }> };
  client.ended = new Promise((resolve) => client.on('error', (err) => resolve({ at: Date.now(), message: err.message })));
  await client.connect();
  return client;
}

async function mcpSession(instance: number, token: string) {
  const transport = new TransportV1(new URL(`${ingressUrl(instance)}/mcp/demo-mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  const client = new ClientV1({ name: 'revocation-e2e', version: '1.0.0' });
  await client.connect(transport);
  // The session's server stream, held open on this instance the way a client listens for changes.
  const stream = await fetch(`${ingressUrl(instance)}/mcp/demo-mcp`, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': '2025-11-25' },
  });
  expect(stream.status).toBe(200);
  const closed = (async () => {
    const reader = stream.body!.getReader();
    try {
      while (!(await reader.read()).done);
    } catch {
      // a reset connection ends the stream too
    }
    return Date.now();
  })();
  return { client, sessionId: transport.sessionId!, closed };
}

describe('revoking demo-agent', () => {
  it('ends its held requests, MCP session and PostgreSQL connections on both instances at once, then refuses it everywhere until unrevoked', { timeout: 180_000 }, async () => {
    const token = await env.token(CLIENTS.agent);
    // A held HTTP request on each instance (POST needs approval), an MCP session, and SQL sessions on both.
    const held = [first, second].map((i) => fetch(`${ingressUrl(i)}/http/demo-http/echo/held-${i}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: 'x' }).then(async (res) => ({ at: Date.now(), status: res.status, error: await codeOf(res) })));
    const mcp = await mcpSession(second, token);
    expect((await mcp.client.listTools()).tools.length).toBeGreaterThan(0);
    const sql = await Promise.all([pgClient(first, token), pgClient(second, token)]);
    for (const client of sql) expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await eventually(async () => {
      const listed = await env.cli(['approvals', 'list', '--json'], await env.token(CLIENTS.approver));
      return (JSON.parse(listed.stdout || '[]') as unknown[]).length >= 2 ? true : undefined;
    }, 15_000, 'both requests held');

    const pre = await env.cli(['identity', 'revocations', '--json'], adminToken);
    const revoked = await env.cli(['identity', 'revoke', '--client-id', 'demo-agent', '--reason', 'credentials leaked'], adminToken);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('revoked client_id "demo-agent" until unrevoked');
    const outcomes = await Promise.all(held);
    for (const outcome of outcomes) expect([outcome.status, outcome.error.code]).toEqual([401, 'REVOKED']);
    const sqlEnded = await Promise.all(sql.map((c) => c.ended));
    for (const ended of sqlEnded) expect(ended.message).toBe('terminating connection: this identity has been revoked');
    const streamClosedAt = await mcp.closed;
    const listed = await env.cli(['identity', 'revocations', '--json'], adminToken);
    const revocations = JSON.parse(listed.stdout) as { kind: string; value: string; reason: string; revokedAt: string; expiresAt: string | null }[];
    expect(revocations).toEqual([expect.objectContaining({ kind: 'client_id', value: 'demo-agent', reason: 'credentials leaked', expiresAt: null })]);
    // From the moment identity stored the revocation (same machine, same clock) to each end.
    const revokedAt = Date.parse(revocations[0]!.revokedAt);
    const latencies = [...outcomes.map((o) => o.at), ...sqlEnded.map((e) => e.at), streamClosedAt].map((at) => at - revokedAt);
    console.log(`revocation took effect after (ms): held HTTP ${latencies.slice(0, 2).join(', ')}; SQL ${latencies.slice(2, 4).join(', ')}; MCP stream ${latencies[4]}`);
    for (const ms of latencies) expect(ms).toBeLessThan(1000);

    // The MCP session is over; new requests and fresh tokens are refused on both instances.
    await expect(mcp.client.listTools()).rejects.toThrow();
    const fresh = await env.token(CLIENTS.agent);
    for (const i of [first, second]) {
      for (const t of [token, fresh]) {
        const res = await fetch(`${ingressUrl(i)}/http/demo-http/echo`, { headers: { authorization: `Bearer ${t}` } });
        expect([res.status, (await codeOf(res)).code]).toEqual([401, 'REVOKED']);
      }
    }
    await expect(pgClient(first, fresh)).rejects.toThrow(/revoked/);

    // Every service restarts: the revocation is still in force.
    for (const id of ['ingress', 'ingress-2', 'identity', 'policy', 'approvals', 'masking', 'audit']) await env.stack.stopService(id);
    for (const id of ['identity', 'policy', 'approvals', 'masking', 'audit', 'ingress', 'ingress-2']) await env.stack.startService(id);
    const afterRestart = await env.token(CLIENTS.agent);
    for (const i of [first, second]) {
      const res = await fetch(`${ingressUrl(i)}/http/demo-http/echo`, { headers: { authorization: `Bearer ${afterRestart}` } });
      expect([res.status, (await codeOf(res)).code]).toEqual([401, 'REVOKED']);
    }
    // Another agent was never affected.
    const other = await env.token(CLIENTS.agentApprover);
    expect((await fetch(`${ingressUrl(first)}/http/demo-http/echo`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);

    const lifted = await env.cli(['identity', 'unrevoke', '--client-id', 'demo-agent'], adminToken);
    expect(lifted.code, lifted.stderr).toBe(0);
    expect(lifted.stdout).toContain('lifted the revocation of client_id "demo-agent"');
    for (const i of [first, second]) {
      const res = await eventually(async () => {
        const r = await fetch(`${ingressUrl(i)}/http/demo-http/echo`, { headers: { authorization: `Bearer ${afterRestart}` } });
        return r.status === 200 ? r : undefined;
      }, 10_000, 'access restored');
      expect(res.status).toBe(200);
    }
    const restored = await pgClient(second, await env.token(CLIENTS.agent));
    expect((await restored.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await restored.end();
    // A SAML assertion is a PostgreSQL password too, good for one connection.
    const assertion = await env.samlAssertion(CLIENTS.agent);
    const viaSaml = await pgClient(first, assertion);
    expect((await viaSaml.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
    await viaSaml.end();
    await expect(pgClient(second, assertion)).rejects.toThrow(/already been used|replay/i);

    // The audit log has the revocation, its lifting and the sessions it ended.
    const types = await eventually(async () => {
      const rows = (await env.sql().query("select type from audit.events where type like 'identity.%' order by seq")).rows.map((r: { type: string }) => r.type);
      return rows.length >= 2 ? rows : undefined;
    }, 15_000, 'the revocation and its lifting in the audit log');
    expect(types).toEqual(['identity.revoked', 'identity.unrevoked']);
    const ended = (await env.sql().query("select count(*)::int as n from audit.events where type = 'session.ended' and event_json::text like '%REVOKED%'")).rows[0].n as number;
    expect(ended).toBeGreaterThanOrEqual(4);
  });

  it('refuses the CLI without an identity admin token', async () => {
    const agent = await env.cli(['identity', 'revoke', '--subject', 'someone'], await env.token(CLIENTS.approver));
    expect(agent.code).toBe(1);
    expect(agent.stderr).toContain('NOT_IDENTITY_ADMIN');
    const usage = await env.cli(['identity', 'revoke', '--subject', 'a', '--client-id', 'b'], adminToken);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('exactly one of --client-id <id>, --subject <sub> or --token-id <jti>')]);
  });
});

