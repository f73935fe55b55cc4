import { eventType } from '@portcullis/bus';
import { auditV1, eventsV1 } from '@portcullis/proto-gen';
import { canonicalJson, jsonDigest, sha256Hex, type ChainedFields, type ChainVerdict, type EventFields } from './domain/index.js';
import type { EventRow, NewEventRow } from './db/events.table.js';

/** A message as taken off the bus, without transport types. */
export interface ReceivedMessage {
  readonly data: Uint8Array;
  readonly subject: string;
  /** The Nats-Msg-Id header, if any. */
  readonly msgId: string | undefined;
  readonly streamSeq: number;
}

/** A received event, ready to be placed in the chain and stored. */
export interface IncomingEntry extends EventFields {
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
 * Bus message -> log entry. A message that is not a valid Event is still recorded, never dropped:
 * type "invalid", id from its Nats-Msg-Id header (else "invalid:<stream seq>"), connection and
 * request id from its subject (`<ns>.evt.<domain>.<type>.<connection>.<requestId>`) when it has
 * that shape. Text is made storable (PostgreSQL text and jsonb refuse NUL) before it is hashed.
 */
export function entryFromMessage(message: ReceivedMessage): IncomingEntry {
  const payloadDigest = sha256Hex(message.data);
  const decoded = decodeEvent(message.data);
  if (!decoded) {
    const tokens = message.subject.split('.');
    const [connection, requestId] = tokens.length === 6 ? [tokens[4]!, tokens[5]!] : ['', ''];
    return {
      eventId: storable(message.msgId || `invalid:${message.streamSeq}`),
      type: INVALID_TYPE,
      requestId: storable(requestId),
      connection: storable(connection),
      source: '',
      occurredAt: undefined,
      payloadDigest,
      eventJson: null,
      eventJsonDigest: '',
      payload: message.data,
      streamSeq: message.streamSeq,
    };
  }
  const { event, json } = decoded;
  return {
    eventId: storable(event.id),
    type: storable(eventType(event)),
    requestId: storable(event.requestId),
    connection: storable(event.connection),
    source: storable(event.source),
    occurredAt: representable(event.occurredAt),
    payloadDigest,
    eventJson: json,
    eventJsonDigest: sha256Hex(json),
    payload: message.data,
    streamSeq: message.streamSeq,
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
  return text.replace(NUL, '\uFFFD');
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

export function rowFromChained(entry: IncomingEntry & ChainedFields): NewEventRow {
  return {
    seq: entry.seq.toString(),
    event_id: entry.eventId,
    type: entry.type,
    request_id: entry.requestId,
    connection: entry.connection,
    source: entry.source,
    occurred_at: entry.occurredAt ?? null,
    stream_seq: String(entry.streamSeq),
    payload: entry.payload,
    event_json: entry.eventJson,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

/** A stored row as the chain sees it: its fields, with the digests recomputed from what is stored. */
export function chainedFromRow(row: EventRow): ChainedFields {
  return {
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
