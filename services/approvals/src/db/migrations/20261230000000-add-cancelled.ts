import { sql, type Kysely } from 'kysely';

/**
 * A pending hold the gateway withdraws (its caller is gone) becomes `cancelled`, with the reason in
 * resolution_reason and nobody in resolved_by. Approvers list holds newest first, so listing pages
 * by (created_at, id) descending.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('holds').dropConstraint('holds_status_check').execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_status_check', sql`status in ('pending', 'approved', 'denied', 'expired', 'cancelled')`).execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_cancelled_check', sql`status <> 'cancelled' or (resolution_reason is not null and resolved_by is null)`).execute();
  await db.schema.createIndex('holds_created_at_id_idx').on('holds').columns(['created_at desc', 'id desc']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('holds_created_at_id_idx').execute();
  await db.schema.alterTable('holds').dropConstraint('holds_cancelled_check').execute();
  // Cancelled holds read as expired before this migration: nobody answered them, nobody may.
  await (db as Kysely<{ holds: { status: string } }>).updateTable('holds').set({ status: 'expired' }).where('status', '=', 'cancelled').execute();
  await db.schema.alterTable('holds').dropConstraint('holds_status_check').execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_status_check', sql`status in ('pending', 'approved', 'denied', 'expired')`).execute();
}
