import { errorCode } from '@portcullis/errors';
import { TOKEN_FAILURE_CODES } from '@portcullis/identity-client';
import type { OidcIssuerConfig } from '@portcullis/config';
import type { FailureCode } from './verify-outcome.js';

/** The `code` of a jose error, of our VerifyError, or undefined. Never `instanceof`: codes survive bundling and realms. */
export { errorCode };

const FAILURE_CODES: ReadonlySet<string> = new Set<FailureCode>(TOKEN_FAILURE_CODES);

export function isFailureCode(code: string | undefined): code is FailureCode {
  return code !== undefined && FAILURE_CODES.has(code);
}

/** Key lookups that found the wrong number of keys: the token does not verify, the issuer is fine. */
export const KEY_MISMATCH_CODES: ReadonlySet<string> = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS']);

/**
 * Maps an error thrown by jose's jwtVerify to a refusal, by `err.code`. Messages are written here,
 * not copied from jose, so that they stay stable and never echo token content. Returns undefined for
 * an error that is not about the token (a bug): the caller lets it propagate.
 */
export function refusalForJoseError(err: unknown, issuer: OidcIssuerConfig): { code: FailureCode; message: string } | undefined {
  switch (errorCode(err)) {
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return { code: 'TOKEN_MALFORMED', message: 'token is not a well-formed signed JWT' };
    case 'ERR_JOSE_NOT_SUPPORTED':
      return { code: 'TOKEN_MALFORMED', message: 'token uses a JOSE feature this gateway does not support' };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { code: 'ALGORITHM_NOT_ALLOWED', message: `token signing algorithm is not allowed for this issuer (allowed: ${issuer.algorithms.join(', ')})` };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { code: 'SIGNATURE_INVALID', message: "token signature does not verify with the issuer's keys" };
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { code: 'SIGNATURE_INVALID', message: 'token is not signed with a key the issuer publishes' };
    case 'ERR_JWT_EXPIRED':
      return { code: 'TOKEN_EXPIRED', message: 'token has expired' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return refusalForClaim(err as { claim?: unknown; reason?: unknown }, issuer);
    default:
      return undefined;
  }
}

function refusalForClaim(err: { claim?: unknown; reason?: unknown }, issuer: OidcIssuerConfig): { code: FailureCode; message: string } {
  // `claim` is one of jose's fixed claim names (iss, sub, aud, exp, iat, nbf, typ), never a value.
  const claim = typeof err.claim === 'string' ? err.claim : 'unspecified';
  if (claim === 'nbf' && err.reason === 'check_failed') return { code: 'TOKEN_NOT_YET_VALID', message: 'token is not valid yet (nbf is in the future)' };
  if (claim === 'aud' && err.reason === 'check_failed') return { code: 'AUDIENCE_MISMATCH', message: `token audience does not include ${audienceList(issuer)}` };
  if (claim === 'aud' && err.reason === 'missing') return { code: 'AUDIENCE_MISMATCH', message: `token has no audience; it must include ${audienceList(issuer)}` };
  if (claim === 'iss') return { code: 'ISSUER_UNTRUSTED', message: 'token issuer does not match the issuer whose keys signed it' };
  if (err.reason === 'missing') return { code: 'CLAIM_INVALID', message: `token lacks the required "${claim}" claim` };
  return { code: 'CLAIM_INVALID', message: `token claim "${claim}" is invalid` };
}

function audienceList(issuer: OidcIssuerConfig): string {
  return issuer.audience.length === 1 ? `"${issuer.audience[0]}"` : `one of ${issuer.audience.map((a) => `"${a}"`).join(', ')}`;
}
