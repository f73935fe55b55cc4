// Abuse at the edge, end to end: an anonymous flood cannot fill the append-only audit log, yet a
// SIEM still sees all of it (counted, with a sample); an agent flooding held requests it abandons
// cannot bury another agent's hold, and an agent past its concurrent-request limit gets 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@portcullis/testkit';
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
const WINDOW_MS = 3000;

const PENDING_HOLDS = 5;

beforeAll(async () => {
  await env.start({
    env: { INGRESS_AUTH_FAILURE_WINDOW_MS: String(WINDOW_MS) },
    limits: { perPrincipal: { pendingHolds: PENDING_HOLDS, retryAfter: '2s' }, overrides: [{ clientId: 'nested-agent', concurrentRequests: 2 }] },
  });
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

/** A POST the demo policy holds for approvers; `abort` hangs up. */
function heldPost(token: string, tag: string) {
  const controller = new AbortController();
  const response = env
    .gateway(`/http/demo-http/echo/${tag}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tag }), signal: controller.signal })
    .then(async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), requestId: res.headers.get('x-portcullis-request-id'), body: (await res.json()) as { error?: { code: string; reasons: string[] } } }))
    .catch(() => undefined); // hung up
  return { response, abort: () => controller.abort() };
}

const pendingHoldsOf = async (subject: string): Promise<number> =>
  Number((await env.sql().query("select count(*)::int as n from approvals.holds where requester_subject = $1 and status = 'pending'", [subject])).rows[0].n);

describe('per-principal limits', () => {
  it('a flood of abandoned holds is cancelled and capped, and leaves another agent’s hold first in the approvers’ list, approvable', async () => {
    const flooder = await env.token(CLIENTS.agent);
    const other = await env.token(CLIENTS.agentApprover);
    const approver = await env.token(CLIENTS.approver);
    const FLOOD = 600;
    const BATCH = 20;
    let refused = 0;
    let abandoned = 0;
    let maxPending = 0;
    let real: ReturnType<typeof heldPost> | undefined;
    let realTag = '';
    for (let sent = 0; sent < FLOOD; sent += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, i) => heldPost(flooder, `flood-${sent + i}`));
      const answered: NonNullable<Awaited<(typeof batch)[number]['response']>>[] = [];
      for (const post of batch) void post.response.then((r) => r && answered.push(r));
      // Each POST is either held (its hold stored, pending) or refused at once: then the rest hang up.
      await eventually(async () => {
        const pending = await pendingHoldsOf(CLIENTS.agent.id);
        maxPending = Math.max(maxPending, pending);
        return pending + answered.length === BATCH ? true : undefined;
      }, 20_000, `batch at ${sent}: held or refused`);
      for (const post of batch) post.abort();
      await Promise.all(batch.map((post) => post.response));
      for (const r of answered) {
        expect(r).toMatchObject({ status: 429, retryAfter: '2', body: { error: { code: 'LIMIT_EXCEEDED', reasons: ['limit:pending_holds'] } } });
      }
      refused += answered.length;
      abandoned += BATCH - answered.length;
      // The gateway withdraws what nobody waits for: nothing of the flood stays pending.
      await eventually(async () => ((await pendingHoldsOf(CLIENTS.agent.id)) === 0 ? true : undefined), 20_000, 'abandoned holds cancelled');
      if (sent === FLOOD / 2) {
        // Another agent's real request, made in the middle of the flood.
        realTag = `real-${randomUUID()}`;
        real = heldPost(other, realTag);
        await eventually(async () => ((await pendingHoldsOf(CLIENTS.agentApprover.id)) === 1 ? true : undefined), 20_000, 'the real request held');
      }
    }
    expect(maxPending).toBeLessThanOrEqual(PENDING_HOLDS);
    expect(refused + abandoned).toBe(FLOOD);
    expect(refused).toBeGreaterThanOrEqual(FLOOD - (FLOOD / BATCH) * PENDING_HOLDS);
    const { rows: statuses } = await env.sql().query<{ status: string; n: number }>('select status, count(*)::int as n from approvals.holds where requester_subject = $1 group by status', [CLIENTS.agent.id]);
    expect(statuses).toEqual([{ status: 'cancelled', n: abandoned }]);

    // What an approver sees: the real hold first, the only pending one, and the count says so.
    const listed = await env.cli(['approvals', 'list', '--json'], approver);
    expect(listed.code).toBe(0);
    const holds = JSON.parse(listed.stdout) as { id: string; requester: { subject: string }; http?: { path: string } }[];
    expect(holds.map((h) => h.requester.subject)).toEqual([CLIENTS.agentApprover.id]);
    expect(holds[0]!.http?.path).toBe(`/echo/${realTag}`);
    expect(listed.stderr).toContain('1 of 1 pending hold(s) shown, newest first.');
    const all = await env.cli(['approvals', 'list', '--all', '--requester', CLIENTS.agent.id, '--limit', '3'], approver);
    expect(all.stdout).toMatch(new RegExp(`3 of ${abandoned} hold\\(s\\) shown, newest first\\.\\nNext page: portcullis approvals list --all --requester demo-agent --limit 3 --page \\S+`));
    expect(all.stdout).toContain('cancelled');
    const approved = await env.cli(['approvals', 'approve', holds[0]!.id], approver);
    expect(approved.code).toBe(0);
    const answer = await real!.response;
    expect(answer?.status).toBe(200);
    expect(env.received.filter((r) => r.path === `/echo/${realTag}`)).toHaveLength(1);
    // Approving a cancelled hold of the flood says why it cannot be.
    const { rows: [cancelled] } = await env.sql().query<{ id: string }>("select id from approvals.holds where requester_subject = $1 and status = 'cancelled' limit 1", [CLIENTS.agent.id]);
    const refusedApproval = await env.cli(['approvals', 'approve', cancelled!.id], approver);
    expect(refusedApproval.code).toBe(1);
    expect(refusedApproval.stderr).toMatch(/cancelled by the gateway \(CALLER_GONE: the caller went away while the request was held\).*\(HOLD_CANCELLED\)/);
    // Audit has each withdrawal, with the reason.
    await eventually(async () => {
      const n = Number((await env.sql().query("select count(*)::int as n from audit.events where type = 'approval.cancelled'")).rows[0].n);
      return n >= abandoned ? true : undefined;
    }, 30_000, 'approval.cancelled recorded');
    console.log(`flood of ${FLOOD} held POSTs: ${refused} refused with 429 (pending_holds), ${abandoned} held then abandoned and cancelled; pending never above ${maxPending}`);
  });

  it('past its concurrent-request limit a caller gets 429 with Retry-After, recorded with the limit; slots come back when requests end', async () => {
    const nested = await env.token(CLIENTS.nestedAgent, '/nested');
    const held = [heldPost(nested, `c-${randomUUID()}`), heldPost(nested, `c-${randomUUID()}`)];
    await eventually(async () => ((await pendingHoldsOf(CLIENTS.nestedAgent.id)) === 2 ? true : undefined), 20_000, 'two requests held');
    const res = await env.gateway('/http/demo-http/customers', { token: nested });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    const body = (await res.json()) as { error: { code: string; reasons: string[]; message: string } };
    expect(body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', reasons: ['limit:concurrent_requests'], message: expect.stringContaining('2 requests in flight') });
    const requestId = res.headers.get('x-portcullis-request-id')!;
    const events = await eventually(async () => {
      const rows = await env.auditEvents(requestId);
      return rows.some((r) => r.type === 'request.completed') ? rows : undefined;
    }, 20_000, 'the refusal recorded');
    expect(events.map((e) => e.type)).toEqual(['request.received', 'request.completed']);
    expect(events[1]!.event_json).toMatchObject({ requestCompleted: { errorCode: 'LIMIT_EXCEEDED', reasons: ['limit:concurrent_requests'], httpStatus: 429 } });
    for (const post of held) post.abort();
    await Promise.all(held.map((post) => post.response));
    await eventually(async () => ((await pendingHoldsOf(CLIENTS.nestedAgent.id)) === 0 ? true : undefined), 20_000, 'held requests cancelled');
    // Once they ended, the caller is admitted again.
    const again = await eventually(async () => {
      const r = await env.gateway('/http/demo-http/customers', { token: nested });
      await r.arrayBuffer();
      return r.status === 429 ? undefined : r;
    }, 10_000, 'admitted again');
    expect(again.status).toBe(200);
  });
});
