import { decodeJwt, decodeProtectedHeader, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions, type ProtectedHeaderParameters } from 'jose';
import type { OidcIssuerConfig } from '@portcullis/config';
import { errorCode, isFailureCode, KEY_MISMATCH_CODES, refusalForJoseError } from './failure-codes.js';
import { claimsJsonOf, clientIdOf, groupsOf, principalKind, scopesOf, tokenIdOf } from './principal-claims.js';
import { VerifyError, type VerifyFailure, type VerifyOutcome } from './verify-outcome.js';

/** The time verification happens at. Injected so tests freeze it. */
export type Clock = () => Date;

/**
 * Where an issuer's verification keys come from. The OIDC adapter discovers and fetches them;
 * unit tests hand over local keys.
 */
export interface KeyResolver {
  /**
   * jose's key lookup for one trusted issuer. Rejects when the keys cannot be obtained right now.
   * The lookup itself may also fail to fetch (e.g. refetching the JWKS for an unknown kid).
   */
  keysFor(issuer: OidcIssuerConfig): Promise<JWTVerifyGetKey>;
  /** Fetches the issuer's keys ahead of its first token. Optional; rejects if they cannot be fetched. */
  warm?(issuer: OidcIssuerConfig): Promise<void>;
}

/** Bearer tokens longer than this are refused before any parsing: real access tokens are far smaller. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

/** Compact JWS: three base64url parts. The signature may be empty so that `alg: none` is refused by name. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Claims every accepted token carries; exp and iat also bound its lifetime. */
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub'];

/**
 * Header parameters that point at a key (RFC 7515 §4.1.2-6). A verifier that followed them would
 * let the token choose its own key (RFC 8725 §3.10); the gateway only ever uses the issuer's
 * published keys, and refuses a token that asks otherwise rather than silently ignore the ask.
 */
const KEY_REFERENCE_HEADERS = ['jku', 'jwk', 'x5u', 'x5c'] as const;

/**
 * Verifies bearer tokens from the configured issuers and turns them into principals.
 *
 * The unverified `iss` only chooses which configured issuer to check against (exact match); the
 * signature, audience, algorithm and times are then checked with that issuer's keys and settings.
 * Every refusal is a value with a typed code. Only a bug (an error that is not about the token or
 * the issuer) is thrown.
 */
export class TokenVerifier {
  private readonly issuers: ReadonlyMap<string, OidcIssuerConfig>;

  constructor(
    issuers: readonly OidcIssuerConfig[],
    private readonly keys: KeyResolver,
    private readonly clock: Clock,
  ) {
    this.issuers = new Map(issuers.map((issuer) => [issuer.issuer, issuer]));
  }

  async verify(token: string): Promise<VerifyOutcome> {
    const claimed = claimedIssuer(token);
    if (typeof claimed !== 'string') return { ok: false, failure: claimed };
    const issuer = this.issuers.get(claimed);
    if (!issuer) {
      return refuse({ code: 'ISSUER_UNTRUSTED', message: `token issuer ${quote(claimed)} is not trusted by this gateway`, issuer: clip(claimed) });
    }
    try {
      return await this.verifyWith(token, issuer);
    } catch (err) {
      const code = errorCode(err);
      if (isFailureCode(code)) {
        const { message, detail } = err as VerifyError;
        return refuse({ code, message, issuer: issuer.issuer, ...(detail === undefined ? {} : { detail }) });
      }
      const refusal = refusalForJoseError(err, issuer);
      if (!refusal) throw err;
      return refuse({ ...refusal, issuer: issuer.issuer });
    }
  }

  private async verifyWith(token: string, issuer: OidcIssuerConfig): Promise<VerifyOutcome> {
    checkHeader(token, issuer);
    const now = this.clock();
    const options: JWTVerifyOptions = {
      issuer: issuer.issuer,
      audience: [...issuer.audience],
      algorithms: [...issuer.algorithms],
      clockTolerance: issuer.clockTolerance / 1000,
      currentDate: now,
      requiredClaims: REQUIRED_CLAIMS,
    };
    const { payload } = await verifyJwt(token, this.keyLookup(issuer), options);
    return principalFrom(payload, issuer, now);
  }

  /**
   * The issuer's keys, resolved only once jose has read the header and checked the algorithm, so a
   * junk token never triggers discovery. Failures to fetch keys (IDP_UNAVAILABLE) are told apart
   * from "no published key fits this token" (SIGNATURE_INVALID), e.g. when an unknown kid refetches.
   */
  private keyLookup(issuer: OidcIssuerConfig): JWTVerifyGetKey {
    return async (header, token) => {
      const keys = await this.keys.keysFor(issuer).catch((err: unknown) => {
        throw unavailable(issuer, err);
      });
      try {
        return await keys(header, token);
      } catch (err) {
        if (KEY_MISMATCH_CODES.has(errorCode(err) ?? '')) throw err;
        throw unavailable(issuer, err);
      }
    };
  }
}

/** The token's unverified `iss`, or why the token cannot even be read. */
function claimedIssuer(token: string): string | VerifyFailure {
  if (typeof token !== 'string' || token.length === 0) return { code: 'TOKEN_MALFORMED', message: 'token is empty' };
  if (token.length > MAX_TOKEN_LENGTH) return { code: 'TOKEN_MALFORMED', message: `token is longer than ${MAX_TOKEN_LENGTH} characters` };
  if (!COMPACT_JWS.test(token)) return { code: 'TOKEN_MALFORMED', message: 'token is not a JWT (expected three base64url parts)' };
  let payload: JWTPayload;
  try {
    payload = decodeJwt(token);
  } catch {
    return { code: 'TOKEN_MALFORMED', message: 'token payload is not a JSON object' };
  }
  if (typeof payload.iss !== 'string' || payload.iss === '') return { code: 'ISSUER_UNTRUSTED', message: 'token names no issuer (iss)' };
  return payload.iss;
}

/**
 * What the header must say before any key is looked up (RFC 8725): an allowed algorithm, an
 * allowed type, no key reference, no critical extension (the gateway implements none, so it
 * refuses every one, as RFC 7515 §4.1.11 requires of a recipient that does not understand it).
 */
function checkHeader(token: string, issuer: OidcIssuerConfig): void {
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new VerifyError('TOKEN_MALFORMED', 'token header is not a JSON object');
  }
  for (const name of KEY_REFERENCE_HEADERS) {
    if (header[name] !== undefined) throw new VerifyError('TOKEN_HEADER_REFUSED', `token header names a key itself ("${name}"); only the issuer's published keys are used`);
  }
  if (header.crit !== undefined) throw new VerifyError('TOKEN_HEADER_REFUSED', 'token header has critical extensions ("crit") this gateway does not implement');
  if (header.b64 !== undefined) throw new VerifyError('TOKEN_HEADER_REFUSED', 'token header uses the unencoded-payload option ("b64")');
  if (typeof header.alg !== 'string' || !(issuer.algorithms as readonly string[]).includes(header.alg)) {
    const alg = typeof header.alg === 'string' ? quote(header.alg) : 'none given';
    throw new VerifyError('ALGORITHM_NOT_ALLOWED', `token signing algorithm ${alg} is not allowed for this issuer (allowed: ${issuer.algorithms.join(', ')})`);
  }
  const type = typeof header.typ === 'string' ? mediaType(header.typ) : undefined;
  if (type === undefined || !issuer.tokenTypes.some((allowed) => mediaType(allowed) === type)) {
    const said = typeof header.typ === 'string' ? `"typ" ${quote(header.typ)}` : 'no "typ"';
    throw new VerifyError('TOKEN_TYPE_INVALID', `token has ${said}; this issuer's access tokens are ${issuer.tokenTypes.join(', ')} (an ID token or other JWT is not a gateway credential)`);
  }
}

/** A JWT `typ` compared as RFC 7515 §4.1.9 asks: case-insensitive, "application/" optional. */
function mediaType(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** jwtVerify, plus jose's documented handling of several keys fitting a token that names no kid: try each. */
async function verifyJwt(token: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<{ payload: JWTPayload }> {
  try {
    return await jwtVerify(token, keys, options);
  } catch (err) {
    if (errorCode(err) !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw err;
    for await (const key of err as AsyncIterable<CryptoKey>) {
      try {
        return await jwtVerify(token, key, options);
      } catch (inner) {
        if (errorCode(inner) !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw inner;
      }
    }
    throw err;
  }
}

/** Checks what jose does not (types, iat in the future, lifetime, attribute claims) and builds the principal. */
function principalFrom(payload: JWTPayload, issuer: OidcIssuerConfig, now: Date): VerifyOutcome {
  const { sub, exp, iat } = payload;
  if (typeof sub !== 'string' || sub === '') throw new VerifyError('CLAIM_INVALID', 'token claim "sub" must be a non-empty string');
  // jose has checked that exp and iat are present numbers.
  if (typeof exp !== 'number' || typeof iat !== 'number') throw new VerifyError('CLAIM_INVALID', 'token claims "exp" and "iat" must be numbers');
  const nowSeconds = now.getTime() / 1000;
  // A future iat would stretch a "short" exp - iat window arbitrarily far ahead.
  if (iat > nowSeconds + issuer.clockTolerance / 1000) throw new VerifyError('TOKEN_NOT_YET_VALID', 'token is issued in the future (iat)');
  if (exp <= iat) throw new VerifyError('CLAIM_INVALID', 'token expires before it is issued (exp <= iat)');
  const maxSeconds = issuer.maxTokenLifetime / 1000;
  if (exp - iat > maxSeconds) {
    throw new VerifyError('LIFETIME_TOO_LONG', `token lifetime (exp - iat) of ${exp - iat} s exceeds the ${maxSeconds} s this issuer allows`);
  }
  const clientId = clientIdOf(payload, issuer.claims.clientId);
  const claims = claimsJsonOf(payload);
  const principal = {
    subject: sub,
    clientId: clientId ?? sub,
    groups: groupsOf(payload, issuer.claims.groups),
    issuer: issuer.issuer,
    expiresAt: new Date(exp * 1000),
    scopes: scopesOf(payload),
    kind: principalKind(payload, issuer.claims.kind, sub, clientId),
    claimsJson: claims.json,
    tokenId: tokenIdOf(payload),
  };
  return claims.droppedBytes === undefined ? { ok: true, principal } : { ok: true, principal, droppedClaimsBytes: claims.droppedBytes };
}

function unavailable(issuer: OidcIssuerConfig, err: unknown): VerifyError {
  return new VerifyError('IDP_UNAVAILABLE', `keys of issuer "${issuer.issuer}" cannot be fetched right now; try again shortly`, describe(err));
}

/** An error's message and, for fetch failures, the underlying cause (e.g. ECONNREFUSED). */
function describe(err: unknown): string {
  const { message, cause } = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const own = typeof message === 'string' ? message : String(err);
  const why = cause?.code ?? cause?.message;
  return typeof why === 'string' ? `${own}: ${why}` : own;
}

function refuse(failure: VerifyFailure): VerifyOutcome {
  return { ok: false, failure };
}

/** An attacker-chosen value quoted in a message or log: escaped and bounded. */
function quote(value: string): string {
  return JSON.stringify(clip(value));
}

function clip(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
