import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  authenticationCleartextPassword,
  decodeFrontend,
  decodeStartup,
  errorResponse,
  MessageReader,
  negotiateProtocolVersion,
  sslResponse,
} from '@portcullis/pg-wire';
import { frameSource } from './frame-source.js';

/** What a client's startup came to. */
export type Negotiated =
  | { readonly kind: 'login'; readonly socket: Socket; readonly reader: MessageReader; readonly tls: boolean; readonly user: string; readonly database: string; readonly parameters: Readonly<Record<string, string>>; readonly password: string }
  | { readonly kind: 'cancel'; readonly processId: number; readonly secretKey: Buffer }
  /** Refused (the client was told, the socket is closing) or gone. */
  | { readonly kind: 'ended' };

export interface StartupOptions {
  readonly tls: { readonly cert: Buffer; readonly key: Buffer; readonly required: boolean } | undefined;
  readonly maxMessageBytes: number;
  readonly timeoutMs: number;
}

/** PostgreSQL's own bound on a startup packet. */
const MAX_STARTUP_BYTES = 10_000;
/** A password message carries a token (a JWT, a SAML assertion): generous, but bounded. */
const MAX_PASSWORD_BYTES = 256 * 1024;

/**
 * Startup parameters passed on to the database. Everything else is refused: `options` and
 * arbitrary settings could change how the database reads SQL (standard_conforming_strings) or
 * whose data it shows; `replication` would open a replication stream no statement decides.
 * client_encoding is accepted and overridden: the gateway always speaks UTF-8 to the database.
 */
const PASSED_ON = new Map([
  ['application_name', 'application_name'],
  ['datestyle', 'DateStyle'],
  ['timezone', 'TimeZone'],
  ['intervalstyle', 'IntervalStyle'],
  ['extra_float_digits', 'extra_float_digits'],
]);
const IGNORED = new Set(['user', 'database', 'client_encoding']);

/**
 * The startup phase of one client connection: TLS negotiation (SSLRequest, and GSSENCRequest
 * answered no), a CancelRequest, or a StartupMessage followed by a cleartext password request —
 * the password is the caller's token, so it is asked for only over TLS or on a listener that the
 * operator left plain on loopback. Every refusal is a FATAL ErrorResponse with SQLSTATE.
 */
export async function negotiate(socket: Socket, options: StartupOptions): Promise<Negotiated> {
  let current: Socket = socket;
  let reader = new MessageReader({ maxMessageBytes: MAX_STARTUP_BYTES, startup: true });
  let frames = frameSource(current, reader);
  const timer = setTimeout(() => current.destroy(), options.timeoutMs);
  const refuse = (code: string, message: string): Negotiated => {
    if (!current.destroyed) current.end(errorResponse({ severity: 'FATAL', code, message }));
    return { kind: 'ended' };
  };
  try {
    let tls = false;
    for (;;) {
      const frame = await frames.next();
      if (!frame) return { kind: 'ended' };
      const startup = decodeStartup(frame);
      if (startup.kind === 'gssenc') {
        current.write(sslResponse(false));
        reader.expectUntyped();
        continue;
      }
      if (startup.kind === 'ssl') {
        if (tls) return refuse('08P01', 'SSLRequest inside TLS');
        if (!options.tls) {
          current.write(sslResponse(false));
          reader.expectUntyped();
          continue;
        }
        // Bytes sent after SSLRequest but before the handshake would be read as if encrypted (CVE-2021-23214).
        if (reader.buffered > 0) return refuse('08P01', 'data received before the TLS handshake');
        current.write(sslResponse(true));
        frames.detach();
        current = await upgrade(current, options.tls);
        tls = true;
        reader = new MessageReader({ maxMessageBytes: MAX_STARTUP_BYTES, startup: true });
        frames = frameSource(current, reader);
        continue;
      }
      if (startup.kind === 'cancel') {
        current.destroy();
        return { kind: 'cancel', processId: startup.processId, secretKey: startup.secretKey };
      }
      if (startup.major !== 3) return refuse('0A000', `unsupported frontend protocol ${startup.major}.${startup.minor}: the gateway speaks 3.0`);
      if (options.tls?.required && !tls) return refuse('28000', 'the gateway requires TLS: connect with sslmode=require (or verify-full)');
      const parameters = startup.parameters;
      const extensions = [...parameters.keys()].filter((name) => name.startsWith('_pq_.'));
      if (startup.minor > 0 || extensions.length > 0) current.write(negotiateProtocolVersion(0, extensions));
      const user = parameters.get('user');
      if (!user) return refuse('28000', 'no PostgreSQL user name specified in startup packet');
      const database = parameters.get('database') ?? user;
      const passed: Record<string, string> = {};
      for (const [name, value] of parameters) {
        if (name.startsWith('_pq_.') || IGNORED.has(name)) continue;
        if (name === 'replication') {
          if (/^(false|off|no|0)$/i.test(value)) continue;
          return refuse('0A000', 'replication connections are not available through the gateway');
        }
        const canonical = PASSED_ON.get(name.toLowerCase());
        if (!canonical) return refuse('42704', `startup parameter "${name}" is not accepted through the gateway (it accepts ${[...PASSED_ON.values()].join(', ')})`);
        passed[canonical] = value;
      }
      current.write(authenticationCleartextPassword());
      reader.setMaxMessageBytes(MAX_PASSWORD_BYTES);
      const reply = await frames.next();
      if (!reply) return { kind: 'ended' };
      const message = decodeFrontend(reply);
      if (message.type !== 'Password') return refuse('08P01', `expected a password message, got ${message.type}`);
      const password = passwordText(message.data);
      if (password === undefined) return refuse('28P01', 'the password must be a token in UTF-8, without NUL characters');
      frames.detach();
      reader.setMaxMessageBytes(options.maxMessageBytes);
      return { kind: 'login', socket: current, reader, tls, user, database, parameters: passed, password };
    }
  } catch (err) {
    return refuse('08P01', `invalid startup: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The password message's text: one NUL-terminated UTF-8 string. */
function passwordText(data: Buffer): string | undefined {
  if (data.length === 0 || data[data.length - 1] !== 0) return undefined;
  const body = data.subarray(0, -1);
  if (body.includes(0)) return undefined;
  const text = body.toString('utf8');
  return Buffer.byteLength(text) === body.length && !text.includes('\ufffd') ? text : undefined;
}

function upgrade(socket: Socket, tls: { cert: Buffer; key: Buffer }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const secure = new TLSSocket(socket, { isServer: true, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
    secure.on('error', () => undefined); // every later reader handles errors as close; never an unhandled 'error'
    secure.once('secure', () => {
      secure.off('error', reject);
      resolve(secure);
    });
    secure.once('error', reject);
  });
}
