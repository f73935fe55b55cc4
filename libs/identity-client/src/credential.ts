import type { CredentialType } from './identity-client.js';

/** A credential as a caller presented it: its type and the value identity verifies. Never logged. */
export interface Credential {
  readonly type: CredentialType;
  readonly value: string;
}

/**
 * The credential of an HTTP `Authorization` header: `Bearer <JWT>` (RFC 6750) or
 * `SAML <base64 assertion>`; schemes are case-insensitive. Anything else is no credential (the
 * caller is told one is required).
 */
export function credentialFromAuthorization(header: string | undefined): Credential | undefined {
  const match = /^(Bearer|SAML)[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  if (!match) return undefined;
  return { type: match[1]!.toLowerCase() === 'saml' ? 'saml' : 'jwt', value: match[2]! };
}

/** A JWT in compact serialisation: three base64url parts (the signature may be empty: `alg: none` is refused by name). */
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The credential of a PostgreSQL password, which has no scheme: a JWT looks like one (three
 * base64url parts joined by dots, which base64 never contains), anything else is read as a SAML
 * assertion, which identity refuses as malformed if it is not one.
 */
export function credentialFromPassword(password: string): Credential {
  return { type: COMPACT_JWT.test(password) || password.includes('.') ? 'jwt' : 'saml', value: password };
}
