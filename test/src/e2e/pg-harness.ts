import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { decodeBackend, MessageReader, passwordMessage, startupMessage, type Frame } from '@portcullis/pg-wire';
import { dropProvisionedDatabase, freePorts, ownNats, seedDemoDatabase, Stack } from '@portcullis/stack';
import { createTestDatabase, postgresUrl, uniqueNamespace, type TestDatabase } from '@portcullis/testkit';

/**
 * A whole stack with a `type: postgres` connection (pg-hostile) over a database of its own, with a
 * permissive policy (agents may run anything) except: truncate denied, delete needs approval.
 * Also a raw protocol client to speak to the gateway and to the database directly, as the same role.
 */
export const PG_CONNECTION = 'demo-pg';

function configYaml(ports: { idp: number }, upstream: string, maxMessageBytes: number): string {
  return `
issuers:
  - { issuer: "http://127.0.0.1:${ports.idp}", audience: portcullis, maxTokenLifetime: 1h, clockTolerance: 0s }
devIdp:
  issuer: "http://127.0.0.1:${ports.idp}"
  audience: portcullis
  tokenTtl: 5m
  clients:
    - { clientId: demo-agent, secret: demo-agent-secret, groups: [agents] }
    - { clientId: demo-approver, secret: demo-approver-secret, groups: [approvers] }
connections:
  - name: ${PG_CONNECTION}
    type: postgres
    upstream: "${upstream}"
    credential: { password: { env: DEMO_PG_PASSWORD } }
postgres:
  maxMessageBytes: ${maxMessageBytes}
maskingProfiles:
  - { name: default, detectors: [email, card], fields: [password, ssn], columns: [customers.card_number, customers.email] }
policies:
  - id: deny-truncate
    effect: deny
    match: { connections: [${PG_CONNECTION}], sql: { statements: [truncate] } }
  - id: approve-delete
    effect: require_approval
    match: { groups: [agents], connections: [${PG_CONNECTION}], sql: { statements: { any: [delete] } } }
    approval: { approverGroups: [approvers], timeout: 2m }
    maskingProfile: default
  - id: allow-all
    effect: allow
    match: { groups: [agents], connections: [${PG_CONNECTION}] }
    maskingProfile: default
audit:
  readerGroups: [approvers]
policy:
  adminGroups: [approvers]
`;
}

export interface PgEndpoint {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string;
  parameters?: Record<string, string>;
}

export class PgHostileEnvironment {
  stack!: Stack;
  db!: TestDatabase;
  logDir!: string;
  role!: string;
  database!: string;
  serverUrl!: string;
  private pool?: pg.Pool;
  readonly maxMessageBytes: number;

  constructor(options: { maxMessageBytes?: number } = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 65536;
  }

  async start(): Promise<void> {
    const [idp, upstreamHttp, identity, policy, approvals, masking, audit, ingress, ingressPg, demoMcp, natsPort] = await freePorts(11);
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-pgh-'));
    this.logDir = join(dir, 'logs');
    this.serverUrl = await postgresUrl();
    const suffix = Math.random().toString(36).slice(2, 8);
    this.role = `pgh_role_${suffix}`;
    this.database = `pgh_db_${suffix}`;
    const password = `pw-${suffix}-secret`;
    await seedDemoDatabase(this.serverUrl, { database: this.database, role: this.role, password });
    const server = new URL(this.serverUrl);
    const upstream = `postgres://${this.role}@${server.hostname}:${server.port || 5432}/${this.database}`;
    const configPath = join(dir, 'portcullis.yaml');
    writeFileSync(configPath, configYaml({ idp: idp! }, upstream, this.maxMessageBytes));
    // Tables for differential tests, owned by the role; one it may not read (a permission error).
    const admin = await this.admin().connect();
    await admin.query(`set role "${this.role}"`);
    await admin.query('create table t (id int primary key, v text)');
    await admin.query("insert into t select g, 'v' || g from generate_series(1, 20) g");
    await admin.query('create table big (id int, payload text)');
    await admin.query("insert into big select g, repeat('x', 1000) from generate_series(1, 20000) g");
    await admin.query('create view customers_v as select * from customers');
    await admin.query('reset role');
    await admin.query('create table forbidden (id int)');
    await admin.query(`revoke all on forbidden from public`);
    admin.release();
    this.db = await createTestDatabase('pc_pgh');
    this.stack = new Stack({
      configPath,
      ...ownNats(join(dir, 'nats'), natsPort!),
      databaseUrl: this.db.url,
      namespace: uniqueNamespace('pgh'),
      ports: { devIdp: idp!, demoUpstream: upstreamHttp!, identity: identity!, policy: policy!, approvals: approvals!, masking: masking!, audit: audit!, ingress: ingress!, ingressPg: ingressPg!, demoMcp: demoMcp! },
      demoMcp: false,
      demoUpstream: false,
      logDir: this.logDir,
      tlsDir: join(this.logDir, '..', 'tls'),
      logLevel: 'debug',
      env: { APPROVALS_SWEEP_INTERVAL_MS: '200', INGRESS_AUTH_FAILURE_WINDOW_MS: '0', DEMO_PG_PASSWORD: password, DEMO_HTTP_API_KEY: 'unused' },
    });
    await this.stack.start();
  }

  /** A superuser pool on the demo database (pg_stat_activity, setup). */
  admin(): pg.Pool {
    if (!this.pool) {
      const url = new URL(this.serverUrl);
      url.pathname = `/${this.database}`;
      this.pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    }
    return this.pool;
  }

  async stop(): Promise<void> {
    await this.stack?.stop();
    await this.pool?.end();
    await this.db?.drop().catch(() => undefined);
    if (this.role) await dropProvisionedDatabase(this.serverUrl, { database: this.database, role: this.role }).catch(() => undefined);
  }

  async token(): Promise<string> {
    const res = await fetch(`${this.stack.issuerUrl}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo-agent:demo-agent-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async gatewayEndpoint(): Promise<PgEndpoint> {
    const [host, port] = this.stack.ingressPgAddress.split(':');
    return { host: host!, port: Number(port), user: 'demo-agent', database: PG_CONNECTION, password: await this.token() };
  }

  directEndpoint(): PgEndpoint {
    const url = new URL(this.serverUrl);
    return { host: url.hostname, port: Number(url.port || 5432), user: this.role, database: this.database, parameters: { client_encoding: 'UTF8', standard_conforming_strings: 'on' } };
  }

  ingressLog(): string {
    try {
      return readFileSync(join(this.logDir, 'ingress.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** Resident set size of the ingress process, in KiB (from ps, by the port it listens on). */
  ingressRssKb(): number {
    const port = this.stack.ports.ingressPg;
    const out = execFileSync('sh', ['-c', `ss -ltnpH 'sport = :${port}' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -1`]).toString().trim();
    if (!out) return -1;
    const status = readFileSync(`/proc/${out}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? -1);
  }

  /** Backends on the demo database logged in as the gateway's role. */
  async gatewayBackends(): Promise<{ pid: number; state: string; query: string }[]> {
    const { rows } = await this.admin().query('select pid, state, query from pg_stat_activity where usename = $1 and datname = $2 and pid <> pg_backend_pid()', [this.role, this.database]);
    return rows;
  }

  /** Waits until no backend of the gateway's role is left except those `keep` accepts (e.g. its catalog reader). */
  async waitNoBackends(timeoutMs = 5000, keep: (b: { pid: number; state: string; query: string }) => boolean = () => false): Promise<{ pid: number; state: string; query: string }[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = (await this.gatewayBackends()).filter((b) => !keep(b));
      if (rows.length === 0 || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** One decoded backend message, normalised for comparison. */
export type Msg = string;

/** A raw protocol client: write bytes, read frames. */
export class RawClient {
  readonly frames: Frame[] = [];
  closed = false;
  private waiters: (() => void)[] = [];
  private reader = new MessageReader({ maxMessageBytes: 1 << 30 });
  processId = 0;
  secretKey: Buffer = Buffer.alloc(0);
  readonly parameters = new Map<string, string>();

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (let f = this.reader.next(); f; f = this.reader.next()) this.frames.push(f);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static open(endpoint: { host: string; port: number }): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects and logs in (cleartext password or trust); resolves after the first ReadyForQuery. */
  static async login(endpoint: PgEndpoint): Promise<RawClient> {
    const c = await RawClient.open(endpoint);
    c.write(startupMessage({ user: endpoint.user, database: endpoint.database, ...(endpoint.parameters ?? {}) }));
    for (;;) {
      const f = await c.nextFrame(10_000);
      if (!f) throw new Error('closed during login');
      const m = decodeBackend(f);
      if (m.type === 'Authentication' && m.kind === 'cleartextPassword') c.write(passwordMessage(endpoint.password ?? ''));
      else if (m.type === 'ErrorResponse') throw new Error(`login failed: ${m.fields.get('M')}`);
      else if (m.type === 'BackendKeyData') {
        c.processId = m.processId;
        c.secretKey = m.secretKey;
      } else if (m.type === 'ParameterStatus') c.parameters.set(m.name, m.value);
      else if (m.type === 'ReadyForQuery') {
        c.frames.length = 0;
        c.consumed = 0;
        return c;
      }
    }
  }

  consumed = 0;

  write(data: Buffer | Buffer[]): boolean {
    return this.socket.write(Array.isArray(data) ? Buffer.concat(data) : data);
  }

  async nextFrame(timeoutMs: number): Promise<Frame | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.frames.length) {
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timeout waiting for a message');
      await new Promise<void>((r) => {
        const timer = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
    return this.frames[this.consumed++];
  }

  /** Reads until `count` ReadyForQuery (or close / timeout); returns the normalised messages. */
  async until(count: number, timeoutMs = 10_000): Promise<Msg[]> {
    const out: Msg[] = [];
    let seen = 0;
    while (seen < count) {
      let f: Frame | undefined;
      try {
        f = await this.nextFrame(timeoutMs);
      } catch {
        out.push('<timeout>');
        return out;
      }
      if (!f) {
        out.push('<closed>');
        return out;
      }
      const m = normalise(f);
      if (m !== null) out.push(m);
      if (f.type === 0x5a) seen++;
    }
    return out;
  }

  /** Reads for `ms`, returning what came (closing noted). */
  async collect(ms: number): Promise<Msg[]> {
    const out: Msg[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return out;
      try {
        const f = await this.nextFrame(left);
        if (!f) {
          out.push('<closed>');
          return out;
        }
        const m = normalise(f);
        if (m !== null) out.push(m);
      } catch {
        return out;
      }
    }
  }

  async waitClosed(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Normalised text of one backend message; null for messages that legitimately differ (ParameterStatus). */
export function normalise(f: Frame): Msg | null {
  const m = decodeBackend(f);
  switch (m.type) {
    case 'ParameterStatus':
      return null;
    case 'ReadyForQuery':
      return `Z:${m.status}`;
    case 'RowDescription':
      return `T:${m.fields.map((x) => `${x.name}/${x.typeOid}/${x.format}`).join(',')}`;
    case 'DataRow':
      return `D:${m.values.map((v) => (v === null ? 'NULL' : v.toString('hex').length > 200 ? `<${v.length}b>` : JSON.stringify(v.toString('latin1')))).join(',')}`;
    case 'CommandComplete':
      return `C:${m.tag}`;
    case 'ErrorResponse':
      return `E:${m.fields.get('V') ?? m.fields.get('S')}:${m.fields.get('C')}`;
    case 'NoticeResponse':
      return `N:${m.fields.get('C')}:${m.fields.get('M')}`;
    case 'NotificationResponse':
      return `A:${m.channel}:${m.payload}`;
    case 'ParameterDescription':
      return `t:${m.typeOids.join(',')}`;
    case 'CopyData':
      return `d:${JSON.stringify(m.data.toString('latin1'))}`;
    case 'CopyInResponse':
      return `G:${m.format}`;
    case 'CopyOutResponse':
      return `H:${m.format}`;
    default:
      return m.type;
  }
}

/** Full text of an ErrorResponse / NoticeResponse frame (for leak checks). */
export function fullText(f: Frame): string {
  const m = decodeBackend(f);
  if (m.type === 'ErrorResponse' || m.type === 'NoticeResponse') return [...m.fields.values()].join(' | ');
  if (m.type === 'DataRow') return m.values.map((v) => (v === null ? 'NULL' : v.toString('latin1'))).join(' | ');
  if (m.type === 'CopyData') return m.data.toString('latin1');
  if (m.type === 'NotificationResponse') return m.payload;
  return '';
}
