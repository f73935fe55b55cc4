import { sql, type Kysely } from 'kysely';
import { SCHEMA, type AuditDatabase, type EventRow, type NewEventRow } from './events.table.js';

// Queries on audit.events. Each takes `Kysely | Transaction` so the caller owns the transaction.

/**
 * Key of the transaction-scoped advisory lock that serialises appends ('audit' in ASCII). Every
 * instance appending to the same database takes it, so the chain never forks.
 */
export const CHAIN_LOCK_KEY = 0x6175646974;

/** Waits for, then holds until commit/rollback, the right to append to the chain. */
export async function lockChain(db: Kysely<AuditDatabase>): Promise<void> {
  await sql`select pg_advisory_xact_lock(${sql.lit(CHAIN_LOCK_KEY)})`.execute(db);
}

/** The last record's seq and hash, or undefined when the log is empty. */
export async function readHead(db: Kysely<AuditDatabase>): Promise<{ seq: string; hash: string } | undefined> {
  return db.selectFrom('events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

/** Which of `eventIds` are already recorded. */
export async function storedEventIds(db: Kysely<AuditDatabase>, eventIds: readonly string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await db.selectFrom('events').select('event_id').where('event_id', 'in', [...new Set(eventIds)]).execute();
  return new Set(rows.map((r) => r.event_id));
}

/**
 * Inserts rows as one statement over column arrays (`unnest`): a dozen parameters whatever the
 * batch size, instead of a dozen per row.
 */
export async function insertEvents(db: Kysely<AuditDatabase>, rows: readonly NewEventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof NewEventRow>(key: K) => rows.map((row) => row[key] ?? null);
  await sql`
    insert into ${sql.id(SCHEMA, 'events')}
      (seq, event_id, type, request_id, connection, source, occurred_at, stream_seq, payload, event_json, prev_hash, hash)
    select * from unnest(
      ${column('seq')}::bigint[], ${column('event_id')}::text[], ${column('type')}::text[], ${column('request_id')}::text[],
      ${column('connection')}::text[], ${column('source')}::text[], ${column('occurred_at')}::timestamptz[],
      ${column('stream_seq')}::bigint[], ${column('payload')}::bytea[], ${column('event_json')}::jsonb[],
      ${column('prev_hash')}::text[], ${column('hash')}::text[])`.execute(db);
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
