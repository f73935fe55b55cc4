import { sql, type Kysely } from 'kysely';

// The Kysely passed in is bound to the `policy` schema by createDatabase().
//
// `head` is one row: every change locks it FOR UPDATE, so changes from any number of instances
// are serialized and get versions N, N+1, ... with none lost. `revisions` is append-only, enforced
// by the database (row and statement triggers, ENABLE ALWAYS) as audit does for its log.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table policy.head (
      id          smallint primary key default 1 check (id = 1),
      version     bigint not null default 0 check (version >= 0),
      -- sha256 of no documents at all
      digest      text not null default 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      store_id    uuid not null default gen_random_uuid(),
      updated_at  timestamptz not null default now()
    )`.execute(db);
  await sql`insert into policy.head default values`.execute(db);

  await sql`
    create table policy.revisions (
      version           bigint primary key check (version > 0),
      previous_version  bigint not null check (previous_version = version - 1),
      changed_by        text not null check (changed_by <> ''),
      changes           jsonb not null check (jsonb_typeof(changes) = 'array' and jsonb_array_length(changes) > 0),
      digest            text not null,
      created_at        timestamptz not null default now()
    )`.execute(db);
  await sql`
    create function policy.revisions_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'policy.revisions is append-only: % is not allowed', tg_op
        using errcode = 'P0001', hint = 'the revision history is immutable; change the policy to record a new revision';
    end
    $$`.execute(db);
  await sql`
    create trigger revisions_no_update_delete before update or delete on policy.revisions
      for each row execute function policy.revisions_append_only()`.execute(db);
  await sql`
    create trigger revisions_no_truncate before truncate on policy.revisions
      for each statement execute function policy.revisions_append_only()`.execute(db);
  await sql`alter table policy.revisions enable always trigger revisions_no_update_delete`.execute(db);
  await sql`alter table policy.revisions enable always trigger revisions_no_truncate`.execute(db);
  await sql`revoke update, delete, truncate on policy.revisions from public`.execute(db);

  await sql`
    create table policy.documents (
      name           text primary key,
      format         text not null check (format in ('document', 'config')),
      text           text,
      digest         text,
      updated_by     text not null,
      updated_at     timestamptz not null default now(),
      version        bigint not null default 0 check (version >= 0),
      seeded_digest  text,
      check ((text is null) = (digest is null))
    )`.execute(db);

  await sql`
    create table policy.outbox (
      id            bigint generated always as identity primary key,
      event_id      text not null unique,
      version       bigint not null references policy.revisions (version),
      payload       bytea not null,
      created_at    timestamptz not null default now(),
      published_at  timestamptz
    )`.execute(db);
  await sql`create index outbox_unpublished_idx on policy.outbox (id) where published_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table policy.outbox`.execute(db);
  await sql`drop table policy.documents`.execute(db);
  await sql`drop table policy.revisions`.execute(db);
  await sql`drop function policy.revisions_append_only()`.execute(db);
  await sql`drop table policy.head`.execute(db);
}
