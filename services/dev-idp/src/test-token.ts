import { CompactSign, errors as joseErrors } from 'jose';
import type { CompactJWSHeaderParameters } from 'jose';
import { fail, ok } from './failure.js';
import type { Result } from './failure.js';
import { isPlainObject } from './json.js';
import { ACCESS_TOKEN_ALG } from './keys.js';
import type { SigningKey } from './keys.js';

/** What POST /test/mint signs: header fields over the defaults, and the claims verbatim. */
export interface MintRequest {
  /** Merged over `{ alg: ES256, typ: 'at+jwt', kid }`; a field set to null is removed. */
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
}

export function parseMintRequest(body: Record<string, unknown>): Result<MintRequest> {
  const { header = {}, claims } = body;
  if (!isPlainObject(header)) return fail('invalid_request', '"header" must be a JSON object when set');
  if (!isPlainObject(claims)) return fail('invalid_request', '"claims" must be a JSON object');
  return ok({ header, claims });
}

/** The protected header a minted token carries. */
export function mintHeader(kid: string, overrides: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const header: Record<string, unknown> = { alg: ACCESS_TOKEN_ALG, typ: 'at+jwt', kid };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete header[name];
    // defineProperty, not assignment: a hostile "__proto__" field stays a header field.
    else Object.defineProperty(header, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return header;
}

/**
 * Signs `request` with `key` as a compact JWS, adding nothing to the claims. Hostile shapes
 * (another typ, jku, unknown crit, expired or ID-token-shaped claims) are the point; only
 * what the key cannot produce is refused: an alg other than ES256, or a header jose cannot
 * serialise (e.g. a crit naming a parameter the header lacks).
 */
export async function mintToken(key: SigningKey, request: MintRequest): Promise<Result<string>> {
  const header = mintHeader(key.kid, request.header);
  if (header.alg !== ACCESS_TOKEN_ALG) {
    return fail('invalid_request', `header.alg must be ${ACCESS_TOKEN_ALG}: the issuer's signing key is a P-256 key`);
  }
  // jose refuses to produce a crit it does not understand; declaring every listed name
  // recognised lets a test send an extension no verifier knows.
  const crit = Array.isArray(header.crit)
    ? Object.fromEntries(header.crit.filter((n): n is string => typeof n === 'string').map((n) => [n, false]))
    : undefined;
  try {
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(request.claims)))
      .setProtectedHeader(header as CompactJWSHeaderParameters)
      .sign(key.privateKey, crit === undefined ? undefined : { crit });
    return ok(token);
  } catch (err) {
    if (err instanceof joseErrors.JOSEError) return fail('invalid_request', `cannot sign this header: ${err.message}`);
    throw err;
  }
}
