import { createRemoteJWKSet, type RemoteJWKSet } from 'jose';
import type { OidcIssuerConfig } from '@portcullis/config';
import type { Logger } from '@portcullis/service-kit';
import type { KeyResolver } from '../domain/index.js';

export interface OidcKeyResolverOptions {
  /** Bound on the discovery request (ms). */
  readonly discoveryTimeoutMs?: number;
  /** Bound on each JWKS request (ms). */
  readonly jwksTimeoutMs?: number;
  /**
   * After a JWKS fetch, a token with an unknown kid waits this long (ms) before it may trigger a
   * refetch. Short enough that an IdP restart with new keys is picked up quickly, long enough that
   * forged kids cannot turn the gateway into a JWKS request amplifier.
   */
  readonly jwksCooldownMs?: number;
  /** A failed discovery is retried by the first token after this long (ms); until then it fails fast. */
  readonly retryAfterMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

interface Discovery {
  readonly keys: Promise<RemoteJWKSet>;
  failedAt?: number;
}

/**
 * Finds each issuer's keys through OpenID Connect discovery, lazily (on the first token of that
 * issuer) and once: `${issuer}/.well-known/openid-configuration` must name exactly the configured
 * issuer, and its `jwks_uri` becomes a jose remote JWKS, which refetches on an unknown kid (key
 * rotation, IdP restart). Concurrent first tokens share one discovery. A failed discovery is not
 * kept: after `retryAfterMs` the next token tries again.
 */
export class OidcKeyResolver implements KeyResolver {
  private readonly discoveries = new Map<string, Discovery>();
  private readonly discoveryTimeoutMs: number;
  private readonly jwksTimeoutMs: number;
  private readonly jwksCooldownMs: number;
  private readonly retryAfterMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(
    private readonly logger: Logger,
    options: OidcKeyResolverOptions = {},
  ) {
    this.discoveryTimeoutMs = options.discoveryTimeoutMs ?? 3000;
    this.jwksTimeoutMs = options.jwksTimeoutMs ?? 3000;
    this.jwksCooldownMs = options.jwksCooldownMs ?? 5000;
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
  }

  keysFor(issuer: OidcIssuerConfig): Promise<RemoteJWKSet> {
    const known = this.discoveries.get(issuer.issuer);
    if (known && (known.failedAt === undefined || this.now() - known.failedAt < this.retryAfterMs)) return known.keys;
    const discovery: Discovery = { keys: issuer.jwksUri === undefined ? this.discover(issuer) : Promise.resolve(this.remoteKeys(issuer, new URL(issuer.jwksUri))) };
    discovery.keys.catch(() => {
      discovery.failedAt = this.now();
    });
    this.discoveries.set(issuer.issuer, discovery);
    return discovery.keys;
  }

  /** Discovers the issuer and loads its keys now, so the first token does not pay for it. */
  async warm(issuer: OidcIssuerConfig): Promise<void> {
    try {
      const keys = await this.keysFor(issuer);
      await keys.reload();
    } catch (err) {
      // A failed warm-up (the IdP starting after us) must not make the first real token wait out
      // the retry backoff: forget it, so that token tries discovery afresh.
      this.discoveries.delete(issuer.issuer);
      throw err;
    }
  }

  private async discover(config: OidcIssuerConfig): Promise<RemoteJWKSet> {
    const issuer = config.issuer;
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const document = await this.fetchDiscoveryDocument(url);
    if (document.issuer !== issuer) {
      throw new Error(`discovery document at ${url} names issuer ${JSON.stringify(document.issuer)}, not the configured "${issuer}"`);
    }
    const jwksUri = parseJwksUri(document.jwks_uri, issuer, url);
    this.logger.info({ issuer, jwksUri: jwksUri.href }, 'issuer discovered');
    return this.remoteKeys(config, jwksUri);
  }

  /**
   * The issuer's key set: fetched on first use, again after `jwksRefresh` (a schedule, so a key the
   * IdP withdrew stops verifying), and on an unknown kid at most once per cooldown (rotation without
   * restarts, but forged kids cannot make the gateway hammer the IdP). A failed refetch fails the
   * token closed (IDP_UNAVAILABLE); it never falls back to unverified.
   */
  private remoteKeys(issuer: OidcIssuerConfig, jwksUri: URL): RemoteJWKSet {
    return createRemoteJWKSet(jwksUri, { timeoutDuration: this.jwksTimeoutMs, cooldownDuration: this.jwksCooldownMs, cacheMaxAge: Math.max(issuer.jwksRefresh, this.jwksCooldownMs) });
  }

  private async fetchDiscoveryDocument(url: string): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      // No redirects: the document must live where the issuer says (OIDC Discovery §4).
      response = await this.fetch(url, { signal: AbortSignal.timeout(this.discoveryTimeoutMs), redirect: 'manual', headers: { accept: 'application/json' } });
    } catch (err) {
      throw new Error(`discovery request to ${url} failed: ${reasonOf(err, this.discoveryTimeoutMs)}`);
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`discovery request to ${url} answered HTTP ${response.status}`);
    }
    let document: unknown;
    try {
      document = await response.json();
    } catch (err) {
      throw new Error(`discovery document at ${url} could not be read as JSON: ${reasonOf(err, this.discoveryTimeoutMs)}`);
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new Error(`discovery document at ${url} is not a JSON object`);
    return document as Record<string, unknown>;
  }
}

/** The JWKS location: an absolute http(s) URL, and https whenever the issuer itself is https. */
function parseJwksUri(value: unknown, issuer: string, source: string): URL {
  if (typeof value !== 'string') throw new Error(`discovery document at ${source} has no jwks_uri`);
  let uri: URL;
  try {
    uri = new URL(value);
  } catch {
    throw new Error(`discovery document at ${source} has an invalid jwks_uri`);
  }
  const allowed = new URL(issuer).protocol === 'https:' ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(uri.protocol)) throw new Error(`discovery document at ${source} has a jwks_uri that does not use ${allowed.join(' or ')}`);
  return uri;
}

function reasonOf(err: unknown, timeoutMs: number): string {
  return (err as { name?: unknown }).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : describeError(err);
}

/** An error's message and, for fetch failures, the underlying cause (e.g. "fetch failed: ECONNREFUSED"). */
export function describeError(err: unknown): string {
  const { message, cause } = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const own = typeof message === 'string' ? message : String(err);
  const why = cause?.code ?? cause?.message;
  return typeof why === 'string' ? `${own}: ${why}` : own;
}
