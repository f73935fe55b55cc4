import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
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
  const downOnce = () => new Migrator({ db: database.db, provider: { getMigrations: async () => throughAddTarget }, migrationTableSchema: SCHEMA }).migrateDown();

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

    expect((await downOnce()).error).toBeUndefined();
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
    expect((await downOnce()).error).toMatchObject({ message: expect.stringMatching(/MCP or SQL holds exist/) });
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
    await migrateToLatest(database, SCHEMA, migrations);
    expect(await database.db.selectFrom('holds').select(['message', 'target']).execute()).toEqual([{ message: '', target: { kind: 'http', method: 'GET', path: '/x' } }]);
    const down = await new Migrator({ db: database.db, provider: { getMigrations: async () => migrations }, migrationTableSchema: SCHEMA }).migrateDown();
    expect(down.error).toBeUndefined();
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = 'approvals' and table_name = 'holds' and column_name = 'message'`.execute(database.db);
    expect(columns.rows).toEqual([]);
  });
});
