import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';

/** The JWS algorithm dev-idp signs access tokens with. */
export const ACCESS_TOKEN_ALG = 'ES256';

/** One ES256 signing key: the private JWK oidc-provider is configured with, and the same key for jose. */
export interface SigningKey {
  readonly kid: string;
  /** Private JWK (with kid, alg, use) as oidc-provider's `jwks` configuration takes it. */
  readonly jwk: JWK;
  readonly privateKey: CryptoKey;
}

/**
 * An issuer's keys, current first. The first key signs everything; the others are still
 * published in the JWKS so tokens they signed keep verifying until they are retired.
 */
export interface SigningKeyRing {
  readonly keys: readonly SigningKey[];
}

/**
 * Generates a fresh, process-local signing key. Keys live only in memory, so any token
 * minted by a previous run stops verifying once the IdP restarts (resource servers
 * refetch the JWKS by kid).
 *
 * Only ES256 (P-256) keys are generated: oidc-provider is configured to use ES256 for
 * ID tokens as well (clientDefaults.id_token_signed_response_alg), so it does not
 * require an RSA key.
 */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, jwk: { ...jwk, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' }, privateKey };
}

/** A ring holding one fresh key. */
export async function generateSigningKeyRing(): Promise<SigningKeyRing> {
  return { keys: [await generateSigningKey()] };
}

/**
 * The ring after `next` becomes the current key: it goes first; the keys published so far
 * stay published behind it unless `retirePrevious`, which leaves `next` alone.
 */
export function rotateKeyRing(ring: SigningKeyRing, next: SigningKey, retirePrevious: boolean): SigningKeyRing {
  return { keys: retirePrevious ? [next] : [next, ...ring.keys.filter((k) => k.kid !== next.kid)] };
}

/** The key that signs now (a ring is never empty). */
export function currentKey(ring: SigningKeyRing): SigningKey {
  const [key] = ring.keys;
  if (key === undefined) throw new Error('dev-idp: empty signing key ring');
  return key;
}

/** Random keys for oidc-provider's signed cookies (unused by client_credentials, but required). */
export function generateCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}
