import { createHash } from 'node:crypto';
import { callUnary, FAST_RECONNECT } from '@portcullis/service-kit';
import * as grpc from '@grpc/grpc-js';
import { identityV1, type commonV1 } from '@portcullis/proto-gen';

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
}

/**
 * Why identity refused a token: the one list of the identity.v1 `VerifyFailure.code` values. The
 * identity service produces exactly these; the gateway maps each to its caller's protocol.
 */
export const TOKEN_FAILURE_CODES = [
  'TOKEN_MALFORMED',
  'SIGNATURE_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'ISSUER_UNTRUSTED',
  'AUDIENCE_INVALID',
  'LIFETIME_TOO_LONG',
  'CLAIM_INVALID',
  'ALGORITHM_NOT_ALLOWED',
  'ISSUER_UNAVAILABLE',
] as const;
export type TokenFailureCode = (typeof TOKEN_FAILURE_CODES)[number];

/** A token failure, or the identity service could not be asked. */
export const VERIFY_FAILURE_CODES = [...TOKEN_FAILURE_CODES, 'IDENTITY_UNAVAILABLE'] as const;
export type VerifyFailureCode = (typeof VERIFY_FAILURE_CODES)[number];

const KNOWN_CODES: ReadonlySet<string> = new Set(TOKEN_FAILURE_CODES);

export type VerifyOutcome =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly code: VerifyFailureCode; readonly message: string };

export interface IdentityClientOptions {
  readonly address: string;
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
  private readonly cacheTtlMs: number;
  private readonly cacheSize: number;
  private readonly deadlineMs: number;
  private readonly now: () => number;

  constructor(options: IdentityClientOptions) {
    this.client = new identityV1.IdentityServiceClient(options.address, grpc.credentials.createInsecure(), FAST_RECONNECT);
    this.cacheTtlMs = options.cacheTtlMs ?? 60_000;
    this.cacheSize = options.cacheSize ?? 10_000;
    this.deadlineMs = options.deadlineMs ?? 3000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<VerifyOutcome> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return { ok: true, principal: hit.principal };
    if (hit) this.cache.delete(key);

    let response: identityV1.VerifyResponse;
    try {
      response = await callUnary<identityV1.VerifyResponse>((cb) => this.client.verify({ token }, new grpc.Metadata(), { deadline: Date.now() + this.deadlineMs }, cb));
    } catch {
      return { ok: false, code: 'IDENTITY_UNAVAILABLE', message: 'the identity service is unavailable' };
    }
    const result = response.result;
    if (result?.$case === 'principal') {
      const principal = principalFromProto(result.value);
      const until = Math.min(principal.expiresAt.getTime(), now + this.cacheTtlMs);
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { principal, until });
      return { ok: true, principal };
    }
    // A code this client does not know (a newer identity service) is still a refusal, never a pass.
    if (result?.$case === 'failure') return { ok: false, code: KNOWN_CODES.has(result.value.code) ? (result.value.code as TokenFailureCode) : 'TOKEN_MALFORMED', message: result.value.message };
    return { ok: false, code: 'IDENTITY_UNAVAILABLE', message: 'identity service returned no result' };
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
  });
}

export function principalToProto(p: Principal): commonV1.Principal {
  return { subject: p.subject, clientId: p.clientId, groups: [...p.groups], issuer: p.issuer, expiresAt: p.expiresAt, scopes: [...p.scopes], kind: p.kind, claimsJson: p.claimsJson };
}
