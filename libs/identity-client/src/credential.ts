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

/**
 * The credential of a PostgreSQL password, which has no scheme: a SAML assertion when it is
 * base64 whose content starts as XML does (`<`), otherwise a JWT (so that anything else is refused
 * as a malformed token, with a message that says token).
 */
export function credentialFromPassword(password: string): Credential {
  const saml = /^[A-Za-z0-9+/]{16,}={0,2}$/.test(password) && Buffer.from(password.slice(0, 16), 'base64').toString('latin1').trimStart().startsWith('<');
  return { type: saml ? 'saml' : 'jwt', value: password };
}
