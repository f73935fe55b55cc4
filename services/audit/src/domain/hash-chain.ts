import { sha256Hex } from '@portcullis/request-model';

/**
 * The hash chain of the audit log. Each record's hash covers its own fields and the previous
 * record's hash, so changing, removing or reordering any record breaks every later link.
 *
 * Canonical form (version "portcullis.audit.v1"), hashed with SHA-256 and written as lowercase hex:
 * the concatenation of these fields, in this order, each encoded as a netstring
 * (`<UTF-8 byte length in decimal>:<UTF-8 bytes>,`):
 *
 *   1. "portcullis.audit.v1"    (version tag, so a future form cannot collide with this one)
 *   2. seq                      decimal, no sign, no leading zeros
 *   3. event_id
 *   4. type                     e.g. "request.received", "invalid"
 *   5. request_id
 *   6. connection
 *   7. source
 *   8. occurred_at              ISO 8601 UTC with milliseconds ("2025-01-02T03:04:05.678Z"), "" if absent
 *   9. payload_sha256           SHA-256 of the exact protobuf bytes received, lowercase hex
 *  10. event_json_sha256        SHA-256 of the RFC 8785 (JCS) canonical form of event_json,
 *                               lowercase hex; "" when the record has no JSON (undecodable message)
 *  11. prev_hash                lowercase hex; 64 zeros for seq 1
 *
 * Length prefixes make the form unambiguous whatever the fields contain, and trivial to
 * re-implement outside this service (e.g. an auditor's script reading the table directly).
 * event_json is covered by its canonical form (not its text) because jsonb does not keep text:
 * the digest is the same whether computed before the insert or from the value read back.
 */
export const CHAIN_VERSION = 'portcullis.audit.v1';

/** prev_hash of the first record: nothing comes before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of one event that its hash covers (besides the previous hash). */
export interface EventFields {
  readonly eventId: string;
  readonly type: string;
  readonly requestId: string;
  readonly connection: string;
  readonly source: string;
  readonly occurredAt: Date | undefined;
  /** SHA-256 (lowercase hex) of the exact bytes received. */
  readonly payloadDigest: string;
  /** SHA-256 (lowercase hex) of the canonical JSON rendering; "" when there is none. */
  readonly eventJsonDigest: string;
}

/** An event with its place in the chain. */
export interface ChainedFields extends EventFields {
  readonly seq: bigint;
  readonly prevHash: string;
  readonly hash: string;
}

/** A stored record as verification reads it: a column the hash does not cover may contradict it. */
export interface StoredRecord extends ChainedFields {
  /** Why the record's other stored columns disagree with what its hash covers; undefined if they agree. */
  readonly inconsistency?: string;
}

/** The last record of the chain (seq 0 and the genesis hash when the log is empty). */
export interface ChainHead {
  readonly seq: bigint;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainHead = Object.freeze({ seq: 0n, hash: GENESIS_HASH });

/** The canonical bytes hashed for a record (see the module comment). */
export function canonicalForm(prevHash: string, record: EventFields & { readonly seq: bigint }): Buffer {
  return Buffer.from(canonicalText(prevHash, record.seq, record), 'utf8');
}

/** The hash of a record placed after `prevHash`. */
export function chainHash(prevHash: string, record: EventFields & { readonly seq: bigint }): string {
  return sha256Hex(canonicalText(prevHash, record.seq, record));
}

function canonicalText(prevHash: string, seq: bigint, record: EventFields): string {
  return (
    netstring(CHAIN_VERSION) +
    netstring(seq.toString(10)) +
    netstring(record.eventId) +
    netstring(record.type) +
    netstring(record.requestId) +
    netstring(record.connection) +
    netstring(record.source) +
    netstring(record.occurredAt ? record.occurredAt.toISOString() : '') +
    netstring(record.payloadDigest) +
    netstring(record.eventJsonDigest) +
    netstring(prevHash)
  );
}

/** `<UTF-8 byte length>:<value>,` (hashed as UTF-8). */
function netstring(value: string): string {
  return `${Buffer.byteLength(value, 'utf8')}:${value},`;
}

/** An event placed in the chain (the event itself is not copied: this runs for every event). */
export interface ChainLink<T extends EventFields> {
  readonly event: T;
  readonly seq: bigint;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AppendPlan<T extends EventFields> {
  /** The new records, in order, with seq head+1, head+2, … and their links. */
  readonly appended: readonly ChainLink<T>[];
  /** Events skipped because their id is already stored or repeats one earlier in the batch. */
  readonly duplicates: number;
  /** The head after the append (unchanged when nothing is appended). */
  readonly head: ChainHead;
}

/**
 * Places a batch of events after `head`. An event whose id is already stored (a redelivery, a
 * second publish of the same event) is skipped, so it neither gets a second record nor advances
 * the chain: recording is idempotent.
 */
export function appendToChain<T extends EventFields>(head: ChainHead, events: readonly T[], stored: ReadonlySet<string>): AppendPlan<T> {
  const seen = new Set(stored);
  const appended: ChainLink<T>[] = [];
  let current = head;
  for (const event of events) {
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const seq = current.seq + 1n;
    const hash = sha256Hex(canonicalText(current.hash, seq, event));
    appended.push({ event, seq, prevHash: current.hash, hash });
    current = { seq, hash };
  }
  return { appended, duplicates: events.length - appended.length, head: current };
}

/** The outcome of verifying the whole chain. */
export interface ChainVerdict {
  readonly ok: boolean;
  /** Records that verified (all of them when ok; those before the first bad one otherwise). */
  readonly records: number;
  /** Hash of the last record that verified (the chain head when ok; genesis when none). */
  readonly headHash: string;
  /** Seq of the first record that does not verify; 0 when ok. */
  readonly firstBadSeq: bigint;
  readonly message: string;
}

/**
 * Walks the records in seq order and checks, for each: its seq follows the previous one with no
 * gap (starting at 1), its prev_hash is the previous record's hash (genesis for the first), its
 * hash is the hash of its own fields, and its other columns agree with them. Stops at the first
 * record that fails. Records are consumed one
 * at a time, so the log can be streamed in pages.
 *
 * A hash chain cannot see its own tail being cut or its last record rewritten as a whole; anchoring
 * the head elsewhere (the AUDIT stream, a SIEM) closes that gap.
 */
export async function verifyChain(records: AsyncIterable<StoredRecord> | Iterable<StoredRecord>): Promise<ChainVerdict> {
  let previous: ChainHead = EMPTY_CHAIN;
  let verified = 0;
  const bad = (record: ChainedFields, message: string): ChainVerdict => ({
    ok: false,
    records: verified,
    headHash: previous.hash,
    firstBadSeq: record.seq,
    message,
  });
  for await (const record of records) {
    const expected = previous.seq + 1n;
    if (record.seq !== expected) {
      return bad(record, record.seq > expected ? `seq ${expected}${record.seq - expected > 1n ? `..${record.seq - 1n}` : ''} missing before seq ${record.seq}` : `seq ${record.seq} out of order (expected ${expected})`);
    }
    if (record.prevHash !== previous.hash) {
      return bad(record, previous.seq === 0n ? `prev_hash of seq ${record.seq} is not the genesis hash` : `prev_hash of seq ${record.seq} does not match the hash of seq ${previous.seq}`);
    }
    if (chainHash(record.prevHash, record) !== record.hash) {
      return bad(record, `hash of seq ${record.seq} does not match its contents`);
    }
    if (record.inconsistency) return bad(record, `seq ${record.seq}: ${record.inconsistency}`);
    previous = { seq: record.seq, hash: record.hash };
    verified++;
  }
  return { ok: true, records: verified, headHash: previous.hash, firstBadSeq: 0n, message: `verified ${verified} records` };
}
