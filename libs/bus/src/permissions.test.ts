import { describe, expect, it } from 'vitest';
import { BusNames, EVENT_TOKENS, type EventKind } from './names.js';
import { AUDIT_DURABLE, BUS_SERVICES, busPermissions, EVENT_PUBLISHERS, inboxPrefix, isInboxReply, natsAuthorization, type BusService } from './permissions.js';

const names = new BusNames('pc');

/** NATS subject matching: `*` one token, `>` the rest. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

function mayPublish(service: BusService, subject: string): boolean {
  const { publish } = busPermissions(names, service);
  return publish.allow.some((p) => matches(p, subject)) && !publish.deny.some((p) => matches(p, subject));
}

function maySubscribe(service: BusService, subject: string): boolean {
  const { subscribe } = busPermissions(names, service);
  return subscribe.allow.some((p) => matches(p, subject)) && !subscribe.deny.some((p) => matches(p, subject));
}

describe('busPermissions', () => {
  it('lets exactly the publisher of each event kind publish it', () => {
    for (const kind of Object.keys(EVENT_TOKENS) as EventKind[]) {
      const subject = `pc.evt.${EVENT_TOKENS[kind].join('.')}.demo-http.req-1`;
      expect(BUS_SERVICES.filter((s) => mayPublish(s, subject))).toEqual([EVENT_PUBLISHERS[kind]]);
    }
  });

  it('lets only ingress publish batches, and only under its own name', () => {
    expect(BUS_SERVICES.filter((s) => mayPublish(s, names.batchSubject('ingress:ingress-1', 'b1')))).toEqual(['ingress']);
    expect(BUS_SERVICES.filter((s) => mayPublish(s, names.batchSubject('approvals:a-1', 'b1')))).toEqual([]);
  });

  it('lets only policy receive decision requests and answer into ingress\'s inbox, and only ingress ask', () => {
    expect(BUS_SERVICES.filter((s) => maySubscribe(s, names.policyDecide))).toEqual(['policy']);
    expect(BUS_SERVICES.filter((s) => mayPublish(s, names.policyDecide))).toEqual(['ingress']);
    expect(BUS_SERVICES.filter((s) => mayPublish(s, `${inboxPrefix('ingress')}.abc.1`))).toEqual(['policy']);
    // No response allowance: nats-server would let it publish to whatever reply subject a requester names.
    const rendered = natsAuthorization(names, BUS_SERVICES.map((service) => ({ service, nkey: `U${service}` }))) as { users: { permissions: Record<string, unknown> }[] };
    expect(rendered.users.filter((u) => 'allow_responses' in u.permissions)).toEqual([]);
    expect(mayPublish('policy', '$JS.API.STREAM.PURGE.PC_EVENTS')).toBe(false);
  });

  it('knows an inbox from any other reply subject', () => {
    expect(isInboxReply('_INBOX_ingress.abc.1')).toBe(true);
    expect(isInboxReply('_INBOX.abc')).toBe(true);
    for (const reply of [undefined, '', '$JS.API.STREAM.PURGE.PC_EVENTS', 'pc.evt.approval.granted.x.y', '_INBOX', '_INBOX_ingress', '_INBOXX.a', '_INBOX.a b']) expect(isInboxReply(reply)).toBe(false);
  });

  it('gives every identity its own inbox and nobody another\'s', () => {
    for (const service of BUS_SERVICES) {
      expect(BUS_SERVICES.filter((s) => maySubscribe(s, `${inboxPrefix(service)}.x.1`))).toEqual([service]);
    }
    expect(BUS_SERVICES.filter((s) => maySubscribe(s, '_INBOX.x.1'))).toEqual([]);
  });

  it("keeps everyone but audit off audit's consumer, and only audit may purge", () => {
    for (const subject of [
      `$JS.API.CONSUMER.CREATE.PC_EVENTS.${AUDIT_DURABLE}.pc.evt.identity.>`,
      `$JS.API.CONSUMER.CREATE.PC_EVENTS.${AUDIT_DURABLE}`,
      `$JS.API.CONSUMER.DURABLE.CREATE.PC_EVENTS.${AUDIT_DURABLE}`,
      `$JS.API.CONSUMER.INFO.PC_EVENTS.${AUDIT_DURABLE}`,
      `$JS.API.CONSUMER.MSG.NEXT.PC_EVENTS.${AUDIT_DURABLE}`, `$JS.API.CONSUMER.DELETE.PC_EVENTS.${AUDIT_DURABLE}`, `$JS.ACK.PC_EVENTS.${AUDIT_DURABLE}.1.2.3.4.5`, '$JS.API.STREAM.PURGE.PC_EVENTS']) {
      expect(BUS_SERVICES.filter((s) => mayPublish(s, subject))).toEqual(['audit']);
    }
    for (const subject of ['$JS.API.STREAM.DELETE.PC_EVENTS', '$JS.API.STREAM.UPDATE.PC_EVENTS', '$JS.API.STREAM.PURGE.PC_AUDIT']) {
      expect(BUS_SERVICES.filter((s) => mayPublish(s, subject))).toEqual([]);
    }
  });

  it('lets ingress follow only identity events with its own consumers', () => {
    expect(mayPublish('ingress', '$JS.API.CONSUMER.CREATE.PC_EVENTS.oc_1.pc.evt.identity.*.>')).toBe(true);
    expect(mayPublish('ingress', '$JS.API.CONSUMER.CREATE.PC_EVENTS.oc_1.pc.evt.>')).toBe(false);
    expect(mayPublish('ingress', '$JS.API.CONSUMER.CREATE.PC_EVENTS.oc_1')).toBe(false);
  });

  it('renders nats-server users with public keys only', () => {
    const rendered = natsAuthorization(names, [{ service: 'policy', nkey: 'UPOLICY' }]) as { users: { nkey: string; permissions: Record<string, unknown> }[] };
    expect(rendered.users).toHaveLength(1);
    expect(rendered.users[0]!.nkey).toBe('UPOLICY');
    expect(Object.keys(rendered.users[0]!.permissions).sort()).toEqual(['publish', 'subscribe']);
  });
});
