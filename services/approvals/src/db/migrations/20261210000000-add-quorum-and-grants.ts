import { sql, type Kysely } from 'kysely';

// The Kysely passed in is bound to the `approvals` schema by createDatabase(). Migrations query
// the table as it is at their step, not as today's row types describe it, hence `any`.
type AnyDB = Kysely<any>;

/**
 * Quorums and time-boxed grants.
 *
 * - `holds.min_approvals`: distinct approvers needed to release a hold. Existing holds get 1, which
 *   is what released them until now.
 * - `hold_approvals`: one row per approver of a hold, keyed by (hold, approver issuer, approver
 *   subject), so the database itself refuses to count an approver twice. Holds approved before
 *   this migration get the approval that released them (`resolved_by`, at `resolved_at`) with the
 *   issuer '' (unknown, as `requester_issuer` of older holds): every approved hold names its approvers.
 * - `grants`: what a release issues when the requirement has a grant (`holds.grant_ms`): the
 *   same requester may repeat the same request (connection, target digest) until `expires_at`.
 * - `holds.granted_by_grant`: a hold a live grant released as it was created. Such a hold has no
 *   `resolved_by` (nobody resolved it), so the check that approved holds name who approved them
 *   becomes: an approver or a grant, exactly one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const q = db as AnyDB;
  await db.schema
    .alterTable('holds')
    .addColumn('min_approvals', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('grant_ms', 'bigint')
    .addColumn('granted_by_grant', 'uuid')
    .execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_min_approvals_check', sql`min_approvals >= 1`).execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_grant_ms_check', sql`grant_ms > 0`).execute();

  await db.schema
    .createTable('hold_approvals')
    .addColumn('hold_id', 'uuid', (c) => c.notNull().references('holds.id'))
    .addColumn('approver_issuer', 'text', (c) => c.notNull())
    .addColumn('approver_subject', 'text', (c) => c.notNull())
    .addColumn('approved_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('hold_approvals_pkey', ['hold_id', 'approver_issuer', 'approver_subject'])
    .execute();
  await q
    .insertInto('hold_approvals')
    .columns(['hold_id', 'approver_issuer', 'approver_subject', 'approved_at'])
    .expression(q.selectFrom('holds').select(['id', sql.lit('').as('issuer'), 'resolved_by', 'resolved_at']).where('status', '=', 'approved'))
    .execute();

  await db.schema
    .createTable('grants')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('hold_id', 'uuid', (c) => c.notNull().unique().references('holds.id'))
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('requester_issuer', 'text', (c) => c.notNull())
    .addColumn('requester_subject', 'text', (c) => c.notNull())
    .addColumn('target_digest', 'text', (c) => c.notNull())
    .addColumn('approver_groups', sql`text[]`, (c) => c.notNull())
    .addColumn('reasons', sql`text[]`, (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'text')
    .addColumn('revocation_reason', 'text')
    // A grant for a subject without its issuer would cover a namesake from another issuer.
    .addCheckConstraint('grants_requester_issuer_check', sql`requester_issuer <> ''`)
    .addCheckConstraint('grants_window_check', sql`expires_at > issued_at`)
    .addCheckConstraint('grants_revoked_check', sql`(revoked_at is null) = (revoked_by is null) and (revoked_at is null) = (revocation_reason is null)`)
    .addCheckConstraint('grants_approver_groups_check', sql`cardinality(approver_groups) > 0`)
    .execute();
  // CreateHold's lookup: the live grants of one requester for one connection and target.
  await db.schema
    .createIndex('grants_lookup_idx')
    .on('grants')
    .columns(['requester_subject', 'requester_issuer', 'connection', 'target_digest', 'expires_at'])
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
  await db.schema.createIndex('grants_approver_groups_idx').on('grants').using('gin').column('approver_groups').execute();

  await db.schema.alterTable('holds').addForeignKeyConstraint('holds_granted_by_grant_fkey', ['granted_by_grant'], 'grants', ['id']).execute();
  await db.schema.alterTable('holds').dropConstraint('holds_resolved_by_check').execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_resolved_by_check', RESOLVED_BY_CHECK).execute();
}

/** Approved: by an approver or by a grant, exactly one. Denied: by an approver. Otherwise: neither. */
const RESOLVED_BY_CHECK = sql`
  case status
    when 'approved' then (resolved_by is null) = (granted_by_grant is not null)
    when 'denied' then resolved_by is not null and granted_by_grant is null
    else resolved_by is null and granted_by_grant is null
  end`;

/**
 * Back to single approvals. Refused while a pending hold needs more than one approver (the previous
 * version would release it on one) or a grant released a hold (the previous version requires an
 * approver on every approved hold). Grants and recorded approvals are dropped: approved holds keep
 * `resolved_by`.
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  const q = db as AnyDB;
  const blocking = await q
    .selectFrom('holds')
    .select('id')
    .where((eb) => eb.or([eb('granted_by_grant', 'is not', null), eb.and([eb('status', '=', 'pending'), eb('min_approvals', '>', 1)])]))
    .limit(1)
    .execute();
  if (blocking.length > 0) throw new Error('pending holds that need several approvers, or holds released by grants, exist; the previous version cannot represent them');
  await db.schema.alterTable('holds').dropConstraint('holds_resolved_by_check').execute();
  await db.schema.alterTable('holds').addCheckConstraint('holds_resolved_by_check', sql`(status in ('approved', 'denied')) = (resolved_by is not null)`).execute();
  await db.schema.alterTable('holds').dropConstraint('holds_granted_by_grant_fkey').execute();
  await db.schema.dropTable('grants').execute();
  await db.schema.dropTable('hold_approvals').execute();
  await db.schema.alterTable('holds').dropConstraint('holds_grant_ms_check').execute();
  await db.schema.alterTable('holds').dropConstraint('holds_min_approvals_check').execute();
  await db.schema.alterTable('holds').dropColumn('granted_by_grant').dropColumn('grant_ms').dropColumn('min_approvals').execute();
}
