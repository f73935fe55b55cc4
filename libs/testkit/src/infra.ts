import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import pg from 'pg';

/**
 * Test infrastructure: the server named in the environment (NATS_URL, DATABASE_URL), else the
 * documented local default if one answers, else a container started with testcontainers, else a
 * failure that says what to start. Tests never mock NATS or PostgreSQL.
 */
const DEFAULT_NATS = 'nats://127.0.0.1:4222';
const DEFAULT_DATABASE = 'postgres://postgres@127.0.0.1:5432/postgres';

let natsPromise: Promise<string> | undefined;
let pgPromise: Promise<string> | undefined;

export function natsUrl(): Promise<string> {
  natsPromise ??= resolveInfra('NATS', process.env.NATS_URL, DEFAULT_NATS, async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('nats:2.10-alpine').withCommand(['-js']).withExposedPorts(4222).withWaitStrategy(Wait.forLogMessage(/Server is ready/)).start();
    return `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
  });
  return natsPromise;
}

/** URL of a PostgreSQL server (any database on it); use createTestDatabase() for an isolated one. */
export function postgresUrl(): Promise<string> {
  pgPromise ??= resolveInfra('PostgreSQL', process.env.DATABASE_URL, DEFAULT_DATABASE, async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('postgres:15-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    return `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
  });
  return pgPromise;
}

async function resolveInfra(what: string, fromEnv: string | undefined, fallback: string, startContainer: () => Promise<string>): Promise<string> {
  if (fromEnv) return fromEnv;
  const local = new URL(fallback);
  if (await answers(local.hostname, Number(local.port))) return fallback;
  try {
    return await startContainer();
  } catch (err) {
    throw new Error(
      `${what} is not reachable: set ${what === 'NATS' ? 'NATS_URL (nats-server -js)' : 'DATABASE_URL'}, start it on ${local.host}, ` +
        `or provide a Docker engine for testcontainers (${(err as Error).message.split('\n')[0]})`,
    );
  }
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** A short random suffix for names (databases, bus namespaces) private to one test file. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** A bus namespace of its own: streams and subjects no other test file sees. */
export function uniqueNamespace(prefix = 't'): string {
  return `${prefix}${uniqueSuffix()}`;
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, dropped by drop(). */
export async function createTestDatabase(prefix = 'pc_test'): Promise<TestDatabase> {
  const server = await postgresUrl();
  const name = `${prefix}_${uniqueSuffix()}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Who a test connects to NATS as: anonymous (the shared server) or an nkey seed file (a stack's own server). */
export interface NatsLogin {
  readonly nkeySeedFile?: string;
}

async function natsConnect(url: string, login: NatsLogin) {
  const { connect, nkeyAuthenticator } = await import('@nats-io/transport-node');
  const { readFileSync } = await import('node:fs');
  return connect({ servers: url, ...(login.nkeySeedFile ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(readFileSync(login.nkeySeedFile, 'utf8').trim())) } : {}) });
}

/** Deletes the streams of a test namespace. */
export async function deleteStreams(url: string, namespace: string, login: NatsLogin = {}): Promise<void> {
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await natsConnect(url, login);
  try {
    const jsm = await jetstreamManager(nc);
    for (const suffix of ['EVENTS', 'AUDIT']) await jsm.streams.delete(`${namespace.toUpperCase()}_${suffix}`).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/**
 * Points a stream at other subjects, so publishes to its usual subjects find no stream: the way a
 * test makes "the bus cannot store events" happen on a shared server. Returns the undo.
 */
export async function divertStream(url: string, stream: string, login: NatsLogin = {}): Promise<() => Promise<void>> {
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await natsConnect(url, login);
  try {
    const jsm = await jetstreamManager(nc);
    const { config } = await jsm.streams.info(stream);
    await jsm.streams.update(stream, { ...config, subjects: config.subjects.map((s) => `diverted.${s}`) });
    return async () => {
      const undo = await natsConnect(url, login);
      try {
        await (await jetstreamManager(undo)).streams.update(stream, config);
      } finally {
        await undo.close();
      }
    };
  } finally {
    await nc.close();
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
