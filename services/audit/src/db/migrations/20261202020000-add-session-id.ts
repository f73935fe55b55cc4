import { sql, type Kysely } from 'kysely';

// Sessions: the session id of every record, for replaying a session in order. Records written
// before this migration keep "" (the table is append-only; event_json still holds their sessionId).
// A constant default adds the column without rewriting the table or firing any row trigger.
// session_id is not in the v1 canonical form: it is derived from event_json, which the hash covers,
// and verification checks that it agrees (see chainedFromRow).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table audit.events add column session_id text not null default ''`.execute(db);
  await sql`create index events_session_id_seq_idx on audit.events (session_id, seq)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index audit.events_session_id_seq_idx`.execute(db);
  await sql`alter table audit.events drop column session_id`.execute(db);
}
