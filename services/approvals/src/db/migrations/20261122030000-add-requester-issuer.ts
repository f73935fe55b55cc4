import type { Kysely } from 'kysely';

/**
 * A subject is unique only within its issuer, so holds record the requester's issuer. Holds created
 * before this column existed get '' (unknown); the self-approval rule then compares subjects alone,
 * which is the stricter check.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('holds').addColumn('requester_issuer', 'text', (c) => c.notNull().defaultTo('')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('holds').dropColumn('requester_issuer').execute();
}
