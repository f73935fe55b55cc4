import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from './certificates.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';

// Private clusters as the PostgreSQL proxy's tests will use them: real password authentication
// (SCRAM) and real TLS with a CA of the test's own, checked by the pg client as verify-full.

const certDir = mkdtempSync(join(tmpdir(), 'portcullis-certs-'));
let certs: TestCertificates;
let otherCa: TestCertificates;
let scram: PrivatePostgres;
let tls: PrivatePostgres;

beforeAll(async () => {
  [certs, otherCa] = await Promise.all([makeTestCertificates(join(certDir, 'ours')), makeTestCertificates(join(certDir, 'other'))]);
  [scram, tls] = await Promise.all([startPrivatePostgres({ auth: 'scram-sha-256', superuserPassword: 'right horse battery' }), startPrivatePostgres({ auth: 'trust', ssl: certs })]);
});

afterAll(async () => {
  await Promise.all([scram?.stop(), tls?.stop()]);
  rmSync(certDir, { recursive: true, force: true });
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

const login = (port: number, password: string): pg.ClientConfig => ({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', password });

describe('startPrivatePostgres with scram-sha-256', () => {
  it('accepts the superuser with the right password, by its URL or by parts', async () => {
    expect(scram.url).toBe(`postgres://postgres:right%20horse%20battery@127.0.0.1:${scram.port}/postgres`);
    expect(await query({ connectionString: scram.url }, 'select current_user as who')).toEqual([{ who: 'postgres' }]);
    const [row] = await query<{ scram: boolean }>(login(scram.port, 'right horse battery'), "select rolpassword like 'SCRAM-SHA-256$%' as scram from pg_authid where rolname = 'postgres'");
    expect(row).toEqual({ scram: true });
  });

  it('refuses a wrong password with SQLSTATE 28P01', async () => {
    await expect(query(login(scram.port, 'wrong horse'), 'select 1')).rejects.toMatchObject({ code: '28P01' });
  });

  it('listens on 127.0.0.1 only, with its own data directory', async () => {
    expect(scram.dataDir.startsWith(tmpdir())).toBe(true);
    const [row] = await query<{ listen: string; fsync: string }>({ connectionString: scram.url }, "select current_setting('listen_addresses') as listen, current_setting('fsync') as fsync");
    expect(row).toEqual({ listen: '127.0.0.1', fsync: 'off' });
  });
});

describe('startPrivatePostgres with ssl', () => {
  const withCa = (ca: TestCertificates, servername: string): pg.ClientConfig => ({ ...login(tls.port, 'any'), ssl: { ca: readFileSync(ca.caFile, 'utf8'), servername } });

  it('serves TLS that verifies against the CA for the certificate’s name (verify-full)', async () => {
    const [row] = await query<{ ssl: boolean }>(withCa(certs, 'localhost'), 'select ssl from pg_stat_ssl where pid = pg_backend_pid()');
    expect(row).toEqual({ ssl: true });
  });

  it('fails verification for another CA or another name', async () => {
    await expect(query(withCa(otherCa, 'localhost'), 'select 1')).rejects.toMatchObject({ code: expect.stringMatching(/SELF_SIGNED|UNABLE_TO_VERIFY/) });
    await expect(query(withCa(certs, 'db.example.com'), 'select 1')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('trust auth takes any password', async () => {
    expect(await query(login(tls.port, 'anything at all'), 'select 1 as one')).toEqual([{ one: 1 }]);
  });
});

describe('stop', () => {
  it('stops the server and removes its directory', async () => {
    const cluster = await startPrivatePostgres({ auth: 'trust' });
    await cluster.stop();
    expect(existsSync(cluster.dataDir)).toBe(false);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: cluster.port });
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
