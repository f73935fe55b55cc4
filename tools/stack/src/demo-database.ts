import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEMO_CUSTOMERS } from './demo-customers.js';

/** A database, the login role that owns it, and that role's password. */
export interface OwnedDatabase {
  readonly database: string;
  readonly role: string;
  readonly password: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** pg_advisory_lock key that serialises provisioning on one server ("pcdemo" in ASCII). */
const PROVISION_LOCK = 0x706364656d6f;

/**
 * Makes sure, on the server of `serverUrl` (any database on it; the URL's user must be a
 * superuser), that `role` can log in with `password` and owns `database`. Idempotent: the role and
 * the database are created when missing, and the password is set on every call (a new password
 * per `npm start`).
 */
export async function provisionDatabase(serverUrl: string, { database, role, password }: OwnedDatabase): Promise<void> {
  checkIdentifiers(database, role);
  await withClient(databaseUrl(serverUrl, 'postgres'), async (client) => {
    // Two stacks starting at once would both find the role missing; the lock ends with the session.
    await client.query('select pg_advisory_lock($1)', [PROVISION_LOCK]);
    const exists = await client.query('select 1 from pg_roles where rolname = $1', [role]);
    if (!exists.rowCount) await client.query(`create role "${role}" login`);
    // The verifier, not the password: a failing statement is logged with its text.
    await client.query(`alter role "${role}" login password ${client.escapeLiteral(scramVerifier(password))}`);
    const db = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!db.rowCount) await client.query(`create database "${database}" owner "${role}"`);
  });
}

/**
 * The demo database behind the `demo-pg` connection: provisionDatabase, then a `customers` table
 * owned by the role, seeded with DEMO_CUSTOMERS only if it is empty (so what a demo changed stays).
 */
export async function seedDemoDatabase(serverUrl: string, owned: OwnedDatabase): Promise<void> {
  await provisionDatabase(serverUrl, owned);
  await withClient(databaseUrl(serverUrl, owned.database), async (client) => {
    await client.query('begin');
    try {
      // Two stacks starting at once must not both create the table or both find it empty.
      await client.query('select pg_advisory_xact_lock($1)', [PROVISION_LOCK]);
      await client.query(`set local role "${owned.role}"`);
      await client.query('create table if not exists customers (id serial primary key, name text not null, email text not null, card_number text not null, note text)');
      const { rows } = await client.query<{ empty: boolean }>('select not exists (select 1 from customers) as empty');
      if (rows[0]!.empty) {
        const columns = ['name', 'email', 'card_number', 'note'] as const;
        const values = DEMO_CUSTOMERS.map((_, i) => `(${columns.map((_, j) => `$${i * columns.length + j + 1}`).join(', ')})`).join(', ');
        await client.query(`insert into customers (${columns.join(', ')}) values ${values}`, DEMO_CUSTOMERS.flatMap((c) => columns.map((k) => c[k])));
      }
      await client.query('commit');
    } catch (err) {
      await client.query('rollback').catch(() => undefined);
      throw err;
    }
  });
}

/** Drops what provisionDatabase made (for tests with a database and role of their own). */
export async function dropProvisionedDatabase(serverUrl: string, { database, role }: Omit<OwnedDatabase, 'password'>): Promise<void> {
  checkIdentifiers(database, role);
  await withClient(databaseUrl(serverUrl, 'postgres'), async (client) => {
    await client.query(`drop database if exists "${database}" with (force)`);
    await client.query(`drop role if exists "${role}"`);
  });
}

/**
 * A SCRAM-SHA-256 verifier as PostgreSQL stores it (RFC 5802/7677; what libpq's
 * PQencryptPasswordConn sends), so the password itself never travels in a statement. Only
 * printable ASCII, for which SASLprep changes nothing.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  if (!/^[\x20-\x7e]+$/.test(password)) throw new Error('the demo database password must be non-empty printable ASCII');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function checkIdentifiers(...names: string[]): void {
  for (const name of names) if (!IDENTIFIER.test(name)) throw new Error(`invalid database or role name "${name}" (lowercase letters, digits, _)`);
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
