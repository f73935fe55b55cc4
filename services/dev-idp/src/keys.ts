import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';

/** The JWS algorithm dev-idp signs access tokens with. */
export const ACCESS_TOKEN_ALG = 'ES256';

export interface SigningJwks {
  readonly keys: JWK[];
}

/**
 * Generates a fresh, process-local signing key set. Keys live only in memory
 * and are rotated on every start, so any token minted by a previous run stops
 * verifying once the IdP restarts (resource servers refetch the JWKS by kid).
 *
 * Only an ES256 (P-256) key is generated: oidc-provider is configured to use
 * ES256 for ID tokens as well (clientDefaults.id_token_signed_response_alg), so
 * it does not require an RSA key.
 */
export async function generateSigningJwks(): Promise<SigningJwks> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { keys: [{ ...jwk, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' }] };
}

/** Random keys for oidc-provider's signed cookies (unused by client_credentials, but required). */
export function generateCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}
