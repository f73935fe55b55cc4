import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { JsonObject } from './jsonrpc.js';
import type { UpstreamInfo } from './upstream.js';

/** What a 2025-11-25 gateway session is: all of it travels in its id, sealed, so that any instance can continue it. */
export interface SessionState {
  /** The gateway's session id in events (a UUID), not the sealed id. */
  readonly id: string;
  /** Whose session it is: every request must come from the same principal. */
  readonly issuer: string;
  readonly subject: string;
  /** The revision negotiated with the caller, its client info and capabilities (told to upstreams). */
  readonly protocolVersion: string;
  readonly clientInfo: JsonObject;
  readonly capabilities: JsonObject;
  /** The endpoint: one connection, or undefined for /mcp. */
  readonly connection: string | undefined;
  /** Upstream HTTP sessions opened at initialize, by connection. */
  readonly upstreams: Readonly<Record<string, { readonly sessionId?: string; readonly info: UpstreamInfo }>>;
  /** Wall-clock ms after which the session is over. */
  readonly expiresAt: number;
}

const VERSION = 1;
const MAX_SEALED = 8192;

/**
 * Seals session state with AES-256-GCM under a key every ingress instance shares: the id is
 * opaque to the caller, cannot be forged or altered, and names the session's principal, so a
 * stolen id is useless without that principal's token.
 */
export class SessionSeal {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the session key must be 32 bytes');
  }

  seal(state: SessionState): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from([VERSION]));
    const plain = deflateRawSync(Buffer.from(JSON.stringify(state)));
    const sealed = Buffer.concat([Buffer.from([VERSION]), iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64url');
    if (sealed.length > MAX_SEALED) throw new Error('the session state is too large to seal');
    return sealed;
  }

  /** The state in a sealed id, or undefined for anything not sealed by this key (or malformed). */
  open(sealed: string): SessionState | undefined {
    if (sealed.length > MAX_SEALED || !/^[A-Za-z0-9_-]+$/.test(sealed)) return undefined;
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < 1 + 12 + 16 + 1 || bytes[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(1, 13));
      decipher.setAAD(Buffer.from([VERSION]));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      const plain = Buffer.concat([decipher.update(bytes.subarray(13, bytes.length - 16)), decipher.final()]);
      const state = JSON.parse(inflateRawSync(plain, { maxOutputLength: 64 * 1024 }).toString('utf8')) as SessionState;
      return typeof state.id === 'string' && typeof state.subject === 'string' && typeof state.expiresAt === 'number' ? state : undefined;
    } catch {
      return undefined;
    }
  }
}
