import { describe, expect, it } from 'vitest';
import { newEvent } from '@portcullis/bus';
import { eventsV1 } from '@portcullis/proto-gen';
import { appendToChain, EMPTY_CHAIN, jsonDigest, sha256Hex, verifyChain } from './domain/index.js';
import type { EventRow } from './db/events.table.js';
import { chainedFromRow, entriesFromMessage, rowFromChained, type ReceivedMessage } from './event.mappers.js';

const AT = new Date('2025-01-02T03:04:05.678Z');

function received(event: eventsV1.Event, streamSeq = 7): ReceivedMessage {
  return { data: eventsV1.Event.encode(event).finish(), subject: `t.evt.request.received.${event.connection}.${event.requestId}`, msgId: event.id, eventType: 'request.received', streamSeq };
}

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
  body: { $case: 'decisionMade', value: { decision: { effect: 1, reasons: ['rule:x'], maskingProfiles: [], approval: undefined, policyVersion: 'v1', decidedBy: 'policy:a' } } },
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

  it('records undecodable bytes as invalid, named by message id or stream seq, placed by subject', () => {
    const data = Uint8Array.of(0x0a, 0x05, 0x41);
    expect(entryFromMessage({ data, subject: 't.evt.request.received.crm.req-9', msgId: 'm-1', eventType: undefined, streamSeq: 3 })).toMatchObject({
      eventId: 'm-1',
      type: 'invalid',
      requestId: 'req-9',
      connection: 'crm',
      source: '',
      occurredAt: undefined,
      eventJson: null,
      eventJsonDigest: '',
      payloadDigest: sha256Hex(data),
    });
    expect(entryFromMessage({ data, subject: 't.evt.odd', msgId: undefined, eventType: undefined, streamSeq: 3 })).toMatchObject({ eventId: 'invalid:3', requestId: '', connection: '' });
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
