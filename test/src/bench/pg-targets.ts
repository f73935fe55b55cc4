import pg from 'pg';
import type { PgbenchLogin } from './pgbench.js';

export const PG_TARGET_NAMES = ['direct', 'pgbouncer', 'gateway'] as const;
export type PgTargetName = (typeof PG_TARGET_NAMES)[number];

/** One way of reaching the bench's pgbench database. */
export interface PgTarget {
  readonly name: PgTargetName;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** The password for one measurement (the gateway's is a fresh dev-IdP token each time). */
  password(): Promise<string>;
}

/** What each target does, for the report. */
export const PG_TARGET_DESCRIPTIONS: Record<PgTargetName, string> = {
  direct: 'PostgreSQL itself (the server of DATABASE_URL), as the database’s owner role',
  pgbouncer: 'pgbouncer as a bare proxy hop (own process, no enforcement): session pooling, SCRAM at connect, the same role upstream',
  gateway:
    'the whole Portcullis stack through ingress’s PostgreSQL listener: database `demo-pg`, user `demo-agent`, a dev-IdP token as the password; each statement parsed and decided (rule `agents-read-demo-pg`), recorded, forwarded with the held credential, rows masked (profile `default`), audited',
};

/** A target's login for one pgbench run. */
export async function loginFor(target: PgTarget): Promise<PgbenchLogin> {
  return { host: target.host, port: target.port, database: target.database, user: target.user, password: await target.password() };
}

/**
 * Runs what pgbench will run — its start-up `select count(*) from pgbench_branches` and one
 * `-S` statement, simple protocol, no TLS — so a target that cannot serve the bench is reported
 * instead of measured. Returns why it cannot, or undefined.
 */
export async function pgPreflight(target: PgTarget, scale: number): Promise<string | undefined> {
  const client = new pg.Client({ ...(await loginFor(target)), ssl: false, connectionTimeoutMillis: 10_000, query_timeout: 10_000 });
  client.on('error', () => undefined); // a server ending the session after the answer is not a failure of the query
  try {
    await client.connect();
    const branches = await client.query<{ count: string }>('select count(*) from pgbench_branches');
    if (Number(branches.rows[0]?.count) !== scale) return `pgbench_branches has ${branches.rows[0]?.count ?? 'no'} rows, not the scale ${scale}`;
    const account = await client.query('SELECT abalance FROM pgbench_accounts WHERE aid = 1');
    if (account.rowCount !== 1) return `SELECT abalance FROM pgbench_accounts WHERE aid = 1 returned ${account.rowCount} rows`;
    return undefined;
  } catch (err) {
    const { code, message } = err as { code?: string; message?: string };
    return `${message ?? String(err)}${code && !(message ?? '').includes(code) ? ` (${code})` : ''}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
