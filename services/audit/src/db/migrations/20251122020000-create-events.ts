import { sql, type Kysely } from 'kysely';

// The log is append-only, and the database itself enforces it: row triggers refuse UPDATE and
// DELETE, a statement trigger refuses TRUNCATE, whoever asks (superusers included, and also under
// session_replication_role = replica: the triggers are ENABLE ALWAYS). Only the table owner can
// disable them, which is why production should run the service as a role that does not own the
// table and has only INSERT and SELECT (see the service README notes in app.ts).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit.events (
      seq          bigint primary key check (seq > 0),
      event_id     text not null unique,
      type         text not null,
      request_id   text not null,
      connection   text not null,
      source       text not null,
      occurred_at  timestamptz,
      recorded_at  timestamptz not null default now(),
      stream_seq   bigint not null,
      payload      bytea not null,
      event_json   jsonb,
      -- hex SHA-256; decode() rather than a regex: as cheap as no check (a regex doubled insert time)
      prev_hash    text not null check (length(decode(prev_hash, 'hex')) = 32),
      hash         text not null check (length(decode(hash, 'hex')) = 32)
    )`.execute(db);
  await sql`create index events_request_id_seq_idx on audit.events (request_id, seq)`.execute(db);
  await sql`
    create function audit.events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit.events is append-only: % is not allowed', tg_op
        using errcode = 'P0001', hint = 'the audit log is immutable; record a new event instead';
    end
    $$`.execute(db);
  await sql`
    create trigger events_no_update_delete before update or delete on audit.events
      for each row execute function audit.events_append_only()`.execute(db);
  await sql`
    create trigger events_no_truncate before truncate on audit.events
      for each statement execute function audit.events_append_only()`.execute(db);
  await sql`alter table audit.events enable always trigger events_no_update_delete`.execute(db);
  await sql`alter table audit.events enable always trigger events_no_truncate`.execute(db);
  await sql`revoke update, delete, truncate on audit.events from public`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table audit.events`.execute(db);
  await sql`drop function audit.events_append_only()`.execute(db);
}
