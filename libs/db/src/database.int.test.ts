import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, eventually, type TestDatabase } from '@portcullis/testkit';
import { createDatabase, type Database } from './database.js';

// What a service's pool does when PostgreSQL drops its connections (a restart, a failover, a
// terminated backend): the work in flight fails, and the process carries on.

let test: TestDatabase;
let database: Database<unknown>;
let admin: pg.Client;

beforeAll(async () => {
  test = await createTestDatabase('db_pool');
  database = createDatabase<unknown>({ url: test.url, schema: 'public', applicationName: 'db-pool-test' });
  admin = new pg.Client({ connectionString: test.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await database?.close();
  await test?.drop();
});

const terminate = () => admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = 'db-pool-test'`, [test.name]);

describe('createDatabase', () => {
  it('survives a connection that ends while checked out, and replaces it', async () => {
    // A checked-out client has no listener of pg-pool's: without one of ours its 'error' would be
    // an uncaught exception, which ends the process.
    const client = await database.pool.connect();
    const ended = new Promise((resolve) => client.once('end', resolve));
    await terminate();
    await ended;
    await expect(client.query('select 1')).rejects.toThrow();
    client.release();
    const answer = await eventually(async () => (await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows[0]?.one);
    expect(answer).toBe(1);
  });

  it('fails the query in flight when its connection ends, and answers the next one', async () => {
    const sleeping = sql`select pg_sleep(10)`.execute(database.db);
    await eventually(async () => ((await admin.query(`select 1 from pg_stat_activity where datname = $1 and query like 'select pg_sleep%'`, [test.name])).rowCount ? true : undefined));
    await terminate();
    await expect(sleeping).rejects.toThrow();
    // An idle connection whose end has not been read yet may fail one more query; then a new one answers.
    const answer = await eventually(async () => (await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows[0]?.one);
    expect(answer).toBe(1);
  });
});
