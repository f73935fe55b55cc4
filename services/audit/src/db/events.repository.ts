import type { Kysely } from 'kysely';
import type pg from 'pg';
import { binaryCopy, copyFrom, type CopyColumn, type CopyType, type CopyValues } from './copy-from.js';
import { SCHEMA, type AuditDatabase, type EventRow, type NewEventRow } from './events.table.js';

// Queries on audit.events. Reads take `Kysely | Transaction`; the append path takes one pg client
// (COPY has no Kysely API), and the caller owns the transaction.

const EVENTS = `${SCHEMA}.events`;

/**
 * Key of the transaction-scoped advisory lock that serialises appends ('audit' in ASCII). Every
 * instance appending to the same database takes it, so the chain never forks.
 */
export const CHAIN_LOCK_KEY = 0x6175646974;

const LOCK = `select pg_advisory_xact_lock(${CHAIN_LOCK_KEY})`;

/** A head as the append path reads it (seq as pg returns int8: a decimal string). */
export interface StoredHead {
  readonly seq: string;
  readonly hash: string;
}

/**
 * Opens a transaction on `client`, takes the chain lock and reads the head, in one round trip: a
 * parameterless multi-statement query. Each statement takes its own snapshot under READ COMMITTED,
 * so the head is read after the lock is granted and is never stale. Returns undefined for an empty log.
 */
export async function beginAppend(client: pg.ClientBase): Promise<StoredHead | undefined> {
  const results: unknown = await client.query(`begin; ${LOCK}; select seq, hash from ${EVENTS} order by seq desc limit 1`);
  // node-postgres answers a multi-statement query with one result per statement.
  if (!Array.isArray(results) || results.length !== 3) throw new Error('begin, lock and head read did not give three results');
  return (results[2] as pg.QueryResult<StoredHead>).rows[0];
}

/** The last record's seq and hash, or undefined when the log is empty. */
export async function readHead(db: Kysely<AuditDatabase>): Promise<StoredHead | undefined> {
  return db.selectFrom('events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** Which of `eventIds` are already recorded, each with the SHA-256 (hex) of its stored bytes. */
export async function storedEventDigests(client: pg.ClientBase, eventIds: readonly string[]): Promise<Map<string, string>> {
  if (eventIds.length === 0) return new Map();
  const { rows } = await client.query<{ event_id: string; digest: string }>(`select event_id, encode(sha256(payload), 'hex') as digest from ${EVENTS} where event_id = any($1::text[])`, [[...new Set(eventIds)]]);
  return new Map(rows.map((r) => [r.event_id, r.digest]));
}

export async function commit(client: pg.ClientBase): Promise<void> {
  await client.query('commit');
}

export async function rollback(client: pg.ClientBase): Promise<void> {
  await client.query('rollback');
}

const column = (name: keyof NewEventRow, type: CopyType): CopyColumn<NewEventRow> & { readonly name: string } => ({
  name,
  type,
  value: (row) => (row[name] ?? null) as CopyValues[CopyType] | null,
});

const COLUMNS = [
  column('seq', 'int8'),
  column('event_id', 'text'),
  column('type', 'text'),
  column('request_id', 'text'),
  column('connection', 'text'),
  column('source', 'text'),
  column('session_id', 'text'),
  column('occurred_at', 'timestamptz'),
  column('stream_seq', 'int8'),
  column('payload', 'bytea'),
  column('event_json', 'jsonb'),
  column('prev_hash', 'text'),
  column('hash', 'text'),
];

const COPY_EVENTS = `copy ${EVENTS} (${COLUMNS.map((c) => c.name).join(', ')}) from stdin (format binary)`;

/** Rows in the binary COPY format of `copyEvents` (CPU only: done before the transaction if it can be). */
export function encodeEvents(rows: readonly NewEventRow[]): Buffer {
  return binaryCopy(COLUMNS, rows);
}

/**
 * Inserts rows encoded by encodeEvents with one binary COPY and commits, in one round trip (COPY
 * and COMMIT in one query): nothing is escaped or parsed as text but the JSON, PostgreSQL inserts
 * the rows in multi-row heap writes, and the statement is the same whatever their number. A row
 * whose event id is already stored fails it (unique_violation).
 */
export async function copyAndCommit(client: pg.ClientBase, encoded: Buffer): Promise<number> {
  return copyFrom(client, `${COPY_EVENTS}; commit`, encoded);
}

/**
 * The whole append in one round trip, for rows planned after `head`: begin, the chain lock, the
 * check that `head` is still the chain's head (else SQLSTATE PC001, see HEAD_MOVED, and nothing is
 * written), the COPY, commit. `locked` is called once the lock is held and the head checked. On
 * failure the transaction is left aborted: roll back.
 */
export async function appendAfter(client: pg.ClientBase, head: StoredHead, encoded: Buffer, locked: () => void): Promise<number> {
  // Inlined, as a query with COPY takes no parameters: both are checked to be what they must be.
  if (!/^\d{1,19}$/.test(head.seq) || !/^[0-9a-f]{64}$/.test(head.hash)) throw new Error(`not a chain head: ${head.seq} ${head.hash}`);
  const query = `begin; ${LOCK}; select ${SCHEMA}.expect_head(${head.seq}, '${head.hash}'); ${COPY_EVENTS}; commit`;
  return copyFrom(client, query, encoded, locked);
}

/** SQLSTATE of audit.expect_head when the head is not the one expected. */
export const HEAD_MOVED = 'PC001';

export async function eventsForRequest(db: Kysely<AuditDatabase>, requestId: string): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('request_id', '=', requestId).orderBy('seq').execute();
}

/** A session's records in chain order (index session_id, seq): the session replayed. */
export async function eventsForSession(db: Kysely<AuditDatabase>, sessionId: string): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('session_id', '=', sessionId).orderBy('seq').execute();
}

/** Records with afterSeq < seq <= throughSeq, in seq order, at most `limit`. */
export async function eventsPage(db: Kysely<AuditDatabase>, afterSeq: bigint, throughSeq: bigint, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('seq', '>', afterSeq.toString())
    .where('seq', '<=', throughSeq.toString())
    .orderBy('seq')
    .limit(limit)
    .execute();
}
