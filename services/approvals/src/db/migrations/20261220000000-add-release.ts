import { sql, type Kysely } from 'kysely';

/**
 * What the gateway did with a released hold's request (reported once): forwarded, or refused with
 * a code because its caller was no longer valid. Holds released before have none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('holds')
    .addColumn('release_forwarded', 'boolean')
    .addColumn('release_code', 'text')
    .addColumn('release_message', 'text')
    .addColumn('release_reported_at', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('holds')
    .addCheckConstraint('holds_release_check', sql`(release_reported_at is null) = (release_forwarded is null) and (release_reported_at is null or status = 'approved')`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('holds').dropConstraint('holds_release_check').execute();
  await db.schema.alterTable('holds').dropColumn('release_forwarded').dropColumn('release_code').dropColumn('release_message').dropColumn('release_reported_at').execute();
}
