import { PortcullisError } from '@portcullis/errors';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, nkeyAuthenticator, nkeys, type Authenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import type { BusNames } from './names.js';
import { inboxPrefix, type BusService } from './permissions.js';

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Stop taking new messages, flush what is pending, close. */
  close(): Promise<void>;
}

export interface BusOptions {
  readonly url: string;
  /** Connection name shown by the server, e.g. "ingress". */
  readonly name: string;
  /** How long to keep trying the first connection before giving up (ms). */
  readonly connectTimeoutMs?: number;
  /**
   * The service this connection acts for: its replies come back under the service's own inbox
   * prefix, the only one its NATS identity may subscribe to. Tests and tools leave it out.
   */
  readonly service?: BusService;
  /** The NATS identity to connect as; none connects anonymously (a server with authentication refuses). */
  readonly credentials?: BusCredentials;
}

/** A NATS identity: an nkey seed file (one line, `SU…`) or a `.creds` file (user JWT and seed). */
export type BusCredentials = { readonly nkeySeedFile: string } | { readonly credsFile: string };

/**
 * The identity named by NATS_NKEY_SEED_FILE or NATS_CREDS_FILE (at most one), or none. A file that
 * cannot be read or does not hold an identity stops the start with a message naming the variable;
 * the key itself is never printed.
 */
export function busCredentialsFromEnv(env: NodeJS.ProcessEnv): BusCredentials | undefined {
  const seed = env.NATS_NKEY_SEED_FILE || undefined;
  const creds = env.NATS_CREDS_FILE || undefined;
  if (seed && creds) throw new BusUnavailableError('set NATS_NKEY_SEED_FILE or NATS_CREDS_FILE, not both');
  if (seed) {
    authenticatorFor({ nkeySeedFile: seed });
    return { nkeySeedFile: seed };
  }
  if (creds) {
    authenticatorFor({ credsFile: creds });
    return { credsFile: creds };
  }
  return undefined;
}

function authenticatorFor(credentials: BusCredentials): Authenticator {
  if ('nkeySeedFile' in credentials) {
    const seed = readCredential('NATS_NKEY_SEED_FILE', credentials.nkeySeedFile).trim();
    try {
      nkeys.fromSeed(new TextEncoder().encode(seed));
    } catch {
      throw new BusUnavailableError(`NATS_NKEY_SEED_FILE ${credentials.nkeySeedFile} does not hold an nkey seed (one line, starting with SU)`);
    }
    return nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  const creds = readCredential('NATS_CREDS_FILE', credentials.credsFile);
  if (!creds.includes('-----BEGIN NATS USER JWT-----')) throw new BusUnavailableError(`NATS_CREDS_FILE ${credentials.credsFile} is not a NATS .creds file`);
  return credsAuthenticator(new TextEncoder().encode(creds));
}

function readCredential(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new BusUnavailableError(`${variable}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export class BusUnavailableError extends PortcullisError<'BUS_UNAVAILABLE'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUS_UNAVAILABLE', message, options);
  }
}

export async function connectBus(options: BusOptions): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.url,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: options.connectTimeoutMs ?? 5000,
      waitOnFirstConnect: false,
      // nats.js otherwise builds an Error per request/publish just to keep an async stack trace:
      // ~11 % of the gateway's CPU under load (profiled). Our code branches on error codes, not stacks.
      noAsyncTraces: true,
      ...(options.service ? { inboxPrefix: inboxPrefix(options.service) } : {}),
      ...(options.credentials ? { authenticator: authenticatorFor(options.credentials) } : {}),
    });
  } catch (err) {
    throw new BusUnavailableError(`cannot connect to NATS at ${redactUrl(options.url)}: ${(err as Error).message}`);
  }
  const jsm = await jetstreamManager(nc, { timeout: 5000 }).catch((err: Error) => {
    void nc.close();
    throw new BusUnavailableError(`NATS at ${redactUrl(options.url)} has no JetStream (start nats-server with -js): ${err.message}`);
  });
  return {
    nc,
    js: jetstream(nc, { timeout: 5000 }),
    jsm,
    close: async () => {
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/** The event stream's size limit when nobody says otherwise (PORTCULLIS_EVENTS_MAX_BYTES). */
export const DEFAULT_EVENTS_MAX_BYTES = 1024 ** 3;

export interface StreamLimits {
  /** Most bytes the event stream holds; past it JetStream refuses new events (discard new). */
  readonly eventsMaxBytes?: number;
}

/**
 * Declares the streams. Idempotent and safe to run from every service at start: creates what is
 * missing and leaves existing streams as they are, so an operator's settings (deploy/nats/*.json,
 * e.g. limits or replicas) are never overwritten by a service starting.
 *
 * The event stream never deletes an event on its own: no maximum age, and when it is full it
 * refuses new events (discard new) instead of dropping old ones. Only audit removes events, and
 * only those it has committed (its ack floor, see the audit trimmer), so an event that audit has
 * not recorded cannot vanish; a stream that fills up makes the gateway refuse (503), never
 * forward unrecorded. An existing event stream that would delete by age or discard old events is
 * refused with a message saying what to change: nothing starts on a bus that could lose events.
 */
export async function ensureStreams(jsm: JetStreamManager, names: BusNames, limits: StreamLimits = {}): Promise<void> {
  const streams: (Partial<StreamConfig> & { name: string })[] = [
    {
      name: names.eventsStream,
      subjects: [names.allEvents],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      max_age: 0,
      max_bytes: limits.eventsMaxBytes ?? DEFAULT_EVENTS_MAX_BYTES,
      duplicate_window: 2 * 60 * 1e9,
      // Single messages cannot be deleted through the API either; only audit's purge removes events.
      deny_delete: true,
    },
    {
      name: names.auditStream,
      subjects: [names.allAudit],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: 2 * 60 * 1e9,
    },
  ];
  const declared = new Map<string, StreamInfo>();
  for (const config of streams) {
    const existing = await jsm.streams.info(config.name).catch(() => undefined);
    if (!existing) {
      const created = await jsm.streams.add(config).catch(async (err: Error) => {
        // Another service created it in the meantime.
        const raced = await jsm.streams.info(config.name).catch(() => undefined);
        if (!raced) throw err;
        return raced;
      });
      declared.set(config.name, created);
    } else if (!existing.config.subjects.includes(config.subjects![0]!)) {
      throw new Error(`stream ${config.name} exists but does not capture ${config.subjects![0]}: fix its subjects (see deploy/nats)`);
    } else {
      declared.set(config.name, existing);
    }
  }
  const events = declared.get(names.eventsStream)!;
  const c = events.config as StreamConfig & { allow_msg_ttl?: boolean; subject_transform?: unknown };
  // Whoever created it (any service may, when it is missing): nothing that loses, drops or copies out events.
  const losing = [
    ...(c.discard !== DiscardPolicy.New ? [`discard is "${c.discard}" (must be "new")`] : []),
    ...(c.max_age ? [`max_age is ${c.max_age / 1e9} s (must be 0)`] : []),
    ...(c.retention !== RetentionPolicy.Limits ? [`retention is "${c.retention}" (must be "limits")`] : []),
    ...(c.subjects.length !== 1 || c.subjects[0] !== names.allEvents ? [`subjects are ${c.subjects.join(', ')} (must be only ${names.allEvents})`] : []),
    ...(c.max_msgs_per_subject > 0 ? [`max_msgs_per_subject is ${c.max_msgs_per_subject} (must be unlimited)`] : []),
    ...(c.allow_rollup_hdrs ? ['allow_rollup_hdrs is on (a rollup message would wipe the stream)'] : []),
    ...(c.republish ? ['republish is set (it copies every event elsewhere)'] : []),
    ...(c.allow_msg_ttl ? ['allow_msg_ttl is on (messages could expire unrecorded)'] : []),
    ...(c.subject_transform ? ['a subject transform is set'] : []),
    ...(c.sealed ? ['it is sealed'] : []),
  ];
  if (losing.length > 0) {
    throw new Error(`stream ${names.eventsStream} could delete events audit has not recorded: ${losing.join('; ')}. Change it (nats stream edit ${names.eventsStream} --discard new --max-age 0) or delete it to have it created as docs/architecture.md ("Nothing lost on the bus") describes`);
  }
}

/** A NATS URL may carry user:password; never print it. */
export function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
