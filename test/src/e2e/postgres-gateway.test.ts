import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { DEMO_CUSTOMERS, seedDemoDatabase } from '@portcullis/stack';
import { eventually, makeTestCertificates, startPrivatePostgres, type PrivatePostgres, type TestCertificates } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';
import { fields, message, prng, psql, rowValues, sendCancel, spawnPsql, untyped, wire, WireClient, type BackendMessage, type PgLogin } from './pg-clients.js';

// The PostgreSQL wire proxy end to end: the whole stack as processes, a private SCRAM-only
// PostgreSQL cluster that serves TLS (the gateway's role may log in over TLS only, and the gateway
// verifies the server's certificate: verify-full), the gateway's listener with TLS required, real
// dev-IdP tokens as passwords, and real clients: psql, pg (simple and extended protocol), and a
// hand-written wire client for what those never send.

const env = new E2eEnvironment();
const dir = mkdtempSync(join(tmpdir(), 'portcullis-pg-e2e-'));
const DEMO = { database: 'portcullis_demo', role: 'portcullis_demo' } as const;
const CONNECTION = 'demo-pg';
let database: PrivatePostgres;
let gatewayCerts: TestCertificates;
let gatewayCa: Buffer;
let admin: pg.Pool;
let agentToken: string;
let approverToken: string;
const clients: pg.Client[] = [];

const READ_RULE = 'agents-read-demo-pg';
const WRITE_RULE = 'agents-write-demo-pg-needs-approval';
const EXPIRING_RULE = 'agents-write-expiring-demo-pg-needs-approval';
const DROP_RULE = 'agents-never-drop-demo-pg';
const DROP_DESCRIPTION = 'Agents never drop or truncate anything in the demo database.';

beforeAll(async () => {
  let dbCerts: TestCertificates;
  [gatewayCerts, dbCerts] = await Promise.all([makeTestCertificates(join(dir, 'gateway')), makeTestCertificates(join(dir, 'database'))]);
  gatewayCa = readFileSync(gatewayCerts.caFile);
  database = await startPrivatePostgres({ auth: 'scram-sha-256', ssl: dbCerts });
  const password = randomBytes(18).toString('base64url');
  await seedDemoDatabase(database.url, { ...DEMO, password });
  admin = new pg.Pool({ connectionString: databaseUrl(DEMO.database), max: 3 });
  await admin.query(`create table expiring_notes (id serial primary key, note text not null); alter table expiring_notes owner to ${DEMO.role}`);
  // The gateway's role may log in over TLS only: a gateway that did not use TLS would fail here.
  writeFileSync(join(database.dataDir, 'pg_hba.conf'), `local all all scram-sha-256\nhost all postgres 127.0.0.1/32 scram-sha-256\nhostssl all ${DEMO.role} 127.0.0.1/32 scram-sha-256\n`);
  await admin.query('select pg_reload_conf()');

  await env.start({
    env: { DEMO_PG_PASSWORD: password },
    connections: [
      {
        name: CONNECTION,
        type: 'postgres',
        upstream: `postgres://${DEMO.role}@localhost:${database.port}/${DEMO.database}`,
        credential: { password: { env: 'DEMO_PG_PASSWORD' } },
        tls: { mode: 'verify-full', ca: { file: dbCerts.caFile } },
      },
    ],
    postgres: { tls: { cert: { file: gatewayCerts.certFile }, key: { file: gatewayCerts.keyFile }, required: true } },
    maskingProfiles: [{ name: 'demo-pg', detectors: ['email', 'card'], fields: ['password', 'ssn'], columns: ['customers.card_number', 'customers.email'] }],
    // portcullis.yaml's demo-pg rules, and one approval rule with a short timeout for expiry.
    policies: [
      {
        id: READ_RULE,
        description: 'Agents may read the demo database; card numbers and e-mail addresses are masked.',
        effect: 'allow',
        match: { groups: ['agents'], connections: [CONNECTION], sql: { statements: ['select', 'show', 'explain', 'begin', 'commit', 'rollback', 'savepoint', 'release_savepoint', 'rollback_to_savepoint', 'copy_to', 'prepare', 'execute', 'deallocate'] } },
        maskingProfile: 'demo-pg',
      },
      {
        id: WRITE_RULE,
        description: 'Writes to the demo database by agents wait for a human in the approvers group.',
        effect: 'require_approval',
        match: { groups: ['agents'], connections: [CONNECTION], sql: { statements: { any: ['insert', 'update', 'delete', 'merge', 'copy_from'] } } },
        approval: { approverGroups: ['approvers'], timeout: '2m' },
        maskingProfile: 'demo-pg',
      },
      {
        id: EXPIRING_RULE,
        effect: 'require_approval',
        match: { groups: ['agents'], connections: [CONNECTION], sql: { tables: ['expiring_notes'] } },
        approval: { approverGroups: ['approvers'], timeout: '2s' },
      },
      { id: DROP_RULE, description: DROP_DESCRIPTION, effect: 'deny', match: { groups: ['agents'], connections: [CONNECTION], sql: { statements: ['drop_*', 'truncate'] } } },
    ],
  });
  agentToken = await env.token(CLIENTS.agent);
  approverToken = await env.token(CLIENTS.approver);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  await env.stop();
  await admin?.end();
  await database?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// ── Helpers ────────────────────────────────────────────────────────────────────────────────────

function databaseUrl(name: string): string {
  const url = new URL(database.url);
  url.pathname = `/${name}`;
  return url.toString();
}

const pgPort = () => env.stack.ports.ingressPg;

function login(over: Partial<PgLogin> = {}): PgLogin {
  return { port: pgPort(), database: CONNECTION, user: CLIENTS.agent.id, password: agentToken, caFile: gatewayCerts.caFile, ...over };
}

/** A pg client of the gateway, as an application would configure it: TLS verified against our CA for "localhost". */
function gatewayConfig(over: pg.ClientConfig = {}): pg.ClientConfig {
  return { host: '127.0.0.1', port: pgPort(), database: CONNECTION, user: CLIENTS.agent.id, password: agentToken, ssl: { ca: gatewayCa, servername: 'localhost' }, connectionTimeoutMillis: 10_000, ...over };
}

async function connect(over: pg.ClientConfig = {}): Promise<pg.Client> {
  const client = new pg.Client(gatewayConfig(over));
  client.on('error', () => undefined); // a FATAL ends the client; the query that got it rejects
  clients.push(client);
  await client.connect();
  return client;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<pg.DatabaseError> {
  try {
    await promise;
  } catch (err) {
    return err as pg.DatabaseError;
  }
  throw new Error('expected an error, but it succeeded');
}

interface Hold {
  id: string;
  sql?: { statement: string; parameters?: { text?: string }[] };
}

async function holds(): Promise<Hold[]> {
  const listed = await env.cli(['approvals', 'list', '--json'], approverToken);
  if (listed.code !== 0) throw new Error(`approvals list failed: ${listed.stderr}`);
  return JSON.parse(listed.stdout || '[]') as Hold[];
}

/** The pending hold whose statement contains `marker` (polled with the CLI, as an approver would). */
function pendingHold(marker: string): Promise<Hold> {
  return eventually(async () => (await holds()).find((h) => h.sql?.statement.includes(marker)), 20_000, `a pending hold for a statement with "${marker}"`);
}

async function approve(holdId: string): Promise<void> {
  const approved = await env.cli(['approvals', 'approve', holdId], approverToken);
  expect(approved.code, approved.stderr).toBe(0);
}

/**
 * Approving a hold whose caller cancelled runs nothing: the caller is no longer waiting for it.
 * (The caller's test checks that nothing ran.) The hold itself stays in the approvers' list until
 * it expires: the approvals API cannot withdraw a hold yet (the hardening issue's "a hold whose
 * caller has gone is cancelled").
 */
async function expectHoldWithdrawn(holdId: string): Promise<void> {
  await env.cli(['approvals', 'approve', holdId], approverToken);
}

const requestIdIn = (detail: string | undefined) => /request: ([0-9a-f-]{36})/.exec(detail ?? '')?.[1];

/** Every secret of the seeded customers: none may cross the gateway in clear. */
const SECRETS = [
  ...DEMO_CUSTOMERS.flatMap((c) => [c.email, c.card_number]),
  'ada@analytical.example.org',
  '378282246310005',
  '4111 1111 1111 1111',
  'finance@paxos.example.com',
];

function expectNoSecrets(text: string): void {
  for (const secret of SECRETS) expect(text, `"${secret}" in clear`).not.toContain(secret);
}

// ── Reads ──────────────────────────────────────────────────────────────────────────────────────

describe('reads', () => {
  it('psql: a select shows names and masked columns, never a card number or an e-mail address in clear', async () => {
    const out = await psql(login(), ['-A', '-F', '|', '-c', 'select id, name, email, card_number, note from customers order by id']);
    expect(out.code, out.stderr).toBe(0);
    expectNoSecrets(out.stdout + out.stderr);
    for (const { name } of DEMO_CUSTOMERS) expect(out.stdout).toContain(name);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe('id|name|email|card_number|note');
    // Column rules redact whatever the column holds; the detectors mask what free text carries.
    expect(lines[1]).toBe('1|Ada Lovelace|[REDACTED]|[REDACTED]|VIP; prefers e-mail to a***@analytical.example.org');
    expect(lines[2]).toMatch(/^2\|Alan Turing\|\[REDACTED\]\|\[REDACTED\]\|second card on file \*+0005 \(amex\)$/);
    expect(lines[13]).toMatch(/^13\|Dennis Ritchie\|\[REDACTED\]\|\[REDACTED\]\|old card \*{4} \*{4} \*{4} 1111 expired$/);
    expect(out.stdout).toContain('(20 rows)');
  });

  it('pg, simple and extended protocol: the same masking, however the columns are named or computed', async () => {
    const client = await connect();
    const statements = [
      'select * from customers order by id',
      'select email as contact, card_number as c from customers',
      'select upper(email) as e, card_number || \'\' as c, name || \' <\' || email || \'>\' as who from customers',
      'select row_to_json(c) as j from customers c',
      'select string_agg(email, \',\') as all_emails, string_agg(card_number, \' \') as all_cards from customers',
      'select * from (select * from customers) sub',
    ];
    for (const text of statements) {
      for (const queryMode of ['simple', 'extended'] as const) {
        const result = await client.query({ text, queryMode } as pg.QueryConfig);
        expect(result.rows.length, `${queryMode}: ${text}`).toBeGreaterThan(0);
        const json = JSON.stringify(result.rows);
        for (const secret of SECRETS) {
          expect(json, `${queryMode} "${text}" shows ${secret}`).not.toContain(secret);
          expect(json.toLowerCase(), `${queryMode} "${text}" shows ${secret}`).not.toContain(secret.toLowerCase());
        }
      }
    }
    const bound = await client.query('select id, name, email, card_number, note from customers where id = $1', [1]);
    expect(bound.rows).toEqual([{ id: 1, name: 'Ada Lovelace', email: '[REDACTED]', card_number: '[REDACTED]', note: 'VIP; prefers e-mail to a***@analytical.example.org' }]);
  });

  it('field rules: a result column named like a field is redacted, and so is that key inside JSON', async () => {
    const client = await connect();
    const { rows } = await client.query("select name as password, 'x' as ssn, json_build_object('ssn', '078-05-1120', 'who', name) as j, jsonb_build_object('Password', 'hunter2') as k from customers where id = 1");
    expect(rows).toEqual([{ password: '[REDACTED]', ssn: '[REDACTED]', j: { ssn: '[REDACTED]', who: 'Ada Lovelace' }, k: { Password: '[REDACTED]' } }]);
  });

  it('pg binary result format: the same masking', async () => {
    const client = await connect();
    const result = await client.query({ text: 'select id, name, email, card_number, note from customers where id = $1', values: [1], binary: true } as pg.QueryConfig);
    const row = result.rows[0] as Record<string, unknown>;
    const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
    expect(text(row.name)).toBe('Ada Lovelace');
    expect(text(row.email)).toBe('[REDACTED]');
    expect(text(row.card_number)).toBe('[REDACTED]');
    expect(text(row.note)).toBe('VIP; prefers e-mail to a***@analytical.example.org');
  });

  it.each([
    ['an e-mail address in a cast error', 'select email::int from customers order by id limit 1', [], '22P02'],
    ['a card number in a range error', 'select card_number::int from customers order by id limit 1', [], '22003'],
    ['free text in a cast error', 'select note::int from customers where id = 1', [], '22P02'],
    ['an e-mail address in a cast error (extended protocol)', 'select email::int from customers where id = $1', [1], '22P02'],
  ])('masks %s: an error message carries data too', async (_what, text, values, code) => {
    const client = await connect();
    const err = await failure(client.query(text, values));
    expect(err.code).toBe(code);
    expectNoSecrets(JSON.stringify({ ...err, message: err.message }));
    expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('logs in to the database itself, over TLS, as its own role and with the caller’s application_name', async () => {
    const client = await connect({ application_name: 'pg-e2e-login-probe' });
    const { rows } = await client.query('select current_user as who, current_setting(\'application_name\') as app');
    expect(rows).toEqual([{ who: DEMO.role, app: 'pg-e2e-login-probe' }]);
    const seen = await admin.query<{ ssl: boolean; usename: string }>('select s.ssl, a.usename from pg_stat_activity a join pg_stat_ssl s using (pid) where a.application_name = $1', ['pg-e2e-login-probe']);
    expect(seen.rows).toEqual([{ ssl: true, usename: DEMO.role }]);
  });
});

// ── Denials ────────────────────────────────────────────────────────────────────────────────────

describe('denied statements', () => {
  it.each([
    ['drop table customers', 'simple'],
    ['truncate customers', 'simple'],
    ['drop table customers', 'extended'],
    ['truncate table customers', 'extended'],
    ['select 1; drop table customers', 'simple'],
  ] as const)('refuses "%s" (%s protocol) with 42501 naming the rule; the session goes on', async (text, queryMode) => {
    const client = await connect();
    const err = await failure(client.query({ text, queryMode } as pg.QueryConfig));
    expect(err.code).toBe('42501');
    expect(err.severity).toBe('ERROR');
    expect(err.message).toContain(`rule:${DROP_RULE}`);
    expect(err.hint).toContain(DROP_DESCRIPTION);
    expect(err.detail).toMatch(new RegExp(`^portcullis: POLICY_DENIED; rules: rule:${DROP_RULE}; request: [0-9a-f-]{36}$`));
    const { rows } = await client.query('select count(*)::int as n from customers');
    expect(rows[0].n).toBeGreaterThanOrEqual(20);
    const direct = await admin.query('select count(*)::int as n from customers');
    expect(direct.rows[0].n).toBe(rows[0].n);
  });

  it('psql: DROP is refused with the rule, its reason and the request id; the next command runs', async () => {
    const out = await psql(login(), ['-c', 'drop table customers', '-c', 'select count(*) as still_there from customers']);
    expect(out.stderr).toContain(`ERROR:  42501: denied by policy (rule:${DROP_RULE})`);
    expect(out.stderr).toMatch(new RegExp(`DETAIL:  portcullis: POLICY_DENIED; rules: rule:${DROP_RULE}; request: [0-9a-f-]{36}`));
    expect(out.stderr).toContain(`HINT:  denied by rule "${DROP_RULE}" (${DROP_DESCRIPTION})`);
    expect(out.stdout).toContain('still_there');
  });
});

// ── Transactions ───────────────────────────────────────────────────────────────────────────────

/** A client of PostgreSQL itself (the gateway's database, as its superuser), for comparisons. */
async function directClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl(DEMO.database) });
  clients.push(client);
  await client.connect();
  return client;
}

/**
 * What each statement came to, `ok:<command tag>` or `err:<SQLSTATE>`, with the transaction
 * status of the ReadyForQuery that ended it (I idle, T in a transaction, E in a failed one).
 */
async function outcomes(client: pg.Client, statements: readonly string[], queryMode: 'simple' | 'extended'): Promise<string[]> {
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  const out: string[] = [];
  for (const text of statements) {
    // pg settles a failed query on its ErrorResponse, which may come before its ReadyForQuery.
    const ready = new Promise<string>((resolve) => connection.once('readyForQuery', (m: { status: string }) => resolve(m.status)));
    let outcome: string;
    try {
      const result = await client.query({ text, queryMode } as pg.QueryConfig);
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      outcome = `ok:${(last as pg.QueryResult).command}`;
    } catch (err) {
      outcome = `err:${(err as pg.DatabaseError).code}`;
    }
    out.push(`${outcome}/${await ready}`);
  }
  return out;
}

describe('transactions', () => {
  const DENIED = 'drop table customers';
  const FAILING = 'select 1/0';
  /** A denial cannot happen on PostgreSQL itself: there a failing statement stands in for it. */
  const standIn = (statements: readonly string[]) => statements.map((s) => (s === DENIED ? FAILING : s));
  const asOnPostgres = (outcome: string) => outcome.replace(/^err:42501\//, 'err:22012/');

  it.each(['simple', 'extended'] as const)('a denied statement inside BEGIN aborts the transaction as PostgreSQL would (%s protocol)', async (queryMode) => {
    const client = await connect();
    const script = ['begin', 'select count(*) from customers', DENIED, 'select 1', 'commit', 'select 1'];
    expect(await outcomes(client, script, queryMode)).toEqual(['ok:BEGIN/T', 'ok:SELECT/T', 'err:42501/E', 'err:25P02/E', 'ok:ROLLBACK/I', 'ok:SELECT/I']);
    expect(await outcomes(await directClient(), standIn(script), queryMode)).toEqual(['ok:BEGIN/T', 'ok:SELECT/T', 'err:22012/E', 'err:25P02/E', 'ok:ROLLBACK/I', 'ok:SELECT/I']);
    expect(await outcomes(client, ['begin', DENIED, 'rollback', 'select 1'], queryMode)).toEqual(['ok:BEGIN/T', 'err:42501/E', 'ok:ROLLBACK/I', 'ok:SELECT/I']);
  });

  const scripts: [string, string[]][] = [
    ['an error, then COMMIT', ['begin', FAILING, 'select 1', 'commit', 'select 1']],
    ['a clean transaction', ['begin', 'select count(*) from customers', 'commit']],
    ['a savepoint rolled back to', ['begin', 'savepoint a', FAILING, 'select 1', 'rollback to savepoint a', 'select 1', 'release savepoint a', 'commit']],
    ['a denial rolled back to a savepoint', ['begin', 'savepoint a', DENIED, 'rollback to savepoint a', 'select count(*) from customers', 'commit']],
    ['a denial, then COMMIT', ['begin', 'select 1', DENIED, 'commit', 'select 1']],
    ['COMMIT and ROLLBACK outside a transaction', ['commit', 'rollback', 'select 1']],
    ['BEGIN twice', ['begin', 'begin', 'commit', 'select 1']],
    ['a batch failing midway leaves its transaction aborted', ['begin; select 1/0; commit', 'select 1', 'rollback', 'select 1']],
    ['a batch with its own transaction', ['begin; select 1; commit', 'select 1']],
    ['a denied batch inside a transaction', ['begin', 'select 1; drop table customers', 'select 1', 'rollback']],
    ['an error outside a transaction', [FAILING, 'select 1']],
  ];

  it.each(scripts)('%s: the same outcomes and transaction states through the gateway as on PostgreSQL', async (_what, statements) => {
    const client = await connect();
    const direct = await directClient();
    for (const queryMode of ['simple', 'extended'] as const) {
      const expected = await outcomes(direct, standIn(statements).map((s) => (s === 'select 1; drop table customers' ? 'select 1; select 1/0' : s)), queryMode);
      const through = await outcomes(client, statements, queryMode);
      expect(through.map(asOnPostgres), `${queryMode}: ${statements.join(' | ')}`).toEqual(expected);
    }
  });
});

// ── Approvals ──────────────────────────────────────────────────────────────────────────────────

describe('approvals', () => {
  it('holds an UPDATE until an approver approves it with the CLI; the row changes in the database', async () => {
    const client = await connect();
    const marker = `approved-by-cli-${randomBytes(4).toString('hex')}`;
    const pending = client.query(`update customers set note = '${marker}' where id = 4`);
    const hold = await pendingHold(marker);
    expect((await admin.query('select note from customers where id = 4')).rows[0].note).toBe('invoice monthly');
    await approve(hold.id);
    const result = await pending;
    expect(result.command).toBe('UPDATE');
    expect(result.rowCount).toBe(1);
    expect((await admin.query('select note from customers where id = 4')).rows[0].note).toBe(marker);
    expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('refuses a held DELETE an approver denies with 42501 and the approver’s reason; nothing is deleted', async () => {
    const client = await connect();
    const statement = "delete from customers where id = $1 and name <> $2 and 'denied-by-approver' <> ''";
    const pending = failure(client.query(statement, [6, 'Nobody']));
    const hold = await pendingHold('denied-by-approver');
    // The approver sees the statement with its bound parameters.
    expect(hold.sql).toEqual({ statement, parameters: [{ text: '6' }, { text: 'Nobody' }] });
    const denied = await env.cli(['approvals', 'deny', hold.id, '--reason', 'not on a Friday'], approverToken);
    expect(denied.code, denied.stderr).toBe(0);
    const err = await pending;
    expect(err.code).toBe('42501');
    expect(err.message).toContain('not on a Friday');
    expect(err.message).toContain(`rule:${WRITE_RULE}`);
    expect(err.detail).toContain('portcullis: APPROVAL_DENIED');
    expect(err.detail).toContain(`hold: ${hold.id}`);
    expect((await admin.query('select count(*)::int as n from customers where id = 6')).rows[0].n).toBe(1);
    expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('refuses a held statement nobody answers before its hold expires with 42501; nothing is inserted', async () => {
    const client = await connect();
    const started = Date.now();
    const err = await failure(client.query('insert into expiring_notes (note) values ($1)', ['nobody answers']));
    expect(err.code).toBe('42501');
    expect(err.detail).toContain('portcullis: APPROVAL_EXPIRED');
    expect(err.message).toContain(`rule:${EXPIRING_RULE}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect((await admin.query('select count(*)::int as n from expiring_notes')).rows[0].n).toBe(0);
    expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('refuses a held statement the client cancels (CancelRequest with its BackendKeyData) with 57014; approving it later runs nothing', async () => {
    const client = await connect();
    const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
    const pending = failure(client.query("delete from customers where id = 20 and note is distinct from 'cancelled-by-client'"));
    const hold = await pendingHold('cancelled-by-client');
    await sendCancel(pgPort(), processID, secretKey);
    const err = await pending;
    expect(err.code).toBe('57014');
    expect(err.detail).toContain('portcullis: REQUEST_CANCELLED');
    await expectHoldWithdrawn(hold.id);
    expect((await admin.query('select count(*)::int as n from customers where id = 20')).rows[0].n).toBe(1);
    expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('psql: Ctrl-C (SIGINT) on a held statement cancels it with 57014; nothing changes', async () => {
    const child = spawnPsql(login(), ['-f', '-']);
    child.stdin!.end("update customers set note = 'sigint-from-psql' where id = 5;\n");
    const hold = await pendingHold('sigint-from-psql');
    child.kill('SIGINT');
    const out = await child.result;
    expect(out.stderr).toContain('ERROR:  57014');
    await expectHoldWithdrawn(hold.id);
    expect((await admin.query('select note from customers where id = 5')).rows[0].note).toBeNull();
  });
});

// ── Cancel ─────────────────────────────────────────────────────────────────────────────────────

describe('cancel', () => {
  it('cancels a running pg_sleep(30) in the database: 57014 within seconds, and the session goes on', async () => {
    const client = await connect({ application_name: 'pg-e2e-sleeper' });
    const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
    const running = failure(client.query('select pg_sleep(30)'));
    // Running means the database is executing it, not the gateway deciding.
    await eventually(async () => {
      const { rows } = await admin.query("select 1 from pg_stat_activity where application_name = 'pg-e2e-sleeper' and state = 'active' and query like 'select pg_sleep%'");
      return rows.length > 0 ? true : undefined;
    }, 10_000, 'pg_sleep to run in the database');
    const started = Date.now();
    await sendCancel(pgPort(), processID, secretKey);
    const err = await running;
    expect(err.code).toBe('57014');
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await client.query('select 2 as after')).rows).toEqual([{ after: 2 }]);
  });

  it('ignores a CancelRequest with a key it never handed out (nothing else is cancelled)', async () => {
    const client = await connect();
    const { processID, secretKey } = client as unknown as { processID: number; secretKey: number };
    const running = client.query('select pg_sleep(0.5), 1 as done');
    await sendCancel(pgPort(), processID, secretKey ^ 0x5a5a5a5a);
    expect((await running).rows[0].done).toBe(1);
  });
});

// ── Prepared statements ────────────────────────────────────────────────────────────────────────

describe('prepared statements', () => {
  it('pg named statements: parsed once, reused with other parameters, each Execute decided on the statement and masked', async () => {
    const client = await connect();
    const text = "select id, name, email, card_number from customers where id = $1 and 'named-reuse' <> ''";
    for (const id of [1, 2, 3, 1]) {
      const { rows } = await client.query({ name: 'customer-by-id', text, values: [id] });
      expect(rows).toEqual([{ id, name: DEMO_CUSTOMERS[id - 1]!.name, email: '[REDACTED]', card_number: '[REDACTED]' }]);
    }
    // Each Execute of the statement parsed once is a request of its own, with the statement's text and its parameters.
    const received = await eventually(async () => {
      const { rows } = await env.sql().query<{ event_json: Record<string, any> }>("select event_json from audit.events where type = 'request.received' and event_json::text like '%named-reuse%' order by seq");
      return rows.length === 4 ? rows.map((r) => r.event_json.requestReceived.sql) : undefined;
    }, 15_000, 'four requests of the named statement');
    expect(received).toEqual([1, 2, 3, 1].map((id) => ({ statement: text, parameters: [{ text: String(id) }] })));
  });

  it('a pg named DELETE is held on every Execute: an earlier approval releases nothing later', async () => {
    const client = await connect();
    const text = "delete from customers where id = $1 and 'named-delete' <> ''";
    const first = failure(client.query({ name: 'remove-by-id', text, values: [18] }));
    const denied = await env.cli(['approvals', 'deny', (await pendingHold('named-delete')).id, '--reason', 'first try'], approverToken);
    expect(denied.code, denied.stderr).toBe(0);
    expect((await first).code).toBe('42501');
    const second = client.query({ name: 'remove-by-id', text, values: [18] });
    await approve((await pendingHold('named-delete')).id);
    expect((await second).rowCount).toBe(1);
    const third = failure(client.query({ name: 'remove-by-id', text, values: [17] }));
    const hold = await pendingHold('named-delete');
    expect(hold.sql!.parameters).toEqual([{ text: '17' }]);
    await env.cli(['approvals', 'deny', hold.id, '--reason', 'enough'], approverToken);
    expect((await third).code).toBe('42501');
    const { rows } = await admin.query('select id from customers where id in (17, 18) order by id');
    expect(rows).toEqual([{ id: 17 }]);
  });

  it('SQL-level PREPARE / EXECUTE / DEALLOCATE of a select: masked, and unknown after DEALLOCATE (26000)', async () => {
    const client = await connect();
    expect((await client.query('prepare contact(int) as select name, email, note from customers where id = $1')).command).toBe('PREPARE');
    const { rows } = await client.query('execute contact(1)');
    expect(rows).toEqual([{ name: 'Ada Lovelace', email: '[REDACTED]', note: 'VIP; prefers e-mail to a***@analytical.example.org' }]);
    expect((await client.query('deallocate contact')).command).toBe('DEALLOCATE');
    expect((await failure(client.query('execute contact(1)'))).code).toBe('26000');
  });

  it('EXECUTE of a prepared DELETE is decided as the DELETE: held, and approved like DELETE itself', async () => {
    const client = await connect();
    // PREPARE p AS DELETE … has the kinds prepare and delete: it is held too.
    const prepared = client.query("prepare remove(int) as delete from customers where id = $1 and name <> 'prepared-delete'");
    await approve((await pendingHold('prepared-delete')).id);
    expect((await prepared).command).toBe('PREPARE');
    const executed = client.query('execute remove(19)');
    const hold = await pendingHold('prepared-delete');
    // The approver sees the statement that runs, not "execute remove(19)", with its argument.
    expect(hold.sql!.statement).toBe("delete from customers where id = $1 and name <> 'prepared-delete'");
    expect(hold.sql!.parameters).toEqual([{ text: '19' }]);
    expect((await admin.query('select count(*)::int as n from customers where id = 19')).rows[0].n).toBe(1);
    await approve(hold.id);
    expect((await executed).rowCount).toBe(1);
    expect((await admin.query('select count(*)::int as n from customers where id = 19')).rows[0].n).toBe(0);
    expect((await client.query('deallocate remove')).command).toBe('DEALLOCATE');
  });

  it.each([
    ['in a batch after another statement', 10, (id: number) => `select 1; execute remove_probe(${id})`],
    ['in a batch before another statement', 11, (id: number) => `execute remove_probe(${id}); select 1`],
  ])('an EXECUTE %s is refused (0A000: it must be sent alone to be decided on what it runs); nothing is deleted', async (_how, id, statement) => {
    const client = await connect();
    const marker = `execute-probe-${id}`;
    const prepared = client.query(`prepare remove_probe(int) as delete from customers where id = $1 and '${marker}' <> ''`);
    await approve((await pendingHold(marker)).id);
    await prepared;
    const err = await client.query(statement(id)).then(() => undefined, (e: pg.DatabaseError) => e);
    expect(err?.code).toBe('0A000');
    expect(err?.message).toContain('send EXECUTE as a statement of its own');
    expect((await admin.query('select count(*)::int as n from customers where id = $1', [id])).rows[0].n).toBe(1);
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    await client.query('deallocate remove_probe');
  });

  it.each([
    ['under EXPLAIN ANALYZE (which runs it)', 12, (id: number) => `explain analyze execute remove_probe(${id})`],
    ['with its name in upper case', 13, (id: number) => `execute REMOVE_PROBE(${id})`],
    ['with its name quoted', 14, (id: number) => `execute "remove_probe"(${id})`],
  ])('an EXECUTE of a prepared DELETE %s still needs approval: nothing is deleted without it', async (_how, id, statement) => {
    const client = await connect();
    const marker = `execute-probe-${id}`;
    const prepared = client.query(`prepare remove_probe(int) as delete from customers where id = $1 and '${marker}' <> ''`);
    await approve((await pendingHold(marker)).id);
    await prepared;
    const before = (await admin.query('select count(*)::int as n from customers where id = $1', [id])).rows[0].n;
    expect(before).toBe(1);
    let settled: { ok: boolean; code?: string } | undefined;
    const running = client.query(statement(id)).then(
      () => (settled = { ok: true }),
      (err: pg.DatabaseError) => (settled = { ok: false, code: err.code }),
    );
    // Either it is held (then the approver denies it), or it was decided without approval.
    const held = await eventually(async () => (settled ? null : (await holds()).find((h) => h.sql?.statement.includes(marker) || h.sql?.statement === statement(id))), 20_000, 'a hold or an outcome');
    if (held) await env.cli(['approvals', 'deny', held.id, '--reason', 'probe'], approverToken);
    await running;
    const after = (await admin.query('select count(*)::int as n from customers where id = $1', [id])).rows[0].n;
    expect(after, `"${statement(id)}" deleted row ${id} without approval (outcome ${JSON.stringify(settled)})`).toBe(1);
    expect(held, `"${statement(id)}" was never held (outcome ${JSON.stringify(settled)})`).toBeTruthy();
    expect(settled).toEqual({ ok: false, code: '42501' });
    await client.query('deallocate remove_probe');
  });

  it('a Bind to an unknown statement is 26000 and an Execute of an unknown portal 34000; the session goes on after Sync', async () => {
    const client = await WireClient.login(login(), gatewayCa);
    try {
      client.send(wire.bind('', 'never-parsed', []), wire.execute(''), wire.sync());
      const first = await client.until('Z');
      expect(first.filter((m) => m.type === 'E').map((m) => fields(m).C)).toEqual(['26000']);
      expect(first.at(-1)!.body.toString()).toBe('I');
      client.send(wire.execute('no-such-portal'), wire.sync());
      const second = await client.until('Z');
      expect(second.filter((m) => m.type === 'E').map((m) => fields(m).C)).toEqual(['34000']);
      client.send(wire.parse('s1', 'select $1::int + 1 as n'), wire.bind('p1', 's1', ['41']), wire.execute('p1'), wire.sync());
      const third = await client.until('Z');
      // ParseComplete, BindComplete, DataRow, CommandComplete, ReadyForQuery (no Describe was sent: no RowDescription)
      expect(third.map((m) => m.type).join('')).toBe('12DCZ');
      expect(rowValues(third.find((m) => m.type === 'D')!)).toEqual(['42']);
    } finally {
      client.close();
    }
  });
});

// ── COPY ───────────────────────────────────────────────────────────────────────────────────────

describe('COPY', () => {
  it('psql COPY FROM STDIN: held, approved with the CLI, and the rows land', async () => {
    const child = spawnPsql(login(), ['-c', 'copy customers (name, email, card_number, note) from stdin with (format csv)']);
    child.stdin!.end('Copy One,copy.one@example.com,4000000000000002,copied-in\nCopy Two,copy.two@example.com,4000000000000010,copied-in\n');
    const hold = await pendingHold('copy customers');
    await approve(hold.id);
    const out = await child.result;
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('COPY 2');
    const { rows } = await admin.query("select name, email from customers where note = 'copied-in' order by name");
    expect(rows).toEqual([
      { name: 'Copy One', email: 'copy.one@example.com' },
      { name: 'Copy Two', email: 'copy.two@example.com' },
    ]);
  });

  it.each([
    ['csv', 'copy customers to stdout with (format csv, header)'],
    ['text', 'copy customers (id, name, email, card_number, note) to stdout'],
  ])('psql COPY TO STDOUT (%s) is masked like a select', async (_format, statement) => {
    const out = await psql(login(), ['-c', statement]);
    expect(out.code, out.stderr).toBe(0);
    expectNoSecrets(out.stdout + out.stderr);
    expect(out.stdout).toContain('Ada Lovelace');
    expect(out.stdout).toContain('[REDACTED]');
    expect(out.stdout).toContain('a***@analytical.example.org');
  });
});

describe('COPY of a query', () => {
  it('COPY (query) TO STDOUT that reads a redacted column is refused before it runs (0A000); the session goes on', async () => {
    const client = await connect();
    const err = await client.query('copy (select name, email from customers) to stdout').then(() => undefined, (e: pg.DatabaseError) => e);
    expect(err?.code).toBe('0A000');
    expect(err?.message).toContain('columns of this COPY are not known');
    expect((await client.query('select count(*)::int as n from customers')).rows[0].n).toBeGreaterThan(0);
    await client.end();
  });
});

// ── Startup ────────────────────────────────────────────────────────────────────────────────────

describe('startup errors', () => {
  async function forgedToken(): Promise<string> {
    const { kid } = decodeProtectedHeader(agentToken);
    const { privateKey } = await generateKeyPair('ES256');
    return new SignJWT({ ...decodeJwt(agentToken), groups: ['agents', 'approvers'] }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: kid! }).sign(privateKey);
  }

  it.each([
    ['a malformed token', '28P01', async () => gatewayConfig({ password: 'abc' }), /token/i],
    ['three garbage segments', '28P01', async () => gatewayConfig({ password: 'a.b.c' }), /token/i],
    ['a forged token', '28P01', async () => gatewayConfig({ password: await forgedToken() }), /signature/i],
    ['a token for another audience', '28P01', async () => gatewayConfig({ password: await env.token(CLIENTS.otherAudience) }), /audience/i],
    ['an unknown database name', '3D000', async () => gatewayConfig({ database: 'no-such-connection' }), /no-such-connection/],
    ['another user name than the token’s', '28000', async () => gatewayConfig({ user: 'someone-else' }), /someone-else/],
    ['a plain connection when TLS is required', '28000', async () => gatewayConfig({ ssl: false }), /TLS/],
  ] as const)('refuses %s with a FATAL %s ErrorResponse', async (_what, code, config, text) => {
    const client = new pg.Client(await config());
    client.on('error', () => undefined);
    const err = await failure(client.connect());
    expect(err.code).toBe(code);
    expect(err.severity).toBe('FATAL');
    expect(err.message).toMatch(text);
    await client.end().catch(() => undefined);
  });

  it('refuses an expired token at login, and ends a session whose token expired at its next statement, both with FATAL 28P01', async () => {
    const token = await env.token(CLIENTS.shortLived);
    // The token lives one second: on a loaded machine even the login may come too late. Either way
    // every refusal must be FATAL 28P01; a session opened in time must end at its next statement.
    const session = await connect({ user: CLIENTS.shortLived.id, password: token }).catch((err: pg.DatabaseError) => err);
    await new Promise((r) => setTimeout(r, 2100)); // only time expires a token
    const late = new pg.Client(gatewayConfig({ user: CLIENTS.shortLived.id, password: token }));
    late.on('error', () => undefined);
    const refused = await failure(late.connect());
    expect(refused).toMatchObject({ code: '28P01', severity: 'FATAL' });
    expect(refused.message).toMatch(/expired/i);
    if (session instanceof pg.Client) {
      const ended = await failure(session.query('select 1 as ok'));
      expect(ended).toMatchObject({ code: '28P01', severity: 'FATAL' });
    } else {
      expect(session).toMatchObject({ code: '28P01', severity: 'FATAL' });
    }
  });

  it('psql shows the refusal of a bad token', async () => {
    const out = await psql(login({ password: 'not-a-token' }), ['-c', 'select 1']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/FATAL: .*token/i);
  });
});

// ── Large results ──────────────────────────────────────────────────────────────────────────────

function peakRssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb);
}

describe('large results', () => {
  it('streams a 1,000,000-row result with the ingress process’s peak RSS bounded, and a slow client holds the database back', async () => {
    const pid = env.stack.pid('ingress');
    expect(pid).toBeDefined();
    const before = peakRssKb(pid!);
    const client = await WireClient.login(login(), gatewayCa, { application_name: 'pg-e2e-million' });
    const counts = { rows: 0, bytes: 0 };
    let first: (string | null)[] | undefined;
    let complete = '';
    const errors: Record<string, string>[] = [];
    let stalled: () => void = () => undefined;
    const stall = new Promise<void>((resolve) => (stalled = resolve));
    const done = new Promise<void>((resolve) => {
      client.sink = (m: BackendMessage) => {
        if (m.type === 'D') {
          counts.rows++;
          counts.bytes += m.body.length + 5;
          first ??= rowValues(m);
          if (counts.rows === 100_000) {
            client.pause();
            stalled();
          }
        } else if (m.type === 'C') complete = m.body.toString('utf8', 0, m.body.length - 1);
        else if (m.type === 'E') errors.push(fields(m));
        else if (m.type === 'Z') resolve();
      };
    });
    const started = Date.now();
    client.send(wire.query('select g, md5(g::text) from generate_series(1,1000000) g'));
    await Promise.race([stall, client.closed]);
    // The client reads nothing now: the gateway must stop reading from the database, which then
    // waits to write to it (ClientWrite) instead of the gateway buffering the rest of the result.
    const waiting = await eventually(async () => {
      const { rows } = await admin.query<{ wait_event: string | null }>("select wait_event from pg_stat_activity where application_name = 'pg-e2e-million' and state = 'active'");
      return rows[0]?.wait_event === 'ClientWrite' ? rows[0].wait_event : undefined;
    }, 15_000, 'the database to wait on writing to the gateway while the client does not read').catch(() => undefined);
    const rowsWhenStalled = counts.rows;
    client.resume();
    await Promise.race([done, client.closed]);
    const seconds = (Date.now() - started) / 1000;
    client.close();
    const after = peakRssKb(pid!);
    console.log(`1,000,000 rows (${(counts.bytes / 1e6).toFixed(1)} MB on the wire) in ${seconds.toFixed(1)} s with one stall at ${rowsWhenStalled} rows; ingress peak RSS (VmHWM) ${(before / 1024).toFixed(0)} MB before, ${(after / 1024).toFixed(0)} MB after`);
    expect(errors).toEqual([]);
    expect(counts.rows).toBe(1_000_000);
    expect(complete).toBe('SELECT 1000000');
    expect(first).toEqual(['1', 'c4ca4238a0b923820dcc509a6f75849b']);
    expect(after).toBeLessThan(400 * 1024);
    expect(waiting, 'the database never waited on the gateway while the client did not read: the gateway buffers results').toBe('ClientWrite');
  }, 120_000);
});

// ── Audit ──────────────────────────────────────────────────────────────────────────────────────

interface AuditRow {
  type: string;
  request_id: string;
  session_id: string;
  event_json: Record<string, any>;
}

describe('audit', () => {
  it('records a statement: session.started with the client user, request.received with the SQL, decision.made, request.completed with command tags', async () => {
    const marker = `audit-probe-${randomBytes(4).toString('hex')}`;
    const client = await connect({ application_name: 'pg-e2e-audit' });
    const statement = `begin; select name from customers where id = 1 and '${marker}' <> ''; commit`;
    await client.query(statement);
    const received = await eventually(async () => {
      const { rows } = await env.sql().query<AuditRow>("select type, request_id, session_id, event_json from audit.events where type = 'request.received' and event_json::text like $1", [`%${marker}%`]);
      return rows[0];
    }, 15_000, 'request.received of the audit probe');
    expect(received.event_json.requestReceived).toMatchObject({ sql: { statement }, principal: { clientId: CLIENTS.agent.id } });
    const events = await eventually(async () => {
      const rows = (await env.auditEvents(received.request_id)) as unknown as AuditRow[];
      return rows.some((e) => e.type === 'request.completed') ? rows : undefined;
    }, 15_000, 'request.completed of the audit probe');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['request.received', 'decision.made', 'request.completed']));
    expect(events.map((e) => e.type).filter((t) => t !== 'session.started')).toEqual(['request.received', 'decision.made', 'request.completed']);
    const decided = events.find((e) => e.type === 'decision.made')!.event_json.decisionMade;
    expect(decided.decision).toMatchObject({ effect: 'EFFECT_ALLOW', reasons: [`rule:${READ_RULE}`] });
    const completed = events.find((e) => e.type === 'request.completed')!.event_json.requestCompleted;
    expect(completed).toMatchObject({ outcome: 'OUTCOME_FORWARDED', sqlstate: '00000', commandTags: ['BEGIN', 'SELECT 1', 'COMMIT'] });
    const { rows: started } = await env.sql().query<AuditRow>("select type, request_id, session_id, event_json from audit.events where session_id = $1 and type = 'session.started'", [received.session_id]);
    expect(started).toHaveLength(1);
    expect(started[0]!.event_json.sessionStarted).toMatchObject({ clientUser: CLIENTS.agent.id, applicationName: 'pg-e2e-audit', principal: { clientId: CLIENTS.agent.id } });
  });

  it('records a denied statement under the request id its error names', async () => {
    const client = await connect();
    const err = await failure(client.query('truncate customers'));
    const requestId = requestIdIn(err.detail);
    expect(requestId).toBeDefined();
    const events = await eventually(async () => {
      const rows = (await env.auditEvents(requestId!)) as unknown as AuditRow[];
      return rows.some((e) => e.type === 'request.completed') ? rows : undefined;
    }, 15_000, 'request.completed of the denied statement');
    expect(events.find((e) => e.type === 'request.received')!.event_json.requestReceived).toMatchObject({ sql: { statement: 'truncate customers' } });
    expect(events.find((e) => e.type === 'request.completed')!.event_json.requestCompleted).toMatchObject({ outcome: 'OUTCOME_DENIED', sqlstate: '42501', errorCode: 'POLICY_DENIED', reasons: [`rule:${DROP_RULE}`] });
  });
});

// ── Malformed input ────────────────────────────────────────────────────────────────────────────

/** What one fuzz connection saw. */
interface Seen {
  readonly scenario: string;
  readonly errors: Record<string, string>[];
  readonly malformed?: string;
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n | 0);
  return b;
};

describe('malformed input', () => {
  /** Messages whose framing or content is broken: each must end the session with FATAL 08P01. */
  const MALFORMED: [string, () => Buffer][] = [
    ['a length under 4', () => Buffer.concat([Buffer.from('Q'), int32(2)])],
    ['a length over maxMessageBytes', () => Buffer.concat([Buffer.from('Q'), int32(0x7ffffff0)])],
    ['an unknown message type', () => message('!', Buffer.from('x\0'))],
    ['a type byte of 0 (a startup packet after login)', () => untyped(int32(196608), Buffer.from('user\0x\0\0'))],
    ['a Query without its NUL', () => message('Q', Buffer.from('select 1'))],
    ['a Parse cut short', () => message('P', Buffer.from('s\0select 1'))],
    ['a Bind announcing parameters it lacks', () => message('B', Buffer.from('\0\0'), Buffer.from([0, 0, 0, 5]))],
    ['an Execute without its row limit', () => message('E', Buffer.from('\0'))],
    ['a password message after login', () => wire.password('again')],
  ];

  it.each(MALFORMED)('ends the session with FATAL 08P01 on %s', async (_what, bytes) => {
    const client = await WireClient.login(login(), gatewayCa);
    client.send(bytes());
    const seen = await client.until('E', 10_000);
    await client.closed;
    expect(client.malformed).toBeUndefined();
    const error = fields(seen.at(-1)!);
    expect(error).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it.each([
    ['a startup length over 10,000 bytes', () => Buffer.concat([int32(100_000), int32(196608)])],
    ['a startup length under 8', () => Buffer.concat([int32(4), int32(196608)])],
    ['a startup packet without its final NUL', () => untyped(int32(196608), Buffer.from('user\0demo-agent\0database\0demo-pg'))],
  ])('refuses %s inside TLS with FATAL 08P01', async (_what, bytes) => {
    const client = await WireClient.connect(pgPort(), { ca: gatewayCa });
    client.send(bytes());
    const seen = await client.until('E', 10_000);
    await client.closed;
    expect(fields(seen.at(-1)!)).toMatchObject({ S: 'FATAL', C: '08P01' });
  });

  it('survives a seeded fuzz from many connections: ingress stays up, other sessions are unaffected, errors are well-formed', async () => {
    const seed = Number(process.env.PG_FUZZ_SEED ?? 0x5eed);
    const random = prng(seed);
    const pid = env.stack.pid('ingress');
    // A session that works throughout.
    const witness = await connect();
    const witnessFailures: string[] = [];
    let witnessQueries = 0;
    let fuzzing = true;
    const witnessLoop = (async () => {
      while (fuzzing) {
        try {
          const { rows } = await witness.query('select name, email from customers where id = 1');
          if (rows[0]?.name !== 'Ada Lovelace' || rows[0]?.email !== '[REDACTED]') witnessFailures.push(`unexpected row: ${JSON.stringify(rows)}`);
          witnessQueries++;
        } catch (err) {
          witnessFailures.push((err as Error).message);
        }
      }
    })();

    const valid = (): Buffer[] => [
      wire.query('select 1'),
      wire.parse('', 'select $1::text'),
      wire.bind('', '', ['x']),
      wire.describePortal(''),
      wire.execute(''),
      wire.sync(),
      wire.flush(),
      message('d', Buffer.from('copy data outside copy')),
      message('c'),
    ];
    const mutate = (b: Buffer): Buffer => {
      const out = Buffer.from(b);
      for (let i = 0, n = 1 + random.int(3); i < n; i++) out[random.int(out.length)] = random.int(256);
      return random.int(4) === 0 ? out.subarray(0, random.int(out.length)) : out;
    };
    type Scenario = { name: string; login: boolean; tls: boolean; bytes: () => Buffer[]; abrupt: boolean };
    const scenarios: Scenario[] = [
      { name: 'plain random bytes', login: false, tls: false, bytes: () => [random.bytes(1 + random.int(300))], abrupt: false },
      { name: 'random bytes inside TLS', login: false, tls: true, bytes: () => [random.bytes(1 + random.int(300))], abrupt: false },
      { name: 'a mutated startup packet', login: false, tls: true, bytes: () => [mutate(wire.startup({ user: 'demo-agent', database: CONNECTION, application_name: 'fuzz' }))], abrupt: false },
      { name: 'a truncated startup packet, then gone', login: false, tls: true, bytes: () => [wire.startup({ user: 'demo-agent', database: CONNECTION }).subarray(0, 1 + random.int(20))], abrupt: true },
      { name: 'random bytes after login', login: true, tls: true, bytes: () => [random.bytes(1 + random.int(200))], abrupt: false },
      { name: 'mutated messages after login', login: true, tls: true, bytes: () => Array.from({ length: 1 + random.int(5) }, () => mutate(random.pick(valid()))), abrupt: false },
      { name: 'valid messages in a wrong order', login: true, tls: true, bytes: () => Array.from({ length: 2 + random.int(6) }, () => random.pick(valid())), abrupt: false },
      { name: 'a truncated message, then gone', login: true, tls: true, bytes: () => [random.pick(valid()).subarray(0, 1 + random.int(4))], abrupt: true },
      { name: 'a query, then gone mid-result', login: true, tls: true, bytes: () => [wire.query('select g from generate_series(1, 200000) g')], abrupt: true },
    ];

    /** One connection's bytes, drawn before anything runs: the same seed gives the same connections whatever the scheduling. */
    interface Case {
      readonly scenario: string;
      readonly login: boolean;
      readonly tls: boolean;
      readonly abrupt: boolean;
      readonly chunks: readonly Buffer[];
    }
    async function run(scenario: Case): Promise<Seen> {
      const client = scenario.login ? await WireClient.login(login(), gatewayCa) : await WireClient.connect(pgPort(), scenario.tls ? { ca: gatewayCa } : undefined);
      for (const chunk of scenario.chunks) client.send(chunk);
      if (scenario.abrupt) client.close(true);
      else {
        // Whatever comes until the gateway closes, or until the session is quiet and we leave.
        client.send(wire.sync());
        await Promise.race([client.closed, client.until('Z', 5000).then(() => client.until('Z', 300)).catch(() => undefined)]);
        client.close(true);
      }
      await client.closed;
      return { scenario: scenario.scenario, errors: client.errors, ...(client.malformed ? { malformed: client.malformed } : {}) };
    }

    const seen: Seen[] = [];
    const plan: Case[] = Array.from({ length: 180 }, () => {
      const { name, login, tls, abrupt, bytes } = random.pick(scenarios);
      return { scenario: name, login, tls, abrupt, chunks: bytes() };
    });
    const started = Date.now();
    const workers = Array.from({ length: 12 }, async () => {
      for (let s = plan.shift(); s; s = plan.shift()) seen.push(await run(s));
    });
    try {
      await Promise.all(workers);
    } finally {
      fuzzing = false;
      await witnessLoop;
    }
    const errors: Record<string, string>[] = seen.flatMap((s) => s.errors.map((e) => ({ ...e, scenario: s.scenario })));
    console.log(`fuzz seed ${seed}: ${seen.length} connections in ${((Date.now() - started) / 1000).toFixed(1)} s, ${errors.length} ErrorResponses (${[...new Set(errors.map((e) => e.C))].sort().join(', ')}); witness ran ${witnessQueries} queries`);

    expect(seen.filter((s) => s.malformed)).toEqual([]);
    // Every error is a proper ErrorResponse; a session the gateway ends for bad input ends with 08P01
    // (or, at startup, the SQLSTATE PostgreSQL gives the same refusal).
    for (const e of errors) {
      expect(e, JSON.stringify(e)).toMatchObject({ S: expect.stringMatching(/^(ERROR|FATAL)$/), C: expect.stringMatching(/^[0-9A-Z]{5}$/), M: expect.any(String) });
      if (e.S === 'FATAL') expect(['08P01', '0A000', '28000', '28P01', '42704', '3D000'], JSON.stringify(e)).toContain(e.C);
    }
    const garbage = errors.filter((e) => e.scenario === 'plain random bytes' || e.scenario === 'random bytes inside TLS');
    expect(garbage.length).toBeGreaterThan(0);
    expect(garbage.filter((e) => e.C !== '08P01' && e.C !== '0A000' && e.C !== '28000')).toEqual([]);
    expect(witnessFailures).toEqual([]);
    expect(witnessQueries).toBeGreaterThan(10);
    // The same ingress process, still serving: HTTP readiness and a new PostgreSQL session.
    expect(env.stack.pid('ingress')).toBe(pid);
    expect((await fetch(`${env.stack.ingressUrl}/readyz`)).status).toBe(200);
    const after = await connect();
    expect((await after.query('select count(*)::int as n from customers')).rows[0].n).toBeGreaterThan(0);
  }, 120_000);
});
