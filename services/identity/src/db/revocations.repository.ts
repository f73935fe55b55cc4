import { sql, type Kysely, type Transaction } from 'kysely';
import type { Revocation, RevocationSelector } from '@portcullis/identity-client';
import type { IdentityDB } from './identity.table.js';

type Executor = Kysely<IdentityDB> | Transaction<IdentityDB>;

/** An encoded event waiting in the outbox, written in the transaction of the change it describes. */
export interface OutboxEvent {
  readonly eventId: string;
  readonly payload: Uint8Array;
}

/**
 * Every stored revocation, oldest first, expired ones too until they are swept: whether one is
 * still in force is judged on the service's clock (expiries are written on it), not the database's.
 */
export async function listRevocations(db: Executor): Promise<Revocation[]> {
  const rows = await db.selectFrom('revocations').selectAll().orderBy('revoked_at').execute();
  return rows.map((row) => ({
    selector: row.issuer === '' ? { kind: row.kind, value: row.value } : { kind: row.kind, value: row.value, issuer: row.issuer },
    reason: row.reason,
    revokedBy: row.revoked_by,
    revokedAt: row.revoked_at,
    ...(row.expires_at ? { expiresAt: row.expires_at } : {}),
  }));
}

/**
 * Stores a revocation and its event in one transaction. An equal revocation already in force is
 * kept (its reason) and nothing is published (`created` false), unless the new one lasts longer:
 * then its expiry is extended (or dropped: until unrevoked) and that is published. An expired one
 * is replaced.
 */
export async function insertRevocation(db: Kysely<IdentityDB>, revocation: Revocation, event: (stored: Revocation) => OutboxEvent): Promise<{ revocation: Revocation; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const { kind, value } = revocation.selector;
    const issuer = revocation.selector.issuer ?? '';
    await trx.deleteFrom('revocations').where('kind', '=', kind).where('value', '=', value).where('issuer', '=', issuer).where('expires_at', '<=', revocation.revokedAt).execute();
    const inserted = await trx
      .insertInto('revocations')
      .values({ kind, value, issuer, reason: revocation.reason, revoked_by: revocation.revokedBy, revoked_at: revocation.revokedAt, expires_at: revocation.expiresAt ?? null })
      .onConflict((oc) => oc.doNothing())
      .returning('kind')
      .executeTakeFirst();
    if (!inserted) {
      const existing = (await listRevocations(trx)).find((r) => r.selector.kind === kind && r.selector.value === value && (r.selector.issuer ?? '') === issuer);
      // Revoking again never shortens a revocation, but lengthens one (a timed one made permanent).
      const longer = existing?.expiresAt !== undefined && (revocation.expiresAt === undefined || revocation.expiresAt > existing.expiresAt);
      if (!existing || !longer) return { revocation: existing ?? revocation, created: false };
      const stored: Revocation = { selector: existing.selector, reason: existing.reason, revokedBy: revocation.revokedBy, revokedAt: existing.revokedAt, ...(revocation.expiresAt ? { expiresAt: revocation.expiresAt } : {}) };
      await trx
        .updateTable('revocations')
        .set({ expires_at: revocation.expiresAt ?? null, revoked_by: revocation.revokedBy })
        .where('kind', '=', kind)
        .where('value', '=', value)
        .where('issuer', '=', issuer)
        .execute();
      await appendToOutbox(trx, [event(stored)]);
      return { revocation: stored, created: true };
    }
    await appendToOutbox(trx, [event(revocation)]);
    return { revocation, created: true };
  });
}

/** Lifts a revocation and stores its event in one transaction; false when none was in force. */
export async function deleteRevocation(db: Kysely<IdentityDB>, selector: RevocationSelector, now: Date, event: () => OutboxEvent): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('revocations')
      .where('kind', '=', selector.kind)
      .where('value', '=', selector.value)
      .where('issuer', '=', selector.issuer ?? '')
      .where(({ or, eb }) => or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .returning('kind')
      .executeTakeFirst();
    if (!deleted) return false;
    await appendToOutbox(trx, [event()]);
    return true;
  });
}

/**
 * Drops revocations and consumed assertions that stopped mattering over an hour ago (a margin for
 * a database clock ahead of the services'); returns how many rows went.
 */
export async function sweepExpired(db: Executor): Promise<number> {
  const revocations = await db.deleteFrom('revocations').where('expires_at', '<=', sql<Date>`now() - interval '1 hour'`).executeTakeFirst();
  const assertions = await db.deleteFrom('consumed_assertions').where('expires_at', '<=', sql<Date>`now() - interval '1 hour'`).executeTakeFirst();
  return Number(revocations.numDeletedRows) + Number(assertions.numDeletedRows);
}

async function appendToOutbox(db: Executor, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('outbox')
    .values(events.map((e) => ({ event_id: e.eventId, payload: Buffer.from(e.payload) })))
    .execute();
}

export interface PendingOutboxRow {
  readonly id: string;
  readonly eventId: string;
  readonly payload: Uint8Array;
}

/** Locks up to `limit` unpublished rows, oldest first, skipping rows another instance's relay holds. */
export async function lockPublishable(db: Executor, limit: number): Promise<PendingOutboxRow[]> {
  const rows = await db.selectFrom('outbox').select(['id', 'event_id', 'payload']).where('published_at', 'is', null).orderBy('id').limit(limit).forUpdate().skipLocked().execute();
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, payload: r.payload }));
}

export async function markPublished(db: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('outbox').set({ published_at: sql<Date>`now()` }).where('id', 'in', [...ids]).execute();
}
