import type { Kysely } from 'kysely';
import type pg from 'pg';
import { binaryCopy, copyFrom, type CopyType, type CopyValues } from './copy-from.js';
import { SCHEMA, type AuditDatabase, type EventRow, type NewEventRow } from './events.table.js';

// Queries on audit.events. Reads take `Kysely | Transaction`; the append path takes one pg client
// (COPY has no Kysely API), and the caller owns the transaction.

const EVENTS = `${SCHEMA}.events`;

/**
 * Key of the transaction-scoped advisory lock that serialises appends ('audit' in ASCII). Every
 * instance appending to the same database takes it, so the chain never forks.
 */
export const CHAIN_LOCK_KEY = 0x6175646974;

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
  const results = (await client.query(
    `begin; select pg_advisory_xact_lock(${CHAIN_LOCK_KEY}); select seq, hash from ${EVENTS} order by seq desc limit 1`,
  )) as unknown as pg.QueryResult<StoredHead>[];
  return results[2]?.rows[0];
}

/** The last record's seq and hash, or undefined when the log is empty. */
export async function readHead(db: Kysely<AuditDatabase>): Promise<StoredHead | undefined> {
  return db.selectFrom('events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** Which of `eventIds` are already recorded. */
export async function storedEventIds(client: pg.ClientBase, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await client.query<{ event_id: string }>(`select event_id from ${EVENTS} where event_id = any($1::text[])`, [[...new Set(eventIds)]]);
  return new Set(rows.map((r) => r.event_id));
}

export async function commit(client: pg.ClientBase): Promise<void> {
  await client.query('commit');
}

export async function rollback(client: pg.ClientBase): Promise<void> {
  await client.query('rollback');
}

const COLUMNS = [
  ['seq', 'int8'],
  ['event_id', 'text'],
  ['type', 'text'],
  ['request_id', 'text'],
  ['connection', 'text'],
  ['source', 'text'],
  ['session_id', 'text'],
  ['occurred_at', 'timestamptz'],
  ['stream_seq', 'int8'],
  ['payload', 'bytea'],
  ['event_json', 'jsonb'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
] as const satisfies readonly (readonly [keyof NewEventRow, CopyType])[];

const COPY_EVENTS = `copy ${EVENTS} (${COLUMNS.map(([name]) => name).join(', ')}) from stdin (format binary)`;
const COPY_TYPES = COLUMNS.map(([, type]) => type);

/** Rows in the binary COPY format of `copyEvents` (CPU only: done before the transaction if it can be). */
export function encodeEvents(rows: readonly NewEventRow[]): Buffer {
  return binaryCopy(
    COPY_TYPES,
    rows.map((row) => COLUMNS.map(([name]) => (row[name] ?? null) as CopyValues[CopyType] | null)),
  );
}

/**
 * Inserts rows encoded by encodeEvents with one binary COPY: nothing is escaped or parsed as text
 * but the JSON, PostgreSQL inserts them in multi-row heap writes, and the statement is the same
 * whatever the number of rows. A row whose event id is already stored fails the whole COPY
 * (unique_violation).
 */
export async function copyEvents(client: pg.ClientBase, encoded: Buffer): Promise<number> {
  return copyFrom(client, COPY_EVENTS, encoded);
}

export async function eventsForRequest(db: Kysely<AuditDatabase>, requestId: string): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('request_id', '=', requestId).orderBy('seq').execute();
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
