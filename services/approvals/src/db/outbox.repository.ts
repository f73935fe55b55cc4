import { sql } from 'kysely';
import type { Executor } from './holds.repository.js';

/** An encoded event waiting in the outbox. */
export interface OutboxEvent {
  readonly eventId: string;
  readonly holdId: string;
  readonly payload: Uint8Array;
}

export interface PendingOutboxRow extends OutboxEvent {
  /** Position in the outbox; rows are published in this order. */
  readonly id: string;
}

/** Appends events; call it in the transaction that made the change they describe. */
export async function appendToOutbox(db: Executor, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('outbox')
    .values(events.map((e) => ({ event_id: e.eventId, hold_id: e.holdId, payload: Buffer.from(e.payload) })))
    .execute();
}

/**
 * Locks up to `limit` unpublished rows, oldest first, skipping rows another relay holds. A row
 * waits while an older row of the same hold is unpublished, so each hold's events go out in
 * order (requested before granted) even with several relays running.
 */
export async function lockPublishable(db: Executor, limit: number): Promise<PendingOutboxRow[]> {
  const rows = await db
    .selectFrom('outbox as o')
    .select(['o.id', 'o.event_id', 'o.hold_id', 'o.payload'])
    .where('o.published_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outbox as earlier')
            .select(sql.lit(1).as('one'))
            .whereRef('earlier.hold_id', '=', 'o.hold_id')
            .whereRef('earlier.id', '<', 'o.id')
            .where('earlier.published_at', 'is', null),
        ),
      ),
    )
    .orderBy('o.id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, holdId: r.hold_id, payload: r.payload }));
}

export async function markPublished(db: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('outbox').set({ published_at: sql<Date>`now()` }).where('id', 'in', [...ids]).execute();
}
