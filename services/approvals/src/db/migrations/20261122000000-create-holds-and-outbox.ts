import { sql, type Kysely } from 'kysely';

// The Kysely passed in is bound to the `approvals` schema by createDatabase().
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('holds')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('requester_subject', 'text', (c) => c.notNull())
    .addColumn('requester_client_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('requester_groups', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('http_method', 'text')
    .addColumn('http_path', 'text')
    .addColumn('reasons', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('approver_groups', sql`text[]`, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .addColumn('resolution_reason', 'text')
    .addCheckConstraint('holds_status_check', sql`status in ('pending', 'approved', 'denied', 'expired')`)
    // A hold is resolved exactly when it is no longer pending; approvals and denials name who.
    .addCheckConstraint('holds_resolved_check', sql`(status = 'pending') = (resolved_at is null)`)
    .addCheckConstraint('holds_resolved_by_check', sql`(status in ('approved', 'denied')) = (resolved_by is not null)`)
    .addCheckConstraint('holds_approver_groups_check', sql`cardinality(approver_groups) > 0`)
    .execute();
  // The sweeper's "pending and due" scan, and the approvers' "pending in my groups" list.
  await db.schema.createIndex('holds_pending_expires_at_idx').on('holds').column('expires_at').where(sql.ref('status'), '=', 'pending').execute();
  await db.schema.createIndex('holds_approver_groups_idx').on('holds').using('gin').column('approver_groups').execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('hold_id', 'uuid', (c) => c.notNull().references('holds.id'))
    .addColumn('payload', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_unpublished_idx').on('outbox').column('id').where(sql.ref('published_at'), 'is', null).execute();
  await db.schema.createIndex('outbox_unpublished_hold_idx').on('outbox').columns(['hold_id', 'id']).where(sql.ref('published_at'), 'is', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('outbox').execute();
  await db.schema.dropTable('holds').execute();
}
