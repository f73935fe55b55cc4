// Abuse at the edge, end to end: an anonymous flood cannot fill the append-only audit log, yet a
// SIEM still sees all of it (counted, with a sample).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@portcullis/testkit';
import { connect } from 'node:net';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
const WINDOW_MS = 3000;

beforeAll(async () => {
  await env.start({ env: { INGRESS_AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS) } });
});
afterAll(() => env.stop());

interface Row {
  type: string;
  event_json: { authenticationFailed?: { code: string; count?: number; target?: string; clientAddress?: string; windowStart?: string } };
}

describe('pre-authentication refusals are aggregated', () => {
  it('3,000 requests without a token add a bounded number of audit records that still count every one', async () => {
    const before = Number((await env.sql().query("select count(*)::int as n from audit.events")).rows[0].n);
    const FLOOD = 3000;
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < FLOOD) {
          const i = next++;
          const res = await env.gateway(`/http/demo-http/flood/${i}?secret=not-for-the-log`);
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    // Every caller was refused at once, in its protocol.
    expect(Object.fromEntries(statuses)).toEqual({ 401: FLOOD });
    // The summaries follow when their windows end.
    const rows = await eventually(async () => {
      const { rows } = await env.sql().query<Row>("select type, event_json from audit.events where type = 'auth.failed' and event_json->'authenticationFailed'->>'code' = 'TOKEN_MISSING' order by seq");
      const counted = rows.reduce((sum, r) => sum + (r.event_json.authenticationFailed?.count ?? 1), 0);
      return counted >= FLOOD ? rows : undefined;
    }, 30_000, 'summaries counting the whole flood');
    const counted = rows.reduce((sum, r) => sum + (r.event_json.authenticationFailed?.count ?? 1), 0);
    expect(counted).toBe(FLOOD);
    // One record of the first refusal and one summary per window, however many requests.
    expect(rows.length).toBeLessThanOrEqual(2 * Math.ceil(60_000 / WINDOW_MS));
    expect(rows.length).toBeLessThan(40);
    const summary = rows.find((r) => (r.event_json.authenticationFailed?.count ?? 1) > 1)!;
    expect(summary.event_json.authenticationFailed).toMatchObject({ code: 'TOKEN_MISSING', clientAddress: expect.stringMatching(/^127\.0\.0\.1:/), target: expect.stringMatching(/^GET \/http\/demo-http\/flood\/\d+$/), windowStart: expect.any(String) });
    const added = Number((await env.sql().query("select count(*)::int as n from audit.events")).rows[0].n) - before;
    expect(added).toBeLessThan(80);
    expect(JSON.stringify(rows)).not.toContain('not-for-the-log');
    console.log(`flood of ${FLOOD}: ${rows.length} auth.failed records (counts ${rows.map((r) => r.event_json.authenticationFailed?.count ?? 1).join(', ')}), ${added} audit rows in all`);
  });
});

describe('slow clients', () => {
  it('cuts off a body sent slower than the minimum rate with 408 REQUEST_TIMEOUT, forwarding nothing', async () => {
    const token = await env.token(CLIENTS.agent);
    const before = env.received.length;
    const [host, port] = env.stack.ingressUrl.replace('http://', '').split(':');
    const socket = connect(Number(port), host!);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /http/demo-http/echo/slow HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer ${token}\r\ncontent-type: text/plain\r\ncontent-length: 100000\r\n\r\n`);
    const trickle = setInterval(() => socket.write('x'.repeat(20)), 200); // 100 bytes/s
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"code":"REQUEST_TIMEOUT"');
    expect(env.received.length).toBe(before);
  });
});
