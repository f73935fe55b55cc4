import { PortcullisError, errorCode } from '@portcullis/errors';
import type { McpUpstreamCredential } from '../config.js';

/** The client credentials grant of an MCP upstream, secret resolved. */
export type ClientCredentials = Omit<Extract<McpUpstreamCredential, { kind: 'clientCredentials' }>, 'kind'>;

const CODES = ['TOKEN_ENDPOINT_UNREACHABLE', 'TOKEN_ENDPOINT_TIMEOUT', 'TOKEN_REQUEST_REFUSED', 'TOKEN_RESPONSE_INVALID', 'TOKEN_REQUEST_CANCELLED'] as const;

/**
 * Why no token: the endpoint could not be reached, or did not answer in time; it answered with an
 * error status (REFUSED) or with something other than a Bearer token response (INVALID); or the
 * caller gave up waiting (CANCELLED). Messages name the token URL and the HTTP status, never the
 * client secret, a token or the IdP's free text.
 */
export type TokenSourceErrorCode = (typeof CODES)[number];

export class TokenSourceError extends PortcullisError<TokenSourceErrorCode> {}

export interface TokenSourceOptions {
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
  readonly fetch?: typeof globalThis.fetch;
  /** One token request, from sending it to its parsed answer (default 10 s). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A token is renewed this long before it expires: 10 % of its lifetime, at most 30 s. */
const MAX_MARGIN_MS = 30_000;
/** When the response has no expires_in (RFC 6749 only recommends it). */
const DEFAULT_LIFETIME_MS = 60_000;
/** After a failure, no new request for 1 s, doubling with each further failure up to 30 s. */
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
/** RFC 6749 §5.2 and RFC 8707 error codes: only these are quoted from an error response. */
const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_target', 'server_error', 'temporarily_unavailable']);

/**
 * The access token the gateway presents to an MCP upstream, obtained with the OAuth 2.1 client
 * credentials grant (client_secret_basic). One token is shared by every caller: it is reused until
 * shortly before it expires, concurrent callers wait for the same request, and after a failed
 * request callers get that failure without a new request until a short backoff has passed. A token
 * past its renewal time is never handed out, even while the IdP is failing.
 */
export class ClientCredentialsTokenSource {
  private readonly now: () => number;
  private readonly fetch: typeof globalThis.fetch;
  private readonly timeoutMs: number;
  /** The token URL without query or user info, for messages. */
  private readonly endpoint: string;
  private cached: { readonly value: string; readonly renewAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private failure: { readonly error: TokenSourceError; readonly count: number; readonly retryAt: number } | undefined;

  constructor(
    private readonly credentials: ClientCredentials,
    options: TokenSourceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const url = new URL(credentials.tokenUrl);
    this.endpoint = `${url.origin}${url.pathname}`;
  }

  /** A valid access token; `signal` abandons this caller's wait, not the request others share. */
  async token(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw cancelled(signal);
    const now = this.now();
    if (this.cached && now < this.cached.renewAt) return this.cached.value;
    if (!this.pending) {
      const failure = this.failure;
      if (failure && now < failure.retryAt) {
        throw new TokenSourceError(failure.error.code, `${failure.error.message}; next attempt in ${Math.ceil((failure.retryAt - now) / 1000)} s`, { cause: failure.error });
      }
      this.pending = this.refresh(now);
    }
    return abortable(this.pending, signal);
  }

  /** Drops the cached token (the upstream refused it); with `token`, only if that is still the cached one. */
  invalidate(token?: string): void {
    if (token === undefined || this.cached?.value === token) this.cached = undefined;
  }

  private refresh(started: number): Promise<string> {
    const attempt = this.request()
      .then(
        ({ value, lifetimeMs }) => {
          // Counted from before the request: the token was issued no earlier than that.
          this.cached = { value, renewAt: started + lifetimeMs - Math.min(MAX_MARGIN_MS, lifetimeMs / 10) };
          this.failure = undefined;
          return value;
        },
        (error: TokenSourceError) => {
          const count = (this.failure?.count ?? 0) + 1;
          this.failure = { error, count, retryAt: this.now() + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (count - 1)) };
          throw error;
        },
      )
      .finally(() => {
        this.pending = undefined;
      });
    // Every waiting caller may have given up; the outcome is still recorded above.
    attempt.catch(() => undefined);
    return attempt;
  }

  private async request(): Promise<{ value: string; lifetimeMs: number }> {
    const { clientId, clientSecret, scope, resource } = this.credentials;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    if (resource) body.set('resource', resource);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
    const exchange = async (): Promise<{ status: number; text: string }> => {
      const res = await this.fetch(this.credentials.tokenUrl, {
        method: 'POST',
        headers: {
          // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined.
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
        // A redirect would carry the credentials somewhere else.
        redirect: 'manual',
        signal: timeout.signal,
      });
      return { status: res.status, text: await res.text() };
    };
    let answer: { status: number; text: string };
    try {
      // The race also covers a fetch that does not honour its signal.
      answer = await Promise.race([exchange(), whenAborted(timeout.signal)]);
    } catch (err) {
      if (timeout.signal.aborted) throw new TokenSourceError('TOKEN_ENDPOINT_TIMEOUT', `token request to ${this.endpoint} timed out after ${this.timeoutMs} ms`);
      const code = errorCode((err as { cause?: unknown }).cause) ?? errorCode(err);
      throw new TokenSourceError('TOKEN_ENDPOINT_UNREACHABLE', `token request to ${this.endpoint} failed${code ? ` (${code})` : ''}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    return this.parse(answer.status, answer.text);
  }

  private parse(status: number, text: string): { value: string; lifetimeMs: number } {
    const json = parseObject(text);
    if (status !== 200) {
      const error = typeof json?.error === 'string' && OAUTH_ERRORS.has(json.error) ? ` (${json.error})` : '';
      throw new TokenSourceError('TOKEN_REQUEST_REFUSED', `token endpoint ${this.endpoint} answered HTTP ${status}${error}`);
    }
    const invalid = (what: string) => new TokenSourceError('TOKEN_RESPONSE_INVALID', `token endpoint ${this.endpoint} answered HTTP ${status} with ${what}`);
    if (!json) throw invalid('something other than a JSON token response');
    const { access_token: value, token_type: type, expires_in: expiresIn } = json;
    // Visible ASCII only: anything else could not go into an Authorization header intact.
    if (typeof value !== 'string' || !/^[\x21-\x7e]+$/.test(value)) throw invalid('no usable access_token');
    if (typeof type !== 'string' || type.toLowerCase() !== 'bearer') throw invalid('a token_type other than Bearer');
    if (expiresIn === undefined) return { value, lifetimeMs: DEFAULT_LIFETIME_MS };
    const seconds = typeof expiresIn === 'string' && /^\d+$/.test(expiresIn) ? Number(expiresIn) : expiresIn;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) throw invalid('an expires_in that is not a positive number');
    return { value, lifetimeMs: seconds * 1000 };
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function cancelled(signal: AbortSignal): TokenSourceError {
  return new TokenSourceError('TOKEN_REQUEST_CANCELLED', 'gave up waiting for an upstream access token', { cause: signal.reason });
}

/** `promise`, or a cancellation as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
