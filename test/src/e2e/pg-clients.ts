import { spawn, type ChildProcess } from 'node:child_process';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

// Clients of the gateway's PostgreSQL listener for the e2e tests: the real psql, and a small wire
// client written here from the protocol documentation (not with the gateway's own pg-wire codec,
// so a codec bug cannot hide itself), for what libpq and pg never send: unknown statements and
// portals, a cancel with a key of our choosing, a million rows counted without keeping them,
// malformed messages.

/** Where and as whom to connect. */
export interface PgLogin {
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** A dev-IdP token. */
  readonly password: string;
  /** The CA that signed the listener's certificate (verify-full against host name "localhost"). */
  readonly caFile: string;
}

export interface PsqlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A psql process: conninfo with sslmode=verify-full, the token in PGPASSWORD, no psqlrc, errors with their SQLSTATE. */
export function spawnPsql(login: PgLogin, args: readonly string[]): ChildProcess & { result: Promise<PsqlResult> } {
  const conninfo = `host=localhost port=${login.port} dbname=${login.database} user=${login.user} sslmode=verify-full sslrootcert=${login.caFile}`;
  const child = spawn('psql', ['-X', '-v', 'VERBOSITY=verbose', '-d', conninfo, ...args], {
    env: { PATH: process.env.PATH ?? '', PGPASSWORD: login.password, PGCONNECT_TIMEOUT: '10', LC_ALL: 'C' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const result = new Promise<PsqlResult>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(child, { result });
}

/** psql with `args`, `stdin` fed to it (a script, or COPY data), killed after 60 s. */
export async function psql(login: PgLogin, args: readonly string[], stdin = ''): Promise<PsqlResult> {
  const child = spawnPsql(login, args);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdin!.end(stdin);
  try {
    return await child.result;
  } finally {
    clearTimeout(timer);
  }
}

// ── Frontend messages ──────────────────────────────────────────────────────────────────────────

const cstr = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.of(0)]);
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** A typed message: type byte, length (itself included), body. */
export function message(type: string, ...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  return Buffer.concat([Buffer.from(type, 'latin1'), int32(payload.length + 4), payload]);
}

/** An untyped startup-phase packet: length (itself included), then the body. */
export function untyped(...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  return Buffer.concat([int32(payload.length + 4), payload]);
}

export const wire = {
  sslRequest: () => untyped(int32(80877103)),
  startup: (parameters: Record<string, string>) => untyped(int32(196608), ...Object.entries(parameters).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.of(0)),
  cancel: (processId: number, secretKey: number) => untyped(int32(80877102), int32(processId), int32(secretKey)),
  password: (text: string) => message('p', cstr(text)),
  query: (sql: string) => message('Q', cstr(sql)),
  parse: (name: string, sql: string) => message('P', cstr(name), cstr(sql), int16(0)),
  /** Text parameters (null: NULL), text results. */
  bind: (portal: string, statement: string, values: readonly (string | null)[]) =>
    message('B', cstr(portal), cstr(statement), int16(0), int16(values.length), ...values.map((v) => (v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)]))), int16(0)),
  describePortal: (name: string) => message('D', Buffer.from('P'), cstr(name)),
  execute: (portal: string, maxRows = 0) => message('E', cstr(portal), int32(maxRows)),
  sync: () => message('S'),
  flush: () => message('H'),
  terminate: () => message('X'),
};

// ── Backend messages ───────────────────────────────────────────────────────────────────────────

export interface BackendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** The fields of an ErrorResponse or NoticeResponse by their letter (C = SQLSTATE, M = message, …). */
export function fields(m: BackendMessage): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < m.body.length && m.body[at] !== 0) {
    const end = m.body.indexOf(0, at + 1);
    out[String.fromCharCode(m.body[at]!)] = m.body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return out;
}

/** The values of a DataRow, as text (null for NULL). */
export function rowValues(m: BackendMessage): (string | null)[] {
  const count = m.body.readInt16BE(0);
  const values: (string | null)[] = [];
  let at = 2;
  for (let i = 0; i < count; i++) {
    const length = m.body.readInt32BE(at);
    at += 4;
    if (length < 0) values.push(null);
    else {
      values.push(m.body.toString('utf8', at, at + length));
      at += length;
    }
  }
  return values;
}

/**
 * One connection to the listener, speaking the wire protocol by hand. Messages are parsed as they
 * arrive; by default they queue for `next`, or a `sink` takes each one as it is parsed (nothing is
 * kept: for results too large to hold). A malformed frame from the gateway is recorded in `malformed`.
 */
export class WireClient {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: BackendMessage[] = [];
  private waiter: (() => void) | undefined;
  private isClosed = false;
  /** Set when the gateway sent bytes that are not a backend message. */
  malformed: string | undefined;
  sink: ((m: BackendMessage) => void) | undefined;
  /** Every ErrorResponse received, in order. */
  readonly errors: Record<string, string>[] = [];
  readonly closed: Promise<void>;
  processId = 0;
  secretKey = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => this.push(chunk));
  }

  /**
   * Connects; with `tls`, asks for it first and verifies the certificate for "localhost" against
   * the CA. Without it the connection stays plain.
   */
  static async connect(port: number, tls: { ca: Buffer } | undefined): Promise<WireClient> {
    const tcp = await new Promise<Socket>((resolve, reject) => {
      const s = connectTcp({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    tcp.setNoDelay(true);
    if (!tls) return new WireClient(tcp);
    tcp.write(wire.sslRequest());
    const answer = await new Promise<number>((resolve, reject) => {
      tcp.once('data', (c: Buffer) => resolve(c[0]!));
      tcp.once('error', reject);
      tcp.once('close', () => reject(new Error('closed during SSLRequest')));
    });
    if (answer !== 0x53) throw new Error(`the listener answered ${String.fromCharCode(answer)} to SSLRequest`);
    const secure = await new Promise<Socket>((resolve, reject) => {
      const s = connectTls({ socket: tcp, ca: tls.ca, servername: 'localhost' }, () => resolve(s));
      s.once('error', reject);
    });
    return new WireClient(secure);
  }

  /** Connects over TLS and logs in; throws with the ErrorResponse's fields if the login is refused. */
  static async login(login: PgLogin, ca: Buffer, extra: Record<string, string> = {}): Promise<WireClient> {
    const client = await WireClient.connect(login.port, { ca });
    client.send(wire.startup({ user: login.user, database: login.database, ...extra }));
    const ask = await client.next();
    if (ask?.type !== 'R' || ask.body.readInt32BE(0) !== 3) throw new Error(`expected a cleartext password request, got ${ask?.type ?? 'close'} ${ask ? JSON.stringify(fields(ask)) : ''}`);
    client.send(wire.password(login.password));
    for (;;) {
      const m = await client.next();
      if (!m) throw new Error('closed during login');
      if (m.type === 'E') throw Object.assign(new Error(fields(m).M), { fields: fields(m) });
      if (m.type === 'K') {
        client.processId = m.body.readInt32BE(0);
        client.secretKey = m.body.readInt32BE(4);
      }
      if (m.type === 'Z') return client;
    }
  }

  get destroyed(): boolean {
    return this.isClosed;
  }

  send(...data: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(data));
  }

  /** The next message; undefined once the connection closed (or after `timeoutMs`, if given, with nothing). */
  async next(timeoutMs = 20_000): Promise<BackendMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.isClosed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message from the gateway within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.queue.shift();
  }

  /** Messages up to and including the first of `type` (or to the close). */
  async until(type: string, timeoutMs = 20_000): Promise<BackendMessage[]> {
    const seen: BackendMessage[] = [];
    for (;;) {
      const m = await this.next(timeoutMs);
      if (!m) return seen;
      seen.push(m);
      if (m.type === type) return seen;
    }
  }

  /** Stops reading from the socket, as a slow client would: the gateway's writes back up. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Ends the connection as a client would (Terminate), or at once. */
  close(abrupt = false): void {
    if (abrupt) this.socket.destroy();
    else this.socket.end(wire.terminate());
  }

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < 5) return;
    let data = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    let at = 0;
    while (data.length - at >= 5) {
      const type = data[at]!;
      const length = data.readInt32BE(at + 1);
      if (length < 4 || !/[A-Za-z0-9]/.test(String.fromCharCode(type))) {
        this.malformed ??= `type 0x${type.toString(16)} length ${length}`;
        this.socket.destroy();
        return;
      }
      if (data.length - at < 1 + length) break;
      const m = { type: String.fromCharCode(type), body: data.subarray(at + 5, at + 1 + length) };
      at += 1 + length;
      if (m.type === 'E') this.errors.push(fields(m));
      if (this.sink) this.sink(m);
      else this.queue.push(m);
    }
    data = data.subarray(at);
    this.chunks = data.length > 0 ? [data] : [];
    this.buffered = data.length;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

/** Sends a CancelRequest for the session with this key, on a connection of its own (plain TCP, as libpq does). */
export async function sendCancel(port: number, processId: number, secretKey: number): Promise<void> {
  const client = await WireClient.connect(port, undefined);
  client.send(wire.cancel(processId, secretKey));
  // The gateway closes a cancel connection without an answer, as PostgreSQL does.
  await Promise.race([client.closed, new Promise((r) => setTimeout(r, 5000))]);
  client.close(true);
}

/** A seeded PRNG (mulberry32): the fuzz is the same on every run with the same seed. */
export function prng(seed: number): { next(): number; int(n: number): number; bytes(n: number): Buffer; pick<T>(items: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))),
    pick: (items) => items[int(items.length)]!,
  };
}

export type { ChildProcess };
