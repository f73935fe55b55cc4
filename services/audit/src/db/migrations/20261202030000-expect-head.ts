import { sql, type Kysely } from 'kysely';

// audit.expect_head(seq, hash): fails (SQLSTATE PC001) unless the chain's last record is seq with
// that hash (seq 0: the log is empty). An instance that planned a batch after the head it last
// wrote sends, in one round trip, begin, the chain lock, this check and the COPY of the batch: if
// another instance appended meanwhile, the check fails the transaction before anything is written.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function audit.expect_head(expected_seq bigint, expected_hash text) returns void language plpgsql as $$
    declare
      head record;
    begin
      select seq, hash into head from audit.events order by seq desc limit 1;
      if coalesce(head.seq, 0) <> expected_seq or (head.seq is not null and head.hash <> expected_hash) then
        raise exception 'the audit chain head is seq %, not seq %', coalesce(head.seq, 0), expected_seq
          using errcode = 'PC001', hint = 'plan the batch again after the current head';
      end if;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function audit.expect_head(bigint, text)`.execute(db);
}
