import type { Kysely } from 'kysely';

/**
 * Holds record policy's message (why approval is needed), shown to approvers. Holds created before
 * get '' (none). HTTP targets gain a query and decision headers in the `target` JSON; rows without
 * them read as having neither, under the digest they were written with, so nothing else changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('holds').addColumn('message', 'text', (c) => c.notNull().defaultTo('')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('holds').dropColumn('message').execute();
}
