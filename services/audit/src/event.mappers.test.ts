import { describe, expect, it } from 'vitest';
import { BusNames, newEvent } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import { appendToChain, EMPTY_CHAIN, jsonDigest, sha256Hex, verifyChain } from './domain/index.js';
import type { EventRow } from './db/events.table.js';
import { chainedFromRow, entriesFromMessage as entriesOf, rowFromChained, type ReceivedMessage } from './event.mappers.js';

const AT = new Date('2025-01-02T03:04:05.678Z');
const names = new BusNames('t');

/** An event as its publisher sends it: on the subject its kind, connection and request give. */
function received(event: eventsV1.Event, streamSeq = 7, subject = event.id ? names.eventSubject(event) : 't.evt.decision.made.crm.req-1'): ReceivedMessage {
  return { data: eventsV1.Event.encode(event).finish(), subject, msgId: event.id, eventType: 'decision.made', streamSeq };
}

const entriesFromMessage = (message: ReceivedMessage) => entriesOf(message, names);
const invalidId = (message: ReceivedMessage, suffix = '') => `invalid:${message.streamSeq}:${sha256Hex(message.data).slice(0, 16)}${suffix}`;

/** The one entry of a single-event message. */
function entryFromMessage(message: ReceivedMessage) {
  const entries = entriesFromMessage(message);
  expect(entries).toHaveLength(1);
  return entries[0]!;
}

const decision = newEvent({
  id: 'evt-1',
  requestId: 'req-1',
  connection: 'crm',
  source: 'ingress:a',
  occurredAt: AT,
  body: { $case: 'decisionMade', value: { decision: { effect: 1, reasons: ['rule:x'], message: 'X is allowed.', maskingProfiles: [], approval: undefined, policyVersion: 'v1', decidedBy: 'policy:a', cacheable: false }, fromCache: false } },
});

describe('entriesFromMessage (single events)', () => {
  it('takes the fields of a valid event and keeps its exact bytes', () => {
    const message = received(decision);
    const entry = entryFromMessage(message);
    expect(entry).toMatchObject({ eventId: 'evt-1', type: 'decision.made', requestId: 'req-1', connection: 'crm', source: 'ingress:a', occurredAt: AT, streamSeq: 7 });
    expect(entry.payload).toBe(message.data);
    expect(entry.payloadDigest).toBe(sha256Hex(message.data));
    expect(JSON.parse(entry.eventJson!)).toEqual(eventsV1.Event.toJSON(decision));
    expect(entry.eventJsonDigest).toBe(jsonDigest(eventsV1.Event.toJSON(decision)));
  });

  it('records undecodable bytes as invalid, named by stream seq and digest (never by the message id it claims), placed by subject', () => {
    const data = Uint8Array.of(0x0a, 0x05, 0x41);
    const message = { data, subject: 't.evt.request.received.crm.req-9', msgId: 'm-1', eventType: undefined, streamSeq: 3 };
    expect(entryFromMessage(message)).toMatchObject({
      eventId: invalidId(message),
      type: 'invalid',
      requestId: 'req-9',
      connection: 'crm',
      source: '',
      occurredAt: undefined,
      eventJson: null,
      eventJsonDigest: '',
      payloadDigest: sha256Hex(data),
    });
    expect(entryFromMessage({ data, subject: 't.evt.odd', msgId: undefined, eventType: undefined, streamSeq: 3 })).toMatchObject({ eventId: invalidId(message), requestId: '', connection: '' });
  });

  it('records an event that arrived on a subject other than its own as invalid, under an id it cannot choose', () => {
    const granted = newEvent({ id: 'evt-g', requestId: 'req-1', connection: 'crm', source: 'approvals:x', occurredAt: AT, body: { $case: 'approvalGranted', value: { holdId: 'h', approver: 'a', approvers: [], grantId: '', grantExpiresAt: undefined } } as never });
    expect(entryFromMessage(received(granted)).eventId).toBe('evt-g');
    // Published by someone allowed only request subjects, or on another connection's or request's subject.
    for (const subject of ['t.evt.request.received.crm.req-1', 't.evt.approval.granted.other.req-1', 't.evt.approval.granted.crm.req-2', 'u.evt.approval.granted.crm.req-1']) {
      const message = received(granted, 4, subject);
      expect(entryFromMessage(message)).toMatchObject({ type: 'invalid', eventId: invalidId(message), eventJson: null });
    }
  });

  it('treats an event without id as invalid', () => {
    expect(entryFromMessage(received({ ...decision, id: '' })).type).toBe('invalid');
  });

  it('replaces NUL, which PostgreSQL text and jsonb refuse, and drops an unrepresentable timestamp', () => {
    const entry = entryFromMessage(received({ ...decision, source: 'a\u0000b', occurredAt: new Date('+012000-01-01T00:00:00Z') }));
    expect(entry.source).toBe('a\uFFFDb');
    expect(entry.eventJson).not.toContain('\\u0000');
    expect(JSON.parse(entry.eventJson!).source).toBe('a\uFFFDb');
    expect(entry.occurredAt).toBeUndefined();
  });
});

describe('rows', () => {
  it('hash the same when read back (jsonb reorders keys; pg returns int8 as text)', async () => {
    const entries = [entryFromMessage(received(decision, 1)), entryFromMessage({ data: Uint8Array.of(1, 2), subject: 'x', msgId: undefined, eventType: undefined, streamSeq: 2 })];
    const plan = appendToChain(EMPTY_CHAIN, entries, new Set());
    const readBack: EventRow[] = plan.appended.map(rowFromChained).map((row) => ({
      ...row,
      occurred_at: row.occurred_at ?? null,
      recorded_at: new Date(),
      payload: Buffer.from(row.payload),
      event_json: row.event_json === null ? null : reorderKeys(JSON.parse(row.event_json as string)),
    }));
    await expect(verifyChain(readBack.map(chainedFromRow))).resolves.toMatchObject({ ok: true, records: 2 });
  });
});

function reorderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorderKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorderKeys(v)]));
  return value;
}

describe('entriesFromMessage (batches)', () => {
  const session = [
    newEvent({ id: 'evt-s', requestId: '', sessionId: 'sess-1', connection: 'crm', source: 'ingress:a', occurredAt: AT, body: { $case: 'sessionStarted', value: { principal: undefined, protocol: 'mcp', clientAddress: '10.0.0.1:5000', clientUser: '', applicationName: '' } } }),
    { ...decision, id: 'evt-d', sessionId: 'sess-1' },
  ];
  const elements = session.map((e) => eventsV1.Event.encode(e).finish());
  const batch = (data: Uint8Array, overrides: Partial<ReceivedMessage> = {}): ReceivedMessage => ({
    data,
    subject: 't.evt.batch.ingress.a.b1',
    msgId: 'batch:b1',
    eventType: 'batch',
    streamSeq: 9,
    ...overrides,
  });
  const encodeBatch = (parts: readonly Uint8Array[]) => eventsV1.EventBatch.encode({ events: parts.map((p) => Buffer.from(p)) }).finish();

  it('makes one entry per event, each with its own bytes, digest and id, and the session id', () => {
    const entries = entriesFromMessage(batch(encodeBatch(elements)));
    expect(entries.map((e) => [e.eventId, e.type, e.sessionId, e.requestId, e.streamSeq])).toEqual([
      ['evt-s', 'session.started', 'sess-1', '', 9],
      ['evt-d', 'decision.made', 'sess-1', 'req-1', 9],
    ]);
    entries.forEach((entry, i) => {
      expect([...entry.payload]).toEqual([...elements[i]!]);
      expect(entry.payloadDigest).toBe(sha256Hex(elements[i]!));
      expect(entry.eventJsonDigest).toBe(jsonDigest(eventsV1.Event.toJSON(session[i]!)));
    });
  });

  it('knows a batch by its subject when the header is missing (it would pass for an Event)', () => {
    const data = encodeBatch(elements);
    expect(entriesFromMessage(batch(data, { eventType: undefined })).map((e) => e.eventId)).toEqual(['evt-s', 'evt-d']);
    expect(eventsV1.Event.decode(data).id).not.toBe(''); // why the subject matters
  });

  it('records a batch whose envelope does not decode, or that holds nothing, as one invalid entry', () => {
    const broken = Uint8Array.of(0x0a, 0x7f, 0x01);
    expect(entriesFromMessage(batch(broken))).toEqual([expect.objectContaining({ eventId: invalidId(batch(broken)), type: 'invalid', requestId: '', connection: '', payloadDigest: sha256Hex(broken) })]);
    expect(entriesFromMessage(batch(new Uint8Array(0)))).toEqual([expect.objectContaining({ eventId: invalidId(batch(new Uint8Array(0))), type: 'invalid' })]);
  });

  it('records an element that is not an event as invalid, named by batch and index, the same every time', () => {
    const bad = Uint8Array.of(0x0a, 0x09, 0x41);
    const message = batch(encodeBatch([elements[0]!, bad, elements[1]!]));
    const entries = entriesFromMessage(message);
    expect(entries.map((e) => [e.eventId, e.type])).toEqual([
      ['evt-s', 'session.started'],
      [invalidId(message, ':1'), 'invalid'],
      ['evt-d', 'decision.made'],
    ]);
    expect([...entries[1]!.payload]).toEqual([...bad]);
    expect(entriesFromMessage(message).map((e) => e.eventId)).toEqual(entries.map((e) => e.eventId));
    expect(entriesFromMessage({ ...message, msgId: undefined })[1]!.eventId).toBe(invalidId(message, ':1'));
  });

  it('records an event of a kind the batch\'s publisher does not publish as invalid', () => {
    const granted = newEvent({ id: 'evt-g', requestId: 'req-1', connection: 'crm', source: 'ingress:a', occurredAt: AT, body: { $case: 'approvalGranted', value: { holdId: 'h', approver: 'a', approvers: [], grantId: '', grantExpiresAt: undefined } } as never });
    const message = batch(encodeBatch([elements[0]!, eventsV1.Event.encode(granted).finish()]));
    expect(entriesFromMessage(message).map((e) => [e.eventId, e.type])).toEqual([
      ['evt-s', 'session.started'],
      [invalidId(message, ':1'), 'invalid'],
    ]);
    // From approvals, only the approval is its own; from a service that does not exist, nothing.
    expect(entriesFromMessage({ ...message, subject: 't.evt.batch.approvals.a.b1' }).map((e) => e.type)).toEqual(['invalid', 'approval.granted']);
    expect(entriesFromMessage({ ...message, subject: 't.evt.batch.nobody.a.b1' }).map((e) => e.type)).toEqual(['invalid', 'invalid']);
  });

  it('places an invalid single event by its subject, "_" being none', () => {
    expect(entriesFromMessage({ data: Uint8Array.of(1), subject: 't.evt.session.started._.sess-2', msgId: 'm', eventType: undefined, streamSeq: 1 })[0]).toMatchObject({
      connection: '',
      requestId: 'sess-2',
      sessionId: '',
    });
  });
});

describe('chainedFromRow', () => {
  const [entry] = entriesFromMessage(received({ ...decision, sessionId: 'sess-1' }));
  const [link] = appendToChain(EMPTY_CHAIN, [entry!], new Set()).appended;
  const stored = (sessionId: string): EventRow => ({ ...rowFromChained(link!), session_id: sessionId, occurred_at: AT, recorded_at: AT, payload: Buffer.from(entry!.payload), event_json: JSON.parse(entry!.eventJson!) });

  it('accepts the event’s session id, or none (records from before the column)', () => {
    expect(chainedFromRow(stored('sess-1')).inconsistency).toBeUndefined();
    expect(chainedFromRow(stored('')).inconsistency).toBeUndefined();
  });

  it('reports a session id the event does not have', () => {
    expect(chainedFromRow(stored('sess-2')).inconsistency).toBe('session_id "sess-2" is not the event\'s ("sess-1")');
  });
});
