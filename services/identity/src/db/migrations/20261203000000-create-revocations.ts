import { sql, type Kysely } from 'kysely';

// The Kysely passed in is bound to the `identity` schema by createDatabase().
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('revocations')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    // '' matches every issuer.
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('revoked_by', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // null: until unrevoked.
    .addColumn('expires_at', 'timestamptz')
    .addPrimaryKeyConstraint('revocations_pkey', ['kind', 'value', 'issuer'])
    .addCheckConstraint('revocations_kind_check', sql`kind in ('subject', 'client_id', 'token_id')`)
    .addCheckConstraint('revocations_value_check', sql`value <> ''`)
    .execute();

  // SAML assertions already used, remembered until they expire (replay protection).
  await db.schema
    .createTable('consumed_assertions')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('consumed_assertions_pkey', ['issuer', 'assertion_id'])
    .execute();
  await db.schema.createIndex('consumed_assertions_expires_at_idx').on('consumed_assertions').column('expires_at').execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('payload', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_unpublished_idx').on('outbox').column('id').where(sql.ref('published_at'), 'is', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
  await db.schema.dropTable('consumed_assertions').execute();
  await db.schema.dropTable('revocations').execute();
}
