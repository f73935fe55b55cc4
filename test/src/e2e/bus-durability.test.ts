// Nothing is lost on the bus: the event stream never deletes what audit has not recorded, a stream
// that fills up makes the gateway refuse (503) instead of forwarding unrecorded, and audit falling
// behind turns its readiness red. Audit is held back for real: a transaction holds its table locked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connectBus } from '@portcullis/bus';
import { eventually } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
const MAX_BYTES = 256 * 1024;
let agentToken: string;

beforeAll(async () => {
  await env.start({
    env: {
      PORTCULLIS_EVENTS_MAX_BYTES: String(MAX_BYTES),
      INGRESS_STREAM_CHECK_MS: '100',
      AUDIT_STREAM_WATCH_MS: '100',
      AUDIT_EVENTS_RETAIN_MS: '0',
      AUDIT_LAG_ALERT_SECONDS: '1',
    },
  });
  agentToken = await env.token(CLIENTS.agent);
});
afterAll(() => env.stop());

async function streamState(): Promise<{ bytes: number; messages: number; config: { discard: string; max_age: number; max_bytes: number } }> {
  const bus = await connectBus({ url: env.nats, name: 'test-admin', credentials: { nkeySeedFile: env.natsAdmin.nkeySeedFile! } });
  try {
    const info = await bus.jsm.streams.info(`${env.stack.namespace.toUpperCase()}_EVENTS`);
    return { bytes: info.state.bytes, messages: info.state.messages, config: info.config };
  } finally {
    await bus.close();
  }
}

const auditStatus = async (path: string) => fetch(`${env.stack.auditStatusUrl}${path}`);
const metric = async (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(await (await auditStatus('/metrics')).text())?.[1]);

describe('the event stream', () => {
  it('never deletes by age and refuses new events when full, instead of dropping old ones', async () => {
    const { config } = await streamState();
    expect(config).toMatchObject({ discard: 'new', max_age: 0, max_bytes: MAX_BYTES });
  });

  it('is trimmed by audit of what it recorded, so traffic beyond its size keeps flowing', async () => {
    let sent = 0;
    for (let i = 0; sent < 3 * MAX_BYTES; i++) {
      const res = await env.gateway(`/http/demo-http/echo/flow-${i}`, { token: agentToken, headers: { 'x-padding': 'p'.repeat(2000) } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      sent += 2000;
    }
    expect((await streamState()).bytes).toBeLessThan(MAX_BYTES);
    await eventually(async () => ((await metric('portcullis_audit_lag_events')) === 0 ? true : undefined), 10_000, 'audit to catch up');
    expect((await auditStatus('/readyz')).status).toBe(200);
  });
});

describe('audit held back', () => {
  it('fills the stream, the gateway refuses with 503 and forwards nothing unrecorded; audit readiness is red; all of it is recorded once audit resumes', async () => {
    const lock = new pg.Client({ connectionString: env.db.url });
    await lock.connect();
    await lock.query('begin');
    await lock.query('lock table audit.events in access exclusive mode');
    const forwarded: string[] = [];
    let refused: Response | undefined;
    try {
      for (let i = 0; i < 5000 && !refused; i++) {
        const res = await env.gateway(`/http/demo-http/echo/held-back-${i}`, { token: agentToken, headers: { 'x-padding': 'p'.repeat(2000) } });
        await res.arrayBuffer();
        if (res.status === 200) forwarded.push(res.headers.get('x-portcullis-request-id')!);
        else refused = res;
      }
      expect(refused?.status).toBe(503);
      expect(refused!.headers.get('x-portcullis-request-id')).toBeTruthy();
      const refusedPath = `/echo/held-back-${forwarded.length}`;
      expect(env.received.some((r) => r.path === refusedPath)).toBe(false);
      expect(forwarded.length).toBeGreaterThan(10);
      // Refused until there is room again; the gateway says it is not ready.
      const again = await env.gateway('/http/demo-http/echo/while-full', { token: agentToken });
      expect(again.status).toBe(503);
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('BUS_UNAVAILABLE');
      expect((await fetch(`${env.stack.ingressUrl}/readyz`)).status).toBe(503);
      // Audit is behind beyond its threshold: red readiness, the metric, the stream nearly full.
      await eventually(async () => ((await auditStatus('/readyz')).status === 503 ? true : undefined), 10_000, 'audit readiness to turn red');
      expect(await metric('portcullis_audit_lagging')).toBe(1);
      expect(await metric('portcullis_audit_lag_events')).toBeGreaterThan(0);
      expect(await metric('portcullis_events_stream_bytes')).toBeGreaterThan(0.8 * MAX_BYTES);
    } finally {
      await lock.query('commit');
      await lock.end();
    }
    // Audit records the backlog, trims it, and the gateway takes requests again.
    await eventually(async () => ((await auditStatus('/readyz')).status === 200 ? true : undefined), 30_000, 'audit to catch up');
    await eventually(async () => ((await env.gateway('/http/demo-http/echo/after', { token: agentToken })).status === 200 ? true : undefined), 10_000, 'the gateway to accept requests again');
    // Nothing lost: every forwarded request is in the log from start to finish.
    for (const requestId of forwarded) {
      const types = await eventually(async () => {
        const recorded = (await env.auditEvents(requestId)).map((r) => r.type);
        return recorded.includes('request.completed') ? recorded : undefined;
      }, 30_000, `request ${requestId} completed in the log`);
      expect(types).toEqual(expect.arrayContaining(['request.received', 'decision.made', 'request.completed']));
    }
  });
});
