import { createHash } from 'node:crypto';
import { callUnary, FAST_RECONNECT, tlsChannelOptions } from '@portcullis/service-kit';
import * as grpc from '@grpc/grpc-js';
import { identityV1, type commonV1 } from '@portcullis/proto-gen';
import { revocationMatches, selectorKey, type RevocationSelector } from './revocation.js';

/** Whether a principal is a client acting for itself or a person (identity classifies). */
export const PRINCIPAL_KINDS = ['machine', 'human'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** A verified identity, as identity answers it. It never carries the token it was derived from. */
export interface Principal {
  readonly subject: string;
  /** `client_id`, else `azp`, else `sub`. */
  readonly clientId: string;
  readonly groups: readonly string[];
  readonly issuer: string;
  readonly expiresAt: Date;
  /** OAuth scopes granted to the token, in token order. */
  readonly scopes: readonly string[];
  readonly kind: PrincipalKind;
  /**
   * The token's verified claims as canonical JSON (RFC 8785); "{}" when there are none to carry
   * (too large, or an identity service older than claims). Kept as text, like MCP arguments: equal claims compare equal, and nothing re-serialises
   * them on the way to policy, the events or a cache key.
   */
  readonly claimsJson: string;
  /** The token's id (`jti`, a SAML assertion's ID); empty when it has none. */
  readonly tokenId: string;
}

/**
 * Why identity refused a token: the one list of the identity.v1 `VerifyFailure.code` values. The
 * identity service produces exactly these; the gateway maps each to its caller's protocol.
 */
export const TOKEN_FAILURE_CODES = [
  /** Not a readable credential: empty, oversized, not a JWT / SAML assertion, not JSON / XML. */
  'TOKEN_MALFORMED',
  /** A JWT whose `typ` is not one the issuer's access tokens carry (an ID token, a logout token). */
  'TOKEN_TYPE_INVALID',
  /** A JWT header the gateway refuses: a key reference (jku, x5u, jwk, x5c) or an unknown crit. */
  'TOKEN_HEADER_REFUSED',
  'SIGNATURE_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'ISSUER_UNTRUSTED',
  'AUDIENCE_MISMATCH',
  'ALGORITHM_NOT_ALLOWED',
  'LIFETIME_TOO_LONG',
  'CLAIM_INVALID',
  /** A SAML assertion whose structure is not what was signed (signature wrapping) or not a bearer assertion. */
  'ASSERTION_INVALID',
  /** A SAML assertion already used once. */
  'ASSERTION_REPLAYED',
  /** The token, its subject or its client has been revoked. */
  'REVOKED',
  /** The issuer's keys cannot be fetched right now (fail closed, retryable). */
  'IDP_UNAVAILABLE',
  /** Identity cannot tell whether the principal is revoked (its store has not answered lately): fail closed, retryable. */
  'REVOCATIONS_UNAVAILABLE',
] as const;
export type TokenFailureCode = (typeof TOKEN_FAILURE_CODES)[number];

/** A token failure, or the identity service could not be asked. */
export const VERIFY_FAILURE_CODES = [...TOKEN_FAILURE_CODES, 'IDENTITY_UNAVAILABLE'] as const;
export type VerifyFailureCode = (typeof VERIFY_FAILURE_CODES)[number];

/** Revocations remembered from the bus; beyond this the oldest is forgotten (identity still refuses it). */
const MAX_REMEMBERED_REVOCATIONS = 10_000;

const KNOWN_CODES: ReadonlySet<string> = new Set(TOKEN_FAILURE_CODES);

export type VerifyOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly code: VerifyFailureCode; readonly message: string; readonly issuer?: string };

/** How a caller presented its credential: a bearer JWT, or a base64 SAML 2.0 assertion. */
export const CREDENTIAL_TYPES = ['jwt', 'saml'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export interface VerifyOptions {
  /** Default "jwt". */
  readonly type?: CredentialType;
  /**
   * The credential already opened the session this request continues: a SAML assertion is
   * checked but not consumed again. Only a continuing SAML verification may be cached; opening
   * a session with one must reach identity, which refuses a second opening as ASSERTION_REPLAYED.
   */
  readonly continuing?: boolean;
  /** Ask identity even if a principal is cached (a held request about to be released). */
  readonly fresh?: boolean;
}

export interface IdentityClientOptions {
  readonly address: string;
  /** How to reach it: mutual TLS (`clientCredentials(tls, 'identity')` of @portcullis/service-kit). */
  readonly credentials: grpc.ChannelCredentials;
  /** Upper bound on how long a verified token is trusted without asking again (ms). */
  readonly cacheTtlMs?: number;
  readonly cacheSize?: number;
  readonly deadlineMs?: number;
  readonly now?: () => number;
}

/**
 * Client of the identity service with a bounded cache of verified principals, keyed by a hash of
 * the token (the token itself is never kept). A cached principal is used until the earlier of its
 * expiry and the cache TTL. Failures are not cached: a transient issuer outage must not stick.
 * If identity cannot be reached, `verify` returns IDENTITY_UNAVAILABLE: callers fail closed.
 */
export class IdentityClient {
  private readonly client: identityV1.IdentityServiceClient;
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  /** Revocations announced on the bus while this process runs (identity is the source of truth). */
  private revoked: { selector: RevocationSelector; until: number }[] = [];
  private readonly cacheTtlMs: number;
  private readonly cacheSize: number;
  private readonly deadlineMs: number;
  private readonly now: () => number;

  constructor(options: IdentityClientOptions) {
    this.client = new identityV1.IdentityServiceClient(options.address, options.credentials, { ...FAST_RECONNECT, ...tlsChannelOptions('identity') });
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.deadlineMs = options.deadlineMs ?? 3000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string, options: VerifyOptions = {}): Promise<VerifyOutcome> {
    const type = options.type ?? 'jwt';
    const cacheable = type === 'jwt' || options.continuing === true;
    const key = createHash('sha256').update(type).update('\0').update(token).digest('base64url');
    const now = this.now();
    const hit = cacheable && options.fresh !== true ? this.cache.get(key) : undefined;
    if (hit && hit.until > now) return { ok: true, principal: hit.principal };
    if (hit) this.cache.delete(key);

    let response: identityV1.VerifyResponse;
    const request: identityV1.VerifyRequest = {
      token,
      type: type === 'saml' ? identityV1.CredentialType.CREDENTIAL_TYPE_SAML : identityV1.CredentialType.CREDENTIAL_TYPE_JWT,
      continuing: options.continuing === true,
    };
    try {
      response = await callUnary<identityV1.VerifyResponse>((cb) => this.client.verify(request, new grpc.Metadata(), { deadline: Date.now() + this.deadlineMs }, cb));
    } catch {
      return { ok: false, code: 'IDENTITY_UNAVAILABLE', message: 'the identity service is unavailable' };
    }
    const result = response.result;
    if (result?.$case === 'principal') {
      const principal = principalFromProto(result.value);
      // A revocation that arrived while identity was answering wins over its answer.
      if (this.revoked.some((r) => r.until > now && revocationMatches(r.selector, principal))) {
        return { ok: false, code: 'REVOKED', message: 'this identity has been revoked' };
      }
      // Cached even when this verification may not be (an opening SAML assertion): the session it
      // opens continues with the same credential, and asks as `continuing`.
      const until = Math.min(principal.expiresAt.getTime(), now + this.cacheTtlMs);
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { principal, until });
      return { ok: true, principal };
    }
    // A refused credential is never served from the cache again (a fresh re-check that found it revoked).
    this.cache.delete(key);
    // A code this client does not know (a newer identity service) is still a refusal, never a pass.
    if (result?.$case === 'failure') {
      const code = KNOWN_CODES.has(result.value.code) ? (result.value.code as TokenFailureCode) : 'TOKEN_MALFORMED';
      return { ok: false, code, message: result.value.message, ...(result.value.issuer ? { issuer: result.value.issuer.slice(0, 256) } : {}) };
    }
    return { ok: false, code: 'IDENTITY_UNAVAILABLE', message: 'identity service returned no result' };
  }

  /**
   * Drops every cached principal a revocation covers, and refuses them from now until `forget`
   * (identity refuses them itself from the moment it stored the revocation; this closes the window
   * of a verification already under way). Returns how many cached entries were dropped.
   */
  evict(selector: RevocationSelector, until?: Date): number {
    let dropped = 0;
    for (const [key, entry] of this.cache) {
      if (revocationMatches(selector, entry.principal)) {
        this.cache.delete(key);
        dropped += 1;
      }
    }
    const now = this.now();
    const known = selectorKey(selector);
    this.revoked = this.revoked.filter((r) => r.until > now && selectorKey(r.selector) !== known);
    this.revoked.push({ selector, until: until?.getTime() ?? Number.POSITIVE_INFINITY });
    if (this.revoked.length > MAX_REMEMBERED_REVOCATIONS) this.revoked.shift();
    return dropped;
  }

  /** A revocation was lifted: principals it covered verify again. */
  forget(selector: RevocationSelector): void {
    const known = selectorKey(selector);
    this.revoked = this.revoked.filter((r) => selectorKey(r.selector) !== known);
  }

  close(): void {
    this.client.close();
  }
}

/**
 * Wire -> domain. A kind other than "machine" (none, from an identity service older than kinds)
 * reads as "human": as in identity itself, a principal is a machine only on positive evidence.
 */
export function principalFromProto(p: commonV1.Principal): Principal {
  return Object.freeze({
    subject: p.subject,
    clientId: p.clientId,
    groups: Object.freeze([...p.groups]),
    issuer: p.issuer,
    expiresAt: p.expiresAt ?? new Date(0),
    scopes: Object.freeze([...p.scopes]),
    kind: p.kind === 'machine' ? 'machine' : 'human',
    claimsJson: p.claimsJson === '' ? '{}' : p.claimsJson,
    tokenId: p.tokenId,
  });
}

export function principalToProto(p: Principal): commonV1.Principal {
  return { subject: p.subject, clientId: p.clientId, groups: [...p.groups], issuer: p.issuer, expiresAt: p.expiresAt, scopes: [...p.scopes], kind: p.kind, claimsJson: p.claimsJson, tokenId: p.tokenId };
}
