import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luhnValid } from '@portcullis/detectors';
import { postgresUrl, startPrivatePostgres, uniqueSuffix, type PrivatePostgres } from '@portcullis/testkit';
import { DEMO_CUSTOMERS } from './demo-customers.js';
import { dropProvisionedDatabase, provisionDatabase, scramVerifier, seedDemoDatabase } from './demo-database.js';

// The demo database `npm start` seeds, made on the shared test server under names of this file's
// own, and on a private cluster with SCRAM authentication, where the role's password really counts.

const names = { database: `pc_demo_${uniqueSuffix()}`, role: `pc_demo_${uniqueSuffix()}` };
let server: string;
let scram: PrivatePostgres;

beforeAll(async () => {
  [server, scram] = await Promise.all([postgresUrl(), startPrivatePostgres({ auth: 'scram-sha-256' })]);
});

afterAll(async () => {
  if (server) await dropProvisionedDatabase(server, names);
  await scram?.stop();
});

async function query<T>(config: pg.ClientConfig, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionTimeoutMillis: 5000, ...config });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const on = (url: string, database: string): pg.ClientConfig => {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return { connectionString: u.toString() };
};

describe('seedDemoDatabase', () => {
  it('creates the role, its database and a seeded customers table it owns', async () => {
    await seedDemoDatabase(server, { ...names, password: 'first-password' });
    const rows = await query<{ id: number; name: string; email: string; card_number: string; note: string | null }>(on(server, names.database), 'select * from customers order by id');
    expect(rows).toHaveLength(DEMO_CUSTOMERS.length);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows[0]).toEqual({ id: 1, name: 'Ada Lovelace', email: 'ada.lovelace@example.com', card_number: '4111111111111111', note: 'VIP; prefers e-mail to ada@analytical.example.org' });
    expect(rows.every((r) => luhnValid(r.card_number) && /^[^@\s]+@[^@\s]+\.[a-z]+$/.test(r.email))).toBe(true);
    expect(rows.some((r) => r.note === null) && rows.some((r) => r.note !== null)).toBe(true);
    const [owners] = await query<{ db: string; table: string; login: boolean }>(
      on(server, names.database),
      `select (select pg_get_userbyid(datdba) from pg_database where datname = current_database()) as db,
              (select tableowner from pg_tables where tablename = 'customers') as table,
              (select rolcanlogin from pg_roles where rolname = '${names.role}') as login`,
    );
    expect(owners).toEqual({ db: names.role, table: names.role, login: true });
  });

  it('is idempotent: seeds only an empty table and keeps what a demo changed', async () => {
    await query(on(server, names.database), "update customers set note = 'changed in a demo' where id = 1");
    await Promise.all([seedDemoDatabase(server, { ...names, password: 'second-password' }), seedDemoDatabase(server, { ...names, password: 'second-password' })]);
    const [row] = await query<{ n: number; note: string }>(on(server, names.database), 'select count(*)::int as n, (select note from customers where id = 1) as note from customers');
    expect(row).toEqual({ n: DEMO_CUSTOMERS.length, note: 'changed in a demo' });
  });

  it('sets the password on every call: the role logs in with the latest one only (SCRAM cluster)', async () => {
    const demo = { database: 'portcullis_demo', role: 'portcullis_demo' };
    const login = (password: string): pg.ClientConfig => ({ host: '127.0.0.1', port: scram.port, database: demo.database, user: demo.role, password });
    await seedDemoDatabase(scram.url, { ...demo, password: 'old-password' });
    expect(await query(login('old-password'), 'select count(*)::int as n from customers')).toEqual([{ n: DEMO_CUSTOMERS.length }]);
    await seedDemoDatabase(scram.url, { ...demo, password: 'new-password' });
    await expect(query(login('old-password'), 'select 1')).rejects.toMatchObject({ code: '28P01' });
    expect(await query(login('new-password'), 'select current_user as who')).toEqual([{ who: demo.role }]);
  });
});

describe('scramVerifier', () => {
  it('computes the verifier PostgreSQL computes for the same password and salt', async () => {
    await provisionDatabase(scram.url, { database: 'verifier_check', role: 'verifier_check', password: 'unused' });
    // Let the server hash a password itself, then recompute it from the salt it chose.
    await query({ connectionString: scram.url }, "set password_encryption = 'scram-sha-256'; alter role verifier_check password 'p@ss w0rd!'");
    const [row] = await query<{ v: string }>({ connectionString: scram.url }, "select rolpassword as v from pg_authid where rolname = 'verifier_check'");
    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(row!.v)!;
    expect(scramVerifier('p@ss w0rd!', Buffer.from(salt!, 'base64'), Number(iterations))).toBe(row!.v);
  });

  it('refuses what SASLprep could change (non-ASCII) and the empty password', () => {
    expect(() => scramVerifier('pässword')).toThrow(/printable ASCII/);
    expect(() => scramVerifier('')).toThrow(/printable ASCII/);
  });
});
