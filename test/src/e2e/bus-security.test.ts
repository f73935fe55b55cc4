// The bus trusts nobody who merely reaches it: each service connects to the stack's own NATS server
// with its own nkey and may publish and subscribe only where its part of the request path needs.
// Exercised with the services' real identities against the real server the stack started.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, nkeyAuthenticator, nkeys, type NatsConnection } from '@nats-io/transport-node';
import { BusNames, connectBus, EventPublisher, newEvent, type Bus, type BusService } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import { AckPolicy } from '@nats-io/jetstream';
import { eventually } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
let names: BusNames;
let agentToken: string;
let approverToken: string;
const opened: (Bus | NatsConnection)[] = [];

beforeAll(async () => {
  await env.start();
  names = new BusNames(env.stack.namespace);
  [agentToken, approverToken] = await Promise.all([env.token(CLIENTS.agent), env.token(CLIENTS.approver)]);
});
afterAll(async () => {
  for (const c of opened) await ('nc' in c ? c.close() : c.close()).catch(() => undefined);
  await env.stop();
});

/** A connection as `service`, with that service's own seed — what an attacker holding one key has. */
async function as(service: BusService): Promise<Bus> {
  const bus = await connectBus({ url: env.nats, name: `test-as-${service}`, service, credentials: { nkeySeedFile: env.stack.natsIdentities!.seedFiles[service] } });
  opened.push(bus);
  return bus;
}

/** The next permission violation the server reports to `nc` for `subject`. */
async function violation(nc: NatsConnection, subject: string, act: () => void | Promise<unknown>): Promise<string> {
  const seen = (async () => {
    for await (const status of nc.status()) {
      const message = status.type === 'error' ? String((status as { error?: Error }).error?.message ?? '') : '';
      if (/permissions violation/i.test(message) && message.includes(subject)) return message;
    }
    return '';
  })();
  await Promise.resolve(act()).catch(() => undefined);
  await nc.flush().catch(() => undefined);
  return Promise.race([seen, new Promise<string>((r) => setTimeout(() => r('no violation reported'), 5000))]);
}

/** A POST the policy holds for approval; its request and hold ids. */
async function heldRequest(path: string): Promise<{ requestId: string; holdId: string; response: Promise<Response> }> {
  const response = env.gateway(`/http/demo-http${path}`, { method: 'POST', token: agentToken, body: 'x' });
  const hold = await eventually(async () => {
    const listed = await env.cli(['approvals', 'list', '--json'], approverToken);
    return (JSON.parse(listed.stdout || '[]') as { id: string; requestId: string; http?: { path: string } }[]).find((h) => h.http?.path === path);
  }, 15_000, `a pending hold for ${path}`);
  return { requestId: hold.requestId, holdId: hold.id, response };
}

function grantedEvent(requestId: string, holdId: string): eventsV1.Event {
  return newEvent({ requestId, connection: 'demo-http', source: 'approvals:forger', body: { $case: 'approvalGranted', value: { holdId, approver: 'demo-approver', approvers: [], grantId: '', grantExpiresAt: undefined } } });
}

describe('who may connect', () => {
  it('refuses a client without credentials', async () => {
    await expect(connect({ servers: env.nats, reconnect: false, timeout: 3000 })).rejects.toThrow(/authorization violation/i);
  });

  it('refuses an nkey the server does not know', async () => {
    const stranger = nkeys.createUser();
    await expect(connect({ servers: env.nats, reconnect: false, timeout: 3000, authenticator: nkeyAuthenticator(stranger.getSeed()) })).rejects.toThrow(/authorization violation/i);
  });

  it('admits each service with its own seed, which is not readable by others on the machine', async () => {
    for (const service of ['ingress', 'policy', 'approvals', 'identity', 'audit'] as const) {
      const file = env.stack.natsIdentities!.seedFiles[service];
      expect(readFileSync(file, 'utf8')).toMatch(/^SU[A-Z2-7]+\n$/);
      const { statSync } = await import('node:fs');
      expect(statSync(file).mode & 0o077).toBe(0);
      await as(service);
    }
  });
});

describe('decision replies are bound to their request', () => {
  it('lets no identity but policy receive decision requests', async () => {
    for (const service of ['approvals', 'ingress', 'audit', 'identity'] as const) {
      const bus = await as(service);
      expect(await violation(bus.nc, names.policyDecide, () => void bus.nc.subscribe(names.policyDecide))).toMatch(/subscription/i);
    }
  });

  it("lets nobody but policy publish into ingress's inbox", async () => {
    for (const service of ['approvals', 'identity', 'audit'] as const) {
      const bus = await as(service);
      const subject = '_INBOX_ingress.guess.1';
      expect(await violation(bus.nc, subject, () => bus.nc.publish(subject, '{"effect":"ALLOW"}'))).toMatch(/publish/i);
    }
  });

  it('cannot be used to make policy publish elsewhere: a request naming a stream purge or an event subject as its reply is not answered', async () => {
    const before = await (await as('audit')).jsm.streams.info(names.eventsStream);
    const ingress = await as('ingress');
    const approval = `${names.namespace}.evt.approval.granted.demo-http.req-aimed`;
    for (const subject of [names.policyVisible, names.policyDecide]) {
      for (const reply of [`$JS.API.STREAM.PURGE.${names.eventsStream}`, approval]) ingress.nc.publish(subject, 'x', { reply });
    }
    await ingress.nc.flush();
    // Policy ignores them (and could not publish there anyway); a real request still gets an answer.
    const res = await env.gateway('/http/demo-http/echo/after-aimed-replies', { token: agentToken });
    expect(res.status).toBe(200);
    const after = await (await as('audit')).jsm.streams.info(names.eventsStream, { subjects_filter: approval });
    expect(after.state.first_seq).toBe(before.state.first_seq);
    expect(after.state.messages).toBeGreaterThan(before.state.messages);
    expect(after.state.subjects?.[approval] ?? 0).toBe(0);
  });

  it('still decides by policy: a denied DELETE is denied while another identity tries to answer', async () => {
    const bus = await as('approvals');
    void bus.nc.subscribe(names.policyDecide, { callback: (_err, msg) => msg.respond?.('forged') });
    const res = await env.gateway('/http/demo-http/echo/1', { method: 'DELETE', token: agentToken });
    expect(res.status).toBe(403);
  });
});

describe('approval events come only from approvals', () => {
  it('refuses an approval event from any other identity, and the held request stays held', async () => {
    const held = await heldRequest('/echo/forged-approval');
    const forged = grantedEvent(held.requestId, held.holdId);
    const subject = names.eventSubject(forged);
    for (const service of ['ingress', 'policy', 'identity', 'audit'] as const) {
      const bus = await as(service);
      expect(await violation(bus.nc, subject, () => bus.js.publish(subject, eventsV1.Event.encode(forged).finish(), { msgID: forged.id }))).toMatch(/publish/i);
    }
    const stored = await (await as('audit')).jsm.streams.info(names.eventsStream, { subjects_filter: subject });
    expect(stored.state.subjects?.[subject] ?? 0).toBe(0);
    const still = await env.cli(['approvals', 'list', '--json'], approverToken);
    expect((JSON.parse(still.stdout) as { id: string }[]).map((h) => h.id)).toContain(held.holdId);
    // The real approval still releases it.
    expect((await env.cli(['approvals', 'approve', held.holdId], approverToken)).code).toBe(0);
    expect((await held.response).status).toBe(200);
  });

  it('records an approval smuggled into ingress\'s own batch as invalid, never as genuine, and releases nothing', async () => {
    const held = await heldRequest('/echo/smuggled-approval');
    const forged = grantedEvent(held.requestId, held.holdId);
    // Published as ingress publishes its own events: a batch on its batch subject.
    const seq = await new EventPublisher((await as('ingress')).js, names).publishBatch('smuggle-1', 'ingress:forger', [eventsV1.Event.encode(forged).finish()]);
    const invalid = await eventually(async () => {
      const { rows } = await env.sql().query<{ event_id: string; type: string }>('select event_id, type from audit.events where stream_seq = $1', [String(seq)]);
      return rows.length > 0 ? rows : undefined;
    }, 15_000, 'the smuggled batch in the audit log');
    expect(invalid).toEqual([{ event_id: expect.stringMatching(/^invalid:/), type: 'invalid' }]);
    expect((await env.sql().query('select 1 from audit.events where event_id = $1', [forged.id])).rowCount).toBe(0);
    expect((await env.auditEvents(held.requestId)).map((r) => r.type)).not.toContain('approval.granted');
    const listed = await env.cli(['approvals', 'list', '--json'], approverToken);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((h) => h.id)).toContain(held.holdId);
    expect(env.received.some((r) => r.path === '/echo/smuggled-approval')).toBe(false);

    // Approved for real: the genuine event is recorded under its own, unpredictable id.
    expect((await env.cli(['approvals', 'approve', held.holdId], approverToken)).code).toBe(0);
    expect((await held.response).status).toBe(200);
    const granted = await eventually(async () => (await env.auditEvents(held.requestId)).find((r) => r.type === 'approval.granted'), 15_000, 'the genuine approval');
    expect(granted.source).toMatch(/^approvals:/);
    const id = (granted.event_json as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(id).not.toContain(held.holdId);
  });
});

describe('an event id cannot be taken from its event', () => {
  it('keeps both when ingress republishes a recorded event id with other content: the genuine one keeps it', async () => {
    const res = await env.gateway('/http/demo-http/echo/squatted', { token: agentToken });
    const requestId = res.headers.get('x-portcullis-request-id')!;
    const genuine = await eventually(async () => (await env.auditEvents(requestId)).find((r) => r.type === 'decision.made'), 15_000, 'the decision in the log');
    const id = (genuine.event_json as { id: string }).id;
    const squatter = newEvent({ id, requestId: 'req-squatter', connection: 'demo-http', source: 'ingress:forger', body: { $case: 'requestReceived', value: { principal: undefined, protocol: 'http', target: undefined } } });
    await new EventPublisher((await as('ingress')).js, names).publishBatch('squat-1', 'ingress:forger', [eventsV1.Event.encode(squatter).finish()]);
    const renamed = await eventually(async () => {
      const { rows } = await env.sql().query<{ event_id: string; request_id: string }>("select event_id, request_id from audit.events where event_id like $1", [`${id}~%`]);
      return rows[0];
    }, 15_000, 'the squatter recorded under its own id');
    expect(renamed.request_id).toBe('req-squatter');
    const { rows } = await env.sql().query<{ request_id: string; type: string }>('select request_id, type from audit.events where event_id = $1', [id]);
    expect(rows).toEqual([{ request_id: requestId, type: 'decision.made' }]);
  });
});

describe("audit's consumer is audit's alone", () => {
  it('lets no other identity change it (a create of an existing durable updates it)', async () => {
    const bus = await as('ingress');
    await expect(bus.jsm.consumers.add(names.eventsStream, { durable_name: 'audit', filter_subject: `${names.namespace}.evt.identity.>`, ack_policy: AckPolicy.Explicit })).rejects.toThrow();
    await expect(bus.jsm.consumers.add(names.eventsStream, { name: 'audit', filter_subject: `${names.namespace}.evt.identity.>`, ack_policy: AckPolicy.Explicit })).rejects.toThrow();
    const audit = await as('audit');
    expect((await audit.jsm.consumers.info(names.eventsStream, 'audit')).config.filter_subject).toBe(names.allEvents);
  });

  it('lets no other identity pull, acknowledge or delete from it', async () => {
    const durable = `$JS.API.CONSUMER.MSG.NEXT.${names.eventsStream}.audit`;
    const bus = await as('ingress');
    expect(await violation(bus.nc, durable, () => bus.nc.publish(durable, JSON.stringify({ batch: 1, no_wait: true })))).toMatch(/publish/i);
    await expect(bus.jsm.consumers.delete(names.eventsStream, 'audit')).rejects.toThrow();
    const audit = await as('audit');
    expect((await audit.jsm.consumers.info(names.eventsStream, 'audit')).name).toBe('audit');
  });

  it('lets no identity change or purge the event stream but audit (which trims what it recorded)', async () => {
    for (const service of ['ingress', 'policy', 'approvals', 'identity'] as const) {
      const bus = await as(service);
      await expect(bus.jsm.streams.purge(names.eventsStream)).rejects.toThrow();
      await expect(bus.jsm.streams.delete(names.eventsStream)).rejects.toThrow();
    }
    const info = await (await as('audit')).jsm.streams.info(names.eventsStream);
    expect(info.state.messages).toBeGreaterThan(0);
  });
});
