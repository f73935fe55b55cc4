import { sql, type Transaction } from 'kysely';
import type { PolicyDB } from './policy.table.js';

/** An encoded PolicyChanged waiting in the outbox. */
export interface OutboxEvent {
  readonly eventId: string;
  readonly version: number;
  readonly payload: Uint8Array;
}

export interface PendingOutboxRow extends OutboxEvent {
  /** Position in the outbox; rows are published in this order. */
  readonly id: string;
}

/**
 * Key of the transaction-scoped advisory lock relays take ('polrelay' in ASCII): one relay at a
 * time, so events go out in version order whichever instance committed them.
 */
export const RELAY_LOCK_KEY = 0x706f6c72656c6179n;

/** Appends an event; call it in the transaction that made the change it describes. */
export async function appendToOutbox(trx: Transaction<PolicyDB>, event: OutboxEvent): Promise<void> {
  await trx.insertInto('outbox').values({ event_id: event.eventId, version: event.version, payload: Buffer.from(event.payload) }).execute();
}

/**
 * Takes the relay lock (waiting for another instance's relay to finish its pass) and returns up to
 * `limit` unpublished rows, oldest first.
 */
export async function lockPublishable(trx: Transaction<PolicyDB>, limit: number): Promise<PendingOutboxRow[]> {
  await sql`select pg_advisory_xact_lock(${sql.lit(RELAY_LOCK_KEY.toString())}::bigint)`.execute(trx);
  const rows = await trx.selectFrom('outbox').select(['id', 'event_id', 'version', 'payload']).where('published_at', 'is', null).orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, version: Number(r.version), payload: r.payload }));
}

export async function markPublished(trx: Transaction<PolicyDB>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.updateTable('outbox').set({ published_at: sql<Date>`now()` }).where('id', 'in', [...ids]).execute();
}
