import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { malformed, unexpected } from './pg-wire-error.js';
import { saslprep } from './saslprep.js';

/** The SASL mechanism name to send in SASLInitialResponse. */
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

/** PBKDF2 rounds a server may ask for: enough for any real verifier (PostgreSQL's default is 4096), bounded CPU for a hostile one. */
export const MAX_SCRAM_ITERATIONS = 10_000_000;

/** gs2 header 'n,,': no channel binding, no authorization identity; base64 of it is the c= attribute. */
const GS2_HEADER = 'n,,';
const CHANNEL_BINDING = Buffer.from(GS2_HEADER).toString('base64');
const PRINTABLE = /^[\x21-\x7e]+$/;
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ITERATIONS = /^[1-9][0-9]{0,7}$/;
const ERROR_VALUE = /^[a-z0-9-]{1,64}$/;

type State = 'start' | 'first-sent' | 'final-sent' | 'done' | 'failed';

/**
 * The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: no channel binding
 * ('n,,'), an empty user name in the client-first message (the server uses the startup user), and
 * the password SASLprep'd as PostgreSQL does. One instance per authentication exchange:
 * clientFirstMessage → handleServerFirst → verifyServerFinal, each at most once and in order.
 */
export class ScramSha256Client {
  private state: State = 'start';
  private readonly password: string;
  private readonly nonce: string;
  private readonly clientFirstBare: string;
  private serverSignature: Buffer | undefined;

  /**
   * @param nonce our nonce; random unless a test fixes it.
   * @param user the user name for the client-first message; PostgreSQL ignores it and libpq sends
   *   it empty, so leave it empty except to check the RFC 7677 test vector.
   */
  constructor(password: string, nonce?: string, user = '') {
    if (typeof password !== 'string' || password.includes('\0')) unexpected('SCRAM: the password must be a string without NUL');
    if (/\p{Cs}/u.test(password)) unexpected('SCRAM: the password contains an unpaired surrogate');
    if (nonce !== undefined && !NONCE.test(nonce)) unexpected('SCRAM: the nonce must be printable ASCII without a comma');
    this.password = password;
    this.nonce = nonce ?? randomBytes(18).toString('base64');
    this.clientFirstBare = `n=${saslName(user)},r=${this.nonce}`;
  }

  /** The SASLInitialResponse data: gs2 header then client-first-message-bare. */
  clientFirstMessage(): Buffer {
    this.advance('start', 'first-sent');
    return Buffer.from(GS2_HEADER + this.clientFirstBare, 'utf8');
  }

  /** Checks the server-first message (AuthenticationSASLContinue data) and returns the client-final message for a SASLResponse. */
  handleServerFirst(data: Buffer): Buffer {
    this.advance('first-sent', 'final-sent');
    try {
      const serverFirst = asciiMessage(data, 'server-first-message');
      const [nonce, salt, iterations] = attributes(serverFirst, ['r', 's', 'i'], 'server-first-message');
      if (!NONCE.test(nonce)) malformed('SCRAM server-first-message: the nonce is not printable');
      if (nonce.length <= this.nonce.length || !nonce.startsWith(this.nonce)) unexpected('SCRAM: the server nonce does not extend ours');
      if (!BASE64.test(salt) || salt.length === 0) malformed('SCRAM server-first-message: the salt is not base64');
      if (!ITERATIONS.test(iterations) || Number(iterations) > MAX_SCRAM_ITERATIONS) {
        unexpected(`SCRAM: the iteration count must be an integer in 1..${MAX_SCRAM_ITERATIONS}`);
      }
      const saltedPassword = pbkdf2Sync(Buffer.from(saslprep(this.password), 'utf8'), Buffer.from(salt, 'base64'), Number(iterations), 32, 'sha256');
      const clientFinalWithoutProof = `c=${CHANNEL_BINDING},r=${nonce}`;
      const authMessage = `${this.clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
      const clientKey = hmac(saltedPassword, 'Client Key');
      const storedKey = createHash('sha256').update(clientKey).digest();
      const clientSignature = hmac(storedKey, authMessage);
      const proof = Buffer.alloc(clientKey.length);
      for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
      this.serverSignature = hmac(hmac(saltedPassword, 'Server Key'), authMessage);
      return Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8');
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  /** Checks the server-final message (AuthenticationSASLFinal data): the server proves it knew the verifier. */
  verifyServerFinal(data: Buffer): void {
    this.advance('final-sent', 'failed');
    const serverFinal = asciiMessage(data, 'server-final-message');
    if (serverFinal.startsWith('e=')) {
      const value = serverFinal.slice(2);
      unexpected(`SCRAM: the server refused the exchange (${ERROR_VALUE.test(value) ? value : 'unspecified error'})`);
    }
    const [verifier] = attributes(serverFinal, ['v'], 'server-final-message');
    if (!BASE64.test(verifier)) malformed('SCRAM server-final-message: the verifier is not base64');
    const received = Buffer.from(verifier, 'base64');
    const expected = this.serverSignature!;
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) unexpected('SCRAM: the server signature does not match');
    this.state = 'done';
  }

  private advance(from: State, to: State): void {
    if (this.state !== from) unexpected(`SCRAM: step out of order (state ${this.state})`);
    this.state = to;
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function asciiMessage(data: Buffer, what: string): string {
  if (!Buffer.isBuffer(data)) unexpected(`SCRAM ${what}: not a Buffer`);
  const text = data.toString('latin1');
  if (!PRINTABLE.test(text)) malformed(`SCRAM ${what}: not printable ASCII`);
  return text;
}

/** Exactly the named attributes, in order, and nothing else (no extensions; 'm=' is refused as RFC 5802 asks). */
function attributes<const N extends readonly string[]>(message: string, names: N, what: string): { [K in keyof N]: string } {
  const parts = message.split(',');
  if (parts.length !== names.length) malformed(`SCRAM ${what}: expected attributes ${names.join(',')}`);
  return parts.map((part, i) => {
    if (part[0] !== names[i] || part[1] !== '=') malformed(`SCRAM ${what}: expected attribute ${names[i]} at position ${i + 1}`);
    return part.slice(2);
  }) as { [K in keyof N]: string };
}

/** RFC 5802 saslname: ',' and '=' escaped. */
function saslName(user: string): string {
  return user.replaceAll('=', '=3D').replaceAll(',', '=2C');
}
