import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Migration } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest, type Database } from '@portcullis/db';
import { targetDigest } from '@portcullis/request-model';
import { createTestDatabase, type TestDatabase } from '@portcullis/testkit';
import type { ApprovalsDB } from './approvals.table.js';
import { migrations } from './migrations/index.js';

const SCHEMA = 'approvals';
const ADD_TARGET = '20261202000000-add-target';
const previous = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < ADD_TARGET));
const upTo = (last: string) => Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last));
const throughAddTarget = upTo(ADD_TARGET);
const ADD_MESSAGE = '20261203000000-add-message';
const throughAddMessage = upTo(ADD_MESSAGE);
const ADD_QUORUM = '20261210000000-add-quorum-and-grants';
const throughQuorum = upTo(ADD_QUORUM);
const throughRelease = upTo('20261220000000-add-release');
/** Reverts the last migration of `set`. */
const downOnce = (database: Database<ApprovalsDB>, set: Record<string, Migration>) =>
  new Migrator({ db: database.db, provider: { getMigrations: async () => set }, migrationTableSchema: SCHEMA }).migrateDown();
/** A pending HTTP hold as the latest schema stores it; its id. */
async function insertPendingHold(database: Database<ApprovalsDB>): Promise<string> {
  const id = randomUUID();
  const target = '{"kind":"http","method":"POST","path":"/x","query":"","headers":[]}';
  await sql`
    insert into approvals.holds (id, request_id, connection, requester_issuer, requester_subject, target, target_digest, approver_groups, expires_at)
    values (${id}, ${`req-${randomUUID()}`}, 'demo-http', 'http://idp.test', 'demo-agent', ${target}::jsonb, ${targetDigest({ kind: 'http', method: 'POST', path: '/x', query: '', headers: [] })}, '{approvers}', now() + interval '1 hour')
  `.execute(database.db);
  return id;
}

const columnsOf = async (database: Database<ApprovalsDB>, table: string) =>
  (await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'approvals' and table_name = ${table}`.execute(database.db)).rows.map((r) => r.column_name);

describe(`migration ${ADD_TARGET}`, () => {
  let test: TestDatabase;
  let database: Database<ApprovalsDB>;

  beforeEach(async () => {
    test = await createTestDatabase();
    database = createDatabase<ApprovalsDB>({ url: test.url, schema: SCHEMA, applicationName: 'approvals-migrations-test' });
    await migrateToLatest(database, SCHEMA, previous);
  });

  afterEach(async () => {
    await database?.close();
    await test?.drop();
  });

  /** A row as the previous version wrote it; `http` null for a CreateHold that had no target. */
  const insertLegacy = (http: { method: string; path: string } | null) =>
    sql`
      insert into approvals.holds (id, request_id, connection, requester_subject, http_method, http_path, approver_groups, expires_at)
      values (${randomUUID()}, ${`req-${randomUUID()}`}, 'demo-http', 'demo-agent', ${http?.method ?? null}, ${http?.path ?? null}, '{approvers}', now() + interval '1 hour')
    `.execute(database.db);
  const downAddTarget = () => downOnce(database, throughAddTarget);

  it('refuses to guess a target for a hold the previous version stored without one', async () => {
    await insertLegacy({ method: 'GET', path: '/ok' });
    await insertLegacy(null);
    await expect(migrateToLatest(database, SCHEMA, throughAddTarget)).rejects.toThrow(/holds without an HTTP target exist/);
    // Nothing was applied: the schema is still the previous one.
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'approvals' and table_name = 'holds' and column_name = 'target'`.execute(database.db);
    expect(columns.rows).toEqual([]);
  });

  it('reverses: HTTP holds get their method and path back', async () => {
    await insertLegacy({ method: 'DELETE', path: '/orders/ü' });
    await migrateToLatest(database, SCHEMA, throughAddTarget);
    const migrated = await database.db.selectFrom('holds').select(['target', 'target_kind', 'target_digest']).executeTakeFirstOrThrow();
    expect(migrated).toEqual({ target: { kind: 'http', method: 'DELETE', path: '/orders/ü' }, target_kind: 'http', target_digest: targetDigest({ kind: 'http', method: 'DELETE', path: '/orders/ü', query: '', headers: [] }) });

    expect((await downAddTarget()).error).toBeUndefined();
    const restored = await sql<{ http_method: string; http_path: string }>`select http_method, http_path from approvals.holds`.execute(database.db);
    expect(restored.rows).toEqual([{ http_method: 'DELETE', http_path: '/orders/ü' }]);
    await migrateToLatest(database, SCHEMA, throughAddTarget); // and forward again
  });

  it('refuses to go back while an MCP or SQL hold exists, and rejects a target of an unknown kind', async () => {
    await migrateToLatest(database, SCHEMA, throughAddTarget);
    const row = (kind: string) => ({
      id: randomUUID(),
      request_id: `req-${randomUUID()}`,
      connection: 'demo-http',
      requester_issuer: '',
      requester_subject: 'demo-agent',
      requester_client_id: '',
      requester_groups: [],
      target: JSON.stringify({ kind, statement: 'select 1', parameters: [] }),
      target_digest: 'x',
      session_id: '',
      reasons: [],
      approver_groups: ['approvers'],
      expires_at: new Date(Date.now() + 60_000),
    });
    await expect(database.db.insertInto('holds').values(row('grpc')).execute()).rejects.toMatchObject({ code: '23514', constraint: 'holds_target_kind_check' });
    await database.db.insertInto('holds').values(row('sql')).execute();
    expect((await downAddTarget()).error).toMatchObject({ message: expect.stringMatching(/MCP or SQL holds exist/) });
  });
});

describe('migration 20261203000000-add-message', () => {
  let test: TestDatabase;
  let database: Database<ApprovalsDB>;

  beforeEach(async () => {
    test = await createTestDatabase();
    database = createDatabase<ApprovalsDB>({ url: test.url, schema: SCHEMA, applicationName: 'approvals-migrations-test' });
    await migrateToLatest(database, SCHEMA, throughAddTarget);
  });

  afterEach(async () => {
    await database?.close();
    await test?.drop();
  });

  it('gives existing holds no message, and reverses', async () => {
    await sql`
      insert into approvals.holds (id, request_id, connection, requester_subject, target, target_digest, approver_groups, expires_at)
      values (${randomUUID()}, ${`req-${randomUUID()}`}, 'demo-http', 'demo-agent', '{"kind":"http","method":"GET","path":"/x"}', 'd', '{approvers}', now() + interval '1 hour')
    `.execute(database.db);
    await migrateToLatest(database, SCHEMA, throughAddMessage);
    expect(await database.db.selectFrom('holds').select(['message', 'target']).execute()).toEqual([{ message: '', target: { kind: 'http', method: 'GET', path: '/x' } }]);
    const down = await downOnce(database, throughAddMessage);
    expect(down.error).toBeUndefined();
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'approvals' and table_name = 'holds' and column_name = 'message'`.execute(database.db);
    expect(columns.rows).toEqual([]);
  });
});

describe(`migration ${ADD_QUORUM}`, () => {
  let test: TestDatabase;
  let database: Database<ApprovalsDB>;

  beforeEach(async () => {
    test = await createTestDatabase();
    database = createDatabase<ApprovalsDB>({ url: test.url, schema: SCHEMA, applicationName: 'approvals-migrations-test' });
    await migrateToLatest(database, SCHEMA, throughAddMessage);
  });

  afterEach(async () => {
    await database?.close();
    await test?.drop();
  });

  /** A hold as the previous version wrote it, in `status` (approved and denied ones name who). */
  const insertPrevious = async (status: 'pending' | 'approved' | 'denied' | 'expired') => {
    const id = randomUUID();
    const resolvedBy = status === 'approved' || status === 'denied' ? 'demo-approver' : null;
    const target = '{"kind":"http","method":"POST","path":"/x","query":"","headers":[]}';
    await sql`
      insert into approvals.holds (id, request_id, connection, requester_issuer, requester_subject, target, target_digest, approver_groups, status, expires_at, resolved_at, resolved_by)
      values (${id}, ${`req-${randomUUID()}`}, 'demo-http', 'http://idp.test', 'demo-agent', ${target}::jsonb, ${targetDigest({ kind: 'http', method: 'POST', path: '/x', query: '', headers: [] })},
              '{approvers}', ${status}, now() + interval '1 hour', ${status === 'pending' ? null : sql`now() - interval '1 minute'`}, ${resolvedBy})
    `.execute(database.db);
    return id;
  };

  it('gives existing holds a quorum of one and no grant, and every approved hold the approval that released it', async () => {
    const ids = { pending: await insertPrevious('pending'), approved: await insertPrevious('approved'), denied: await insertPrevious('denied'), expired: await insertPrevious('expired') };
    await migrateToLatest(database, SCHEMA, migrations);
    const holds = await database.db.selectFrom('holds').select(['id', 'min_approvals', 'grant_ms', 'granted_by_grant']).execute();
    expect(holds).toHaveLength(4);
    for (const hold of holds) expect(hold).toMatchObject({ min_approvals: 1, grant_ms: null, granted_by_grant: null });
    const approvals = await database.db.selectFrom('hold_approvals').selectAll().execute();
    // The issuer of an approver was never recorded: '' (unknown), compared by subject alone.
    expect(approvals).toEqual([{ hold_id: ids.approved, approver_issuer: '', approver_subject: 'demo-approver', approved_at: expect.any(Date) }]);
    const [resolved] = await database.db.selectFrom('holds').select('resolved_at').where('id', '=', ids.approved).execute();
    expect(approvals[0]!.approved_at.getTime()).toBe(resolved!.resolved_at!.getTime());
  });

  it('lets the database itself refuse an approver twice, an approved hold naming nobody, and a grant without an issuer', async () => {
    const pending = await insertPrevious('pending');
    await migrateToLatest(database, SCHEMA, migrations);
    const approval = { hold_id: pending, approver_issuer: 'http://idp.test', approver_subject: 'demo-approver' };
    await database.db.insertInto('hold_approvals').values(approval).execute();
    await expect(database.db.insertInto('hold_approvals').values(approval).execute()).rejects.toMatchObject({ code: '23505', constraint: 'hold_approvals_pkey' });
    await expect(sql`update approvals.holds set status = 'approved', resolved_at = now() where id = ${pending}`.execute(database.db)).rejects.toMatchObject({ code: '23514', constraint: 'holds_resolved_by_check' });
    await expect(sql`update approvals.holds set min_approvals = 0 where id = ${pending}`.execute(database.db)).rejects.toMatchObject({ code: '23514', constraint: 'holds_min_approvals_check' });
    const grant = (issuer: string) => sql`
      insert into approvals.grants (id, hold_id, connection, requester_issuer, requester_subject, target_digest, approver_groups, reasons, expires_at)
      values (${randomUUID()}, ${pending}, 'demo-http', ${issuer}, 'demo-agent', 'd', '{approvers}', '{}', now() + interval '1 minute')`;
    await expect(grant('').execute(database.db)).rejects.toMatchObject({ code: '23514', constraint: 'grants_requester_issuer_check' });
    await grant('http://idp.test').execute(database.db);
  });

  it('reverses, keeping approved holds approved by who released them', async () => {
    const approved = await insertPrevious('approved');
    await migrateToLatest(database, SCHEMA, throughQuorum);
    expect((await downOnce(database, throughQuorum)).error).toBeUndefined();
    expect(await columnsOf(database, 'holds')).not.toContain('min_approvals');
    expect(await columnsOf(database, 'hold_approvals')).toEqual([]);
    expect(await columnsOf(database, 'grants')).toEqual([]);
    const rows = await sql<{ id: string; status: string; resolved_by: string }>`select id, status, resolved_by from approvals.holds`.execute(database.db);
    expect(rows.rows).toEqual([{ id: approved, status: 'approved', resolved_by: 'demo-approver' }]);
    await migrateToLatest(database, SCHEMA, throughQuorum); // and forward again
  });

  it('refuses to go back while a pending hold needs several approvers: the previous version would release it on one', async () => {
    const pending = await insertPrevious('pending');
    await migrateToLatest(database, SCHEMA, throughQuorum);
    await sql`update approvals.holds set min_approvals = 2 where id = ${pending}`.execute(database.db);
    expect((await downOnce(database, throughQuorum)).error).toMatchObject({ message: expect.stringMatching(/pending holds that need several approvers/) });
    expect(await columnsOf(database, 'holds')).toContain('min_approvals');
  });
});

describe('migration 20261220000000-add-release', () => {
  let test: TestDatabase;
  let database: Database<ApprovalsDB>;

  beforeEach(async () => {
    test = await createTestDatabase('pc_appr_release');
    database = createDatabase<ApprovalsDB>({ url: test.url, schema: SCHEMA });
    await migrateToLatest(database, SCHEMA, migrations);
  });
  afterEach(async () => {
    await database?.close();
    await test?.drop();
  });

  it('lets only an approved hold carry a release report, always with its time, and reverses', async () => {
    const id = await insertPendingHold(database);
    await expect(sql`update approvals.holds set release_forwarded = false, release_code = 'REVOKED', release_reported_at = now() where id = ${id}`.execute(database.db)).rejects.toMatchObject({ code: '23514', constraint: 'holds_release_check' });
    await expect(sql`update approvals.holds set release_forwarded = true where id = ${id}`.execute(database.db)).rejects.toMatchObject({ code: '23514', constraint: 'holds_release_check' });
    await downOnce(database, migrations); // the migrations after it first
    expect((await downOnce(database, throughRelease)).error).toBeUndefined();
    expect(await columnsOf(database, 'holds')).not.toContain('release_forwarded');
  });
});

describe('migration 20261230000000-add-cancelled', () => {
  let test: TestDatabase;
  let database: Database<ApprovalsDB>;

  beforeEach(async () => {
    test = await createTestDatabase('pc_appr_cancel');
    database = createDatabase<ApprovalsDB>({ url: test.url, schema: SCHEMA });
    await migrateToLatest(database, SCHEMA, migrations);
  });
  afterEach(async () => {
    await database?.close();
    await test?.drop();
  });

  it('lets a hold be cancelled only with a reason and by nobody, and reverses to expired', async () => {
    const id = await insertPendingHold(database);
    await expect(sql`update approvals.holds set status = 'cancelled', resolved_at = now() where id = ${id}`.execute(database.db)).rejects.toMatchObject({ code: '23514', constraint: 'holds_cancelled_check' });
    await sql`update approvals.holds set status = 'cancelled', resolved_at = now(), resolution_reason = 'CALLER_GONE: gone' where id = ${id}`.execute(database.db);
    expect((await downOnce(database, migrations)).error).toBeUndefined();
    expect((await sql<{ status: string }>`select status from approvals.holds where id = ${id}`.execute(database.db)).rows).toEqual([{ status: 'expired' }]);
  });
});
