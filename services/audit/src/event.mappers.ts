import { BATCH_TYPE, eventType, NO_TOKEN, publisherOf, type BusNames } from '@portcullis/bus';
import { auditV1, eventsV1 } from '@portcullis/proto-gen';
import { canonicalJson, jsonDigest, sha256Hex, type ChainLink, type ChainVerdict, type EventFields, type StoredRecord } from './domain/index.js';
import type { EventRow, NewEventRow } from './db/events.table.js';

/** A message as taken off the bus, without transport types. */
export interface ReceivedMessage {
  readonly data: Uint8Array;
  readonly subject: string;
  /** The Nats-Msg-Id header, if any. */
  readonly msgId: string | undefined;
  /** The Portcullis-Event-Type header, if any ("batch" on a batch message). */
  readonly eventType: string | undefined;
  readonly streamSeq: number;
}

/** A received event, ready to be placed in the chain and stored. */
export interface IncomingEntry extends EventFields {
  /** The event's session ("" when it has none); not in the canonical form, but in event_json. */
  readonly sessionId: string;
  readonly payload: Uint8Array;
  /**
   * Protobuf JSON mapping of the event in canonical form (RFC 8785), so that its SHA-256 is the
   * eventJsonDigest; null for a message that is not a valid event.
   */
  readonly eventJson: string | null;
  readonly streamSeq: number;
}

/** Type of the record of a message that is not a valid Event. */
export const INVALID_TYPE = 'invalid';

/**
 * The encoded events a message carries: one (the message itself), several (an EventBatch, whose
 * elements are each the exact encoding of one Event), or none usable (a batch whose envelope does
 * not decode, or that holds no event). Cheap: nothing is decoded beyond the batch envelope.
 */
export type MessageContent = { readonly ok: true; readonly batch: boolean; readonly events: readonly Uint8Array[] } | { readonly ok: false };

/**
 * A batch is recognised by its event-type header or by its subject (`<ns>.evt.batch.…`): either
 * says so, because an EventBatch also decodes as an Event (its elements would pass for an id).
 */
export function messageContent(message: ReceivedMessage): MessageContent {
  if (!isBatch(message)) return { ok: true, batch: false, events: [message.data] };
  try {
    const { events } = eventsV1.EventBatch.decode(message.data);
    return events.length > 0 ? { ok: true, batch: true, events } : { ok: false };
  } catch {
    return { ok: false };
  }
}

function isBatch(message: ReceivedMessage): boolean {
  return message.eventType === BATCH_TYPE || message.subject.split('.', 3)[2] === BATCH_TYPE;
}

/**
 * Bus message -> log entries, one per event it carries, each with its own bytes and digests.
 * Nothing is dropped: a message that is not a valid Event, or a batch whose envelope does not
 * decode, is one record of type "invalid" (connection and request (or session) id from its
 * subject, `<ns>.evt.<domain>.<type>.<connection>.<id>`, when it has that shape), and so is an
 * element of a batch that is not a valid Event.
 *
 * An event is recorded as itself only if it arrived where only its publisher may publish (NATS
 * permissions, `busPermissions`): a single event on exactly the subject its kind, connection and
 * request give (`BusNames.eventSubject`), an event in a batch only from the service that publishes
 * its kind (`EVENT_PUBLISHERS`; the batch subject's service token). Anything else — say an
 * ApprovalGranted in ingress's batch, or on a request subject — is recorded as "invalid", never
 * as genuine, and under an id of audit's making, so it cannot take the place of the real event
 * (audit keeps the first record of an id). Invalid ids are `invalid:<stream seq>:<digest>` (an
 * element of a batch: `…:<index>`): the same on every redelivery, unique otherwise. Text is made
 * storable (PostgreSQL text and jsonb refuse NUL) before it is hashed.
 */
export function entriesFromMessage(message: ReceivedMessage, names: BusNames, content: MessageContent = messageContent(message)): IncomingEntry[] {
  // Hashed only when something is invalid: every valid event is hashed once already (its digest).
  const invalidId = () => `invalid:${message.streamSeq}:${sha256Hex(message.data).slice(0, 16)}`;
  if (!content.ok) return [invalidEntry(message.data, invalidId(), NOWHERE, message.streamSeq)];
  if (!content.batch) {
    const entry = entryFromEvent(message.data, message.streamSeq, (event) => subjectOf(names, event) === message.subject);
    return [entry ?? invalidEntry(message.data, invalidId(), placeFromSubject(message.subject), message.streamSeq)];
  }
  const publisher = names.batchPublisher(message.subject);
  return content.events.map((data, index) => entryFromEvent(data, message.streamSeq, (event) => publisher !== undefined && publisherOf(event) === publisher) ?? invalidEntry(data, `${invalidId()}:${index}`, NOWHERE, message.streamSeq));
}

/** The subject `event` must arrive on, or undefined when it cannot have one (ids unfit for a subject). */
function subjectOf(names: BusNames, event: eventsV1.Event): string | undefined {
  try {
    return names.eventSubject(event);
  } catch {
    return undefined;
  }
}

/** The entry of one encoded Event, or undefined when the bytes are not a usable Event. */
function entryFromEvent(data: Uint8Array, streamSeq: number, arrivedRightly: (event: eventsV1.Event) => boolean): IncomingEntry | undefined {
  const decoded = decodeEvent(data);
  if (!decoded || !arrivedRightly(decoded.event)) return undefined;
  const { event, json } = decoded;
  return {
    eventId: storable(event.id),
    type: storable(eventType(event)),
    requestId: storable(event.requestId),
    connection: storable(event.connection),
    source: storable(event.source),
    sessionId: storable(event.sessionId),
    occurredAt: representable(event.occurredAt),
    payloadDigest: sha256Hex(data),
    eventJson: json,
    eventJsonDigest: sha256Hex(json),
    payload: data,
    streamSeq,
  };
}

interface Place {
  readonly connection: string;
  readonly requestId: string;
}

const NOWHERE: Place = { connection: '', requestId: '' };

/**
 * Where an event subject places its event: connection and last token (the request id, or the
 * session id of a session event: it goes to request_id, which the hash covers); `_` is none.
 */
function placeFromSubject(subject: string): Place {
  const tokens = subject.split('.');
  if (tokens.length !== 6 || tokens[2] === BATCH_TYPE) return NOWHERE;
  const token = (t: string) => (t === NO_TOKEN ? '' : t);
  return { connection: token(tokens[4]!), requestId: token(tokens[5]!) };
}

function invalidEntry(data: Uint8Array, eventId: string, place: Place, streamSeq: number): IncomingEntry {
  return {
    eventId: storable(eventId),
    type: INVALID_TYPE,
    requestId: storable(place.requestId),
    connection: storable(place.connection),
    source: '',
    // Not taken from the subject: session_id is checked against event_json, and there is none.
    sessionId: '',
    occurredAt: undefined,
    payloadDigest: sha256Hex(data),
    eventJson: null,
    eventJsonDigest: '',
    payload: data,
    streamSeq,
  };
}

/** The event and its canonical JSON, or undefined when the bytes are not a usable Event. */
function decodeEvent(data: Uint8Array): { event: eventsV1.Event; json: string } | undefined {
  try {
    const event = eventsV1.Event.decode(data);
    if (!event.id) return undefined;
    // Rendering can throw too (a timestamp outside the Date range).
    const value = eventsV1.Event.toJSON(event);
    const json = canonicalJson(value);
    // jsonb refuses \u0000; the rare event containing one is rendered again without it.
    return { event, json: json.includes('\\u0000') ? canonicalJson(withoutNul(value)) : json };
  } catch {
    return undefined;
  }
}

const NUL = /\u0000/g;

function storable(text: string): string {
  return text.includes('\u0000') ? text.replace(NUL, '\uFFFD') : text;
}

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), withoutNul(v)]));
  }
  return value;
}

/** A timestamp PostgreSQL and ISO 8601 both hold plainly (years 1–9999); otherwise none. */
function representable(date: Date | undefined): Date | undefined {
  if (!date || Number.isNaN(date.getTime())) return undefined;
  const year = date.getUTCFullYear();
  return year >= 1 && year <= 9999 ? date : undefined;
}

export function rowFromChained({ event, seq, prevHash, hash }: ChainLink<IncomingEntry>): NewEventRow {
  return {
    seq: seq.toString(),
    event_id: event.eventId,
    type: event.type,
    request_id: event.requestId,
    connection: event.connection,
    source: event.source,
    session_id: event.sessionId,
    occurred_at: event.occurredAt ?? null,
    stream_seq: String(event.streamSeq),
    payload: event.payload,
    event_json: event.eventJson,
    prev_hash: prevHash,
    hash,
  };
}

/**
 * A stored row as the chain sees it: its fields, with the digests recomputed from what is stored,
 * and whether session_id (not in the canonical form) agrees with event_json (which is). "" always
 * agrees: records written before the column existed have it.
 */
export function chainedFromRow(row: EventRow): StoredRecord {
  const sessionId = sessionIdOf(row.event_json);
  return {
    inconsistency: row.session_id === '' || row.session_id === sessionId ? undefined : `session_id "${row.session_id}" is not the event's ("${sessionId}")`,
    seq: BigInt(row.seq),
    eventId: row.event_id,
    type: row.type,
    requestId: row.request_id,
    connection: row.connection,
    source: row.source,
    occurredAt: row.occurred_at ?? undefined,
    payloadDigest: sha256Hex(row.payload),
    eventJsonDigest: jsonDigest(row.event_json),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function sessionIdOf(eventJson: unknown): string {
  const value = eventJson && typeof eventJson === 'object' ? (eventJson as { sessionId?: unknown }).sessionId : undefined;
  return typeof value === 'string' ? value : '';
}

export function recordToProto(row: EventRow): auditV1.AuditRecord {
  return {
    seq: BigInt(row.seq),
    eventId: row.event_id,
    type: row.type,
    requestId: row.request_id,
    connection: row.connection,
    source: row.source,
    occurredAt: row.occurred_at ?? undefined,
    recordedAt: row.recorded_at,
    eventJson: row.event_json === null ? '' : JSON.stringify(row.event_json),
    prevHash: row.prev_hash,
    hash: row.hash,
    sessionId: row.session_id,
  };
}

export function verdictToProto(verdict: ChainVerdict): auditV1.VerifyChainResponse {
  return {
    ok: verdict.ok,
    records: BigInt(verdict.records),
    headHash: verdict.headHash,
    firstBadSeq: verdict.firstBadSeq,
    message: verdict.message,
  };
}
