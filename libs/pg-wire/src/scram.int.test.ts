// SCRAM-SHA-256 and MD5 against a real PostgreSQL, spoken with this codec over node:net. The shared
// local server trusts 127.0.0.1, so this starts a private cluster with password authentication:
// initdb as the `postgres` OS user when we run as root (PostgreSQL refuses to run as root), else as
// ourselves, on a free port, removed afterwards. PG_BINDIR names the binaries if they are elsewhere.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wire from './index.js';

const SUPERUSER_PASSWORD = 'correct horse battery staple';

interface Cluster {
  readonly port: number;
  stop(): void;
}

function pgBinDir(): string {
  if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (!found) throw new Error('initdb not found: install PostgreSQL server binaries or set PG_BINDIR');
  return found;
}

/** Runs a PostgreSQL binary as a user it accepts: `postgres` via runuser (or su) when we are root. */
function runAsPostgres(file: string, args: string[]): void {
  if (process.getuid?.() !== 0) {
    execFileSync(file, args, { stdio: 'pipe' });
    return;
  }
  if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser')) {
    execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe' });
    return;
  }
  const quoted = [file, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startCluster(): Promise<Cluster> {
  const bin = pgBinDir();
  const base = mkdtempSync(join(tmpdir(), 'pg-wire-scram-'));
  const data = join(base, 'data');
  const pwfile = join(base, 'pwfile');
  const hba = join(base, 'pg_hba.conf');
  writeFileSync(pwfile, `${SUPERUSER_PASSWORD}\n`, { mode: 0o600 });
  // md5user answers an MD5 challenge; everyone else must use SCRAM.
  writeFileSync(hba, 'host all md5user 127.0.0.1/32 md5\nhost all all 127.0.0.1/32 scram-sha-256\nlocal all all scram-sha-256\n', { mode: 0o644 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    for (const path of [base, pwfile, hba]) chownSync(path, uid, gid);
  }
  const remove = () => rmSync(base, { recursive: true, force: true });
  try {
    runAsPostgres(join(bin, 'initdb'), ['-D', data, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const port = await freePort();
    const options = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c hba_file=${hba} -c fsync=off`;
    runAsPostgres(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(base, 'server.log'), '-w', '-t', '60', 'start']);
    return {
      port,
      stop: () => {
        try {
          runAsPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
        } finally {
          remove();
        }
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}

/** One connection to the cluster: send encoded messages, await decoded ones. */
class Connection {
  private readonly reader = new wire.MessageReader({ maxMessageBytes: 1 << 20 });
  private readonly queue: wire.BackendMessage[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk);
        for (let frame = this.reader.next(); frame; frame = this.reader.next()) this.queue.push(wire.decodeBackend(frame));
      } catch (err) {
        this.failure = err as Error;
        socket.destroy();
      }
      this.waiter?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.failure ??= new Error('connection closed');
        this.waiter?.();
        resolve();
      }),
    );
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(message: Buffer): void {
    this.socket.write(message);
  }

  async next(): Promise<wire.BackendMessage> {
    const deadline = Date.now() + 10_000;
    while (this.queue.length === 0) {
      if (this.failure) throw this.failure;
      if (Date.now() > deadline) throw new Error('no message within 10 s');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 250);
      });
    }
    return this.queue.shift()!;
  }

  async expect<T extends wire.BackendMessageType>(type: T): Promise<wire.BackendMessageOf<T>> {
    const message = await this.next();
    if (message.type !== type) {
      const detail = message.type === 'ErrorResponse' ? ` (${wire.noticeFields(message.fields).code})` : '';
      throw new Error(`expected ${type}, got ${message.type}${detail}`);
    }
    return message as wire.BackendMessageOf<T>;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Startup and authentication up to the first ReadyForQuery; returns what the server said on the way. */
async function login(port: number, user: string, password: string) {
  const conn = await Connection.open(port);
  conn.send(wire.startupMessage({ user, database: 'postgres', client_encoding: 'UTF8' }));
  const offer = await conn.expect('Authentication');
  const method = offer.kind;
  if (offer.kind === 'sasl') {
    expect(offer.mechanisms).toContain(wire.SCRAM_SHA_256);
    const scram = new wire.ScramSha256Client(password);
    conn.send(wire.saslInitialResponse(wire.SCRAM_SHA_256, scram.clientFirstMessage()));
    const serverFirst = await conn.expect('Authentication');
    if (serverFirst.kind !== 'saslContinue') throw new Error(`expected SASLContinue, got ${serverFirst.kind}`);
    conn.send(wire.saslResponse(scram.handleServerFirst(serverFirst.data)));
    const final = await conn.next();
    if (final.type === 'ErrorResponse') return { conn, method, error: wire.noticeFields(final.fields) };
    if (final.type !== 'Authentication' || final.kind !== 'saslFinal') throw new Error(`expected SASLFinal, got ${final.type}`);
    scram.verifyServerFinal(final.data);
  } else if (offer.kind === 'md5Password') {
    conn.send(wire.passwordMessage(wire.md5PasswordMessage(user, password, offer.salt)));
  } else {
    throw new Error(`unexpected authentication request ${offer.kind}`);
  }
  const ok = await conn.next();
  if (ok.type === 'ErrorResponse') return { conn, method, error: wire.noticeFields(ok.fields) };
  expect(ok).toEqual({ type: 'Authentication', kind: 'ok' });
  const parameters = new Map<string, string>();
  let backendKey: wire.BackendMessageOf<'BackendKeyData'> | undefined;
  for (;;) {
    const message = await conn.next();
    if (message.type === 'ParameterStatus') parameters.set(message.name, message.value);
    else if (message.type === 'BackendKeyData') backendKey = message;
    else if (message.type === 'ReadyForQuery') {
      expect(message.status).toBe('I');
      break;
    } else throw new Error(`unexpected ${message.type} before ReadyForQuery`);
  }
  return { conn, method, parameters, backendKey, error: undefined };
}

async function simpleQuery(conn: Connection, sql: string): Promise<wire.BackendMessage[]> {
  conn.send(wire.query(sql));
  const messages: wire.BackendMessage[] = [];
  for (;;) {
    const message = await conn.next();
    messages.push(message);
    if (message.type === 'ReadyForQuery') return messages;
  }
}

describe('authentication against a real PostgreSQL', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
    const { conn, error } = await login(cluster.port, 'postgres', SUPERUSER_PASSWORD);
    expect(error).toBeUndefined();
    const setup = [
      // Passwords SASLprep changes (soft hyphen dropped, ª → a, decomposed é composed) and one it must leave raw (RTL mixed with LTR).
      "CREATE ROLE prep LOGIN PASSWORD 'I\u00adX\u00aa-e\u0301'",
      "CREATE ROLE rtl LOGIN PASSWORD '\u0627a\u0627\u00aa'",
      "SET password_encryption = 'md5'",
      "CREATE ROLE md5user LOGIN PASSWORD 'md5-pässword'",
    ];
    for (const sql of setup) {
      const answer = await simpleQuery(conn, sql);
      expect(answer.map((m) => m.type)).toEqual(['CommandComplete', 'ReadyForQuery']);
    }
    conn.send(wire.terminate());
    await conn.closed;
  }, 120_000);

  afterAll(() => cluster?.stop());

  it('logs in with SCRAM-SHA-256, runs select 1 and terminates', async () => {
    const { conn, method, parameters, backendKey } = await login(cluster.port, 'postgres', SUPERUSER_PASSWORD);
    expect(method).toBe('sasl');
    expect(parameters!.get('client_encoding')).toBe('UTF8');
    expect(parameters!.get('server_version')).toMatch(/^\d+/);
    expect(backendKey!.secretKey).toHaveLength(4);
    const answer = await simpleQuery(conn, 'select 1');
    expect(answer).toEqual([
      { type: 'RowDescription', fields: [{ name: '?column?', tableOid: 0, columnAttr: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 0 }] },
      { type: 'DataRow', values: [Buffer.from('1')] },
      { type: 'CommandComplete', tag: 'SELECT 1' },
      { type: 'ReadyForQuery', status: 'I' },
    ]);
    conn.send(wire.terminate());
    await conn.closed;
  });

  it('refuses a wrong password with FATAL 28P01', async () => {
    const { conn, error } = await login(cluster.port, 'postgres', 'wrong');
    expect(error).toMatchObject({ severity: 'FATAL', code: '28P01' });
    expect(error!.message).toMatch(/password authentication failed/);
    await conn.closed;
  });

  it('SASLprep the way the server does: the raw and the prepared password both work where it applies, the raw one where it does not', async () => {
    for (const [user, password] of [
      ['prep', 'I\u00adX\u00aa-e\u0301'],
      ['prep', 'IXa-\u00e9'],
      ['rtl', '\u0627a\u0627\u00aa'],
    ] as const) {
      const { conn, error } = await login(cluster.port, user, password);
      expect(error, `${user} ${JSON.stringify(password)}`).toBeUndefined();
      conn.send(wire.terminate());
      await conn.closed;
    }
    const { conn, error } = await login(cluster.port, 'rtl', '\u0627a\u0627a');
    expect(error?.code).toBe('28P01');
    await conn.closed;
  });

  it('answers an MD5 challenge', async () => {
    const { conn, method, error } = await login(cluster.port, 'md5user', 'md5-pässword');
    expect(error).toBeUndefined();
    expect(method).toBe('md5Password');
    conn.send(wire.terminate());
    await conn.closed;
    const wrong = await login(cluster.port, 'md5user', 'md5-password');
    expect(wrong.error?.code).toBe('28P01');
    wrong.conn.close();
  });

  it('the extended protocol with binary results', async () => {
    const { conn } = await login(cluster.port, 'postgres', SUPERUSER_PASSWORD);
    conn.send(Buffer.concat([wire.parse('', 'select $1::int4 + 1 as n, null::text as z', [23]), wire.bind('', '', [1], [Buffer.from([0, 0, 0, 41])], [1]), wire.describe('P', ''), wire.execute(''), wire.sync()]));
    const types: string[] = [];
    let row: (Buffer | null)[] = [];
    for (;;) {
      const message = await conn.next();
      types.push(message.type);
      if (message.type === 'DataRow') row = message.values;
      if (message.type === 'ReadyForQuery') break;
    }
    expect(types).toEqual(['ParseComplete', 'BindComplete', 'RowDescription', 'DataRow', 'CommandComplete', 'ReadyForQuery']);
    expect(row).toEqual([Buffer.from([0, 0, 0, 42]), null]);
    conn.send(wire.terminate());
    await conn.closed;
  });
});
