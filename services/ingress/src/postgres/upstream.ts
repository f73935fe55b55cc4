import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import {
  decodeBackend,
  MessageReader,
  md5PasswordMessage,
  passwordMessage,
  saslInitialResponse,
  saslResponse,
  ScramSha256Client,
  sslRequest,
  startupMessage,
} from '@portcullis/pg-wire';
import { frameSource, type FrameSource } from './frame-source.js';
import type { PostgresConnection } from '../config.js';

/** A logged-in connection to the database behind a gateway connection. */
export interface UpstreamLogin {
  readonly socket: Socket | TLSSocket;
  readonly reader: MessageReader;
  /** ParameterStatus the database reported at login, in order. */
  readonly parameters: ReadonlyMap<string, string>;
  /** The database's key for cancelling what this connection runs. */
  readonly processId: number;
  readonly secretKey: Buffer;
}

export type UpstreamOutcome = { readonly ok: true; readonly login: UpstreamLogin } | { readonly ok: false; readonly message: string; readonly detail: string };

export interface UpstreamTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export function upstreamTarget(connection: PostgresConnection): UpstreamTarget {
  const url = new URL(connection.config.upstream);
  return { host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), database: decodeURIComponent(url.pathname.slice(1)) };
}

/** Response messages from the database are bounded too: a huge one means something is wrong. */
const MAX_UPSTREAM_MESSAGE = 1 << 30;

/**
 * Opens a TCP (and, if configured, TLS) connection to the database and logs in with the gateway's
 * own credential: SCRAM-SHA-256, MD5 or cleartext (the last only over TLS or loopback), whatever
 * the server asks. The caller's startup parameters that are safe to pass go along; the gateway pins
 * what SQL analysis relies on (UTF-8, standard_conforming_strings). Resolves once the server is
 * ready for queries; never leaves a socket open on failure.
 */
export async function loginUpstream(connection: PostgresConnection, parameters: Readonly<Record<string, string>>, signal: AbortSignal): Promise<UpstreamOutcome> {
  const target = upstreamTarget(connection);
  const timeoutMs = connection.config.connectTimeout;
  let socket: Socket | TLSSocket | undefined;
  const timer = setTimeout(() => socket?.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const abort = () => socket?.destroy(new Error('the caller went away'));
  signal.addEventListener('abort', abort);
  try {
    socket = await openSocket(connection, target);
    socket.on('error', () => undefined); // the session watches 'close'; an 'error' must never go unhandled
    const reader = new MessageReader({ maxMessageBytes: MAX_UPSTREAM_MESSAGE });
    const frames = frameSource(socket, reader);
    socket.write(startupMessage({ user: target.user, database: target.database, ...parameters, client_encoding: 'UTF8', standard_conforming_strings: 'on' }));
    const login = await authenticate(connection, target, socket, frames);
    frames.detach();
    clearTimeout(timer);
    return { ok: true, login: { socket, reader, ...login } };
  } catch (err) {
    socket?.destroy();
    return { ok: false, message: `the gateway could not log in to the database of connection "${connection.config.name}"`, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}

async function openSocket(connection: PostgresConnection, target: UpstreamTarget): Promise<Socket | TLSSocket> {
  const tcp = await new Promise<Socket>((resolve, reject) => {
    const s = connectTcp({ host: target.host, port: target.port, noDelay: true });
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  const mode = connection.config.tls.mode;
  if (mode === 'disable') return tcp;
  tcp.write(sslRequest());
  const answer = await new Promise<number>((resolve, reject) => {
    tcp.once('data', (chunk: Buffer) => (chunk.length === 1 ? resolve(chunk[0]!) : reject(new Error('the database sent more than the one-byte answer to SSLRequest'))));
    tcp.once('error', reject);
    tcp.once('close', () => reject(new Error('the database closed the connection during TLS negotiation')));
  });
  if (answer !== 0x53) {
    tcp.destroy();
    throw new Error('the database does not accept TLS, and the connection requires it');
  }
  return new Promise<TLSSocket>((resolve, reject) => {
    const tls = connectTls({
      socket: tcp,
      servername: target.host,
      ...(connection.ca ? { ca: connection.ca } : {}),
      rejectUnauthorized: mode === 'verify-full',
    });
    tls.once('secureConnect', () => {
      tls.off('error', reject);
      resolve(tls);
    });
    tls.once('error', reject);
  });
}

async function authenticate(connection: PostgresConnection, target: UpstreamTarget, socket: Socket, frames: FrameSource): Promise<Omit<UpstreamLogin, 'socket' | 'reader'>> {
  const parameters = new Map<string, string>();
  let processId = 0;
  let secretKey: Buffer = Buffer.alloc(0);
  let scram: ScramSha256Client | undefined;
  const password = () => {
    if (connection.password === undefined) throw new Error('the database asks for a password and the connection has no credential');
    return connection.password;
  };
  for (;;) {
    const frame = await frames.next();
    if (!frame) throw new Error('the database closed the connection');
    const message = decodeBackend(frame);
    switch (message.type) {
      case 'Authentication':
        switch (message.kind) {
          case 'ok':
            break;
          case 'cleartextPassword':
            // Without a verified certificate a man in the middle would read (or, MD5, replay) it.
            if (connection.config.tls.mode !== 'verify-full' && !isLoopback(target.host)) throw new Error('the database asks for a cleartext password, which the gateway sends only over verify-full TLS or loopback');
            socket.write(passwordMessage(password()));
            break;
          case 'md5Password':
            if (connection.config.tls.mode !== 'verify-full' && !isLoopback(target.host)) throw new Error('the database asks for an MD5 password, which the gateway sends only over verify-full TLS or loopback');
            socket.write(passwordMessage(md5PasswordMessage(target.user, password(), message.salt)));
            break;
          case 'sasl':
            if (!message.mechanisms.includes('SCRAM-SHA-256')) throw new Error(`the database offers no SASL mechanism the gateway speaks (${message.mechanisms.join(', ')})`);
            scram = new ScramSha256Client(password());
            socket.write(saslInitialResponse('SCRAM-SHA-256', scram.clientFirstMessage()));
            break;
          case 'saslContinue':
            if (!scram) throw new Error('SASLContinue without SASL');
            socket.write(saslResponse(scram.handleServerFirst(message.data)));
            break;
          case 'saslFinal':
            if (!scram) throw new Error('SASLFinal without SASL');
            scram.verifyServerFinal(message.data);
            break;
          default:
            throw new Error(`the database asks for an authentication method the gateway does not speak (${message.method})`);
        }
        break;
      case 'ParameterStatus':
        parameters.set(message.name, message.value);
        break;
      case 'BackendKeyData':
        processId = message.processId;
        secretKey = message.secretKey;
        break;
      case 'NoticeResponse':
      case 'NegotiateProtocolVersion':
        break;
      case 'ErrorResponse':
        throw new Error(`the database refused the login: ${message.fields.get('C') ?? ''} ${message.fields.get('M') ?? ''}`.trim());
      case 'ReadyForQuery':
        return { parameters, processId, secretKey };
      default:
        throw new Error(`unexpected ${message.type} during login`);
    }
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

/** Asks the database to cancel what the connection with this key runs now (a separate connection). */
export function cancelUpstream(connection: PostgresConnection, message: Buffer): void {
  const target = upstreamTarget(connection);
  const s = connectTcp({ host: target.host, port: target.port });
  s.setTimeout(connection.config.connectTimeout, () => s.destroy());
  s.once('connect', () => s.end(message));
  s.on('error', () => undefined); // best effort, as in PostgreSQL: the cancel may or may not arrive
}
