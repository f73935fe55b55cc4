import { createHash, timingSafeEqual } from 'node:crypto';
import { fail, ok } from './failure.js';
import type { Result } from './failure.js';
import type { ResolvedClient } from './provider.js';

/** How a request presented client credentials, read from its Authorization header and form body. */
export interface PresentedCredentials {
  readonly authorization: string | undefined;
  readonly form: URLSearchParams | undefined;
}

/**
 * Authenticates a client the way oidc-provider's token endpoint does for client_secret_basic
 * and client_secret_post: `Authorization: Basic base64(urlencode(id):urlencode(secret))`, or
 * form fields client_id and client_secret — one mechanism, not both. Every failure to prove
 * the credentials is invalid_client, so the answer does not say which part was wrong.
 */
export function authenticateClient(
  presented: PresentedCredentials,
  clients: ReadonlyMap<string, ResolvedClient>,
): Result<ResolvedClient> {
  const formSecret = single(presented.form, 'client_secret');
  const formId = single(presented.form, 'client_id');
  if (!formSecret.ok) return formSecret;
  if (!formId.ok) return formId;
  if (presented.authorization !== undefined && formSecret.value !== undefined) {
    return fail('invalid_request', 'client authentication must only be provided using one mechanism');
  }

  let credentials: { id: string; secret: string } | undefined;
  if (presented.authorization !== undefined) {
    credentials = parseBasic(presented.authorization);
    if (credentials !== undefined && formId.value !== undefined && formId.value !== credentials.id) {
      return fail('invalid_request', 'client_id mismatch');
    }
  } else if (formId.value !== undefined && formSecret.value !== undefined) {
    credentials = { id: formId.value, secret: formSecret.value };
  }
  if (credentials === undefined) return fail('invalid_client', 'client authentication failed');

  const client = clients.get(credentials.id);
  // Compare even for an unknown client, so timing does not tell known ids apart.
  const matches = secretsEqual(credentials.secret, client?.clientSecret ?? '');
  if (client === undefined || !matches) return fail('invalid_client', 'client authentication failed');
  return ok(client);
}

function single(form: URLSearchParams | undefined, name: string): Result<string | undefined> {
  const values = form?.getAll(name) ?? [];
  if (values.length > 1) return fail('invalid_request', `"${name}" must not be repeated`);
  const [value] = values;
  return ok(value === '' ? undefined : value);
}

function parseBasic(header: string): { id: string; secret: string } | undefined {
  const [scheme, token, ...extra] = header.split(' ');
  if (scheme?.toLowerCase() !== 'basic' || token === undefined || extra.length > 0) return undefined;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  try {
    const id = decodeFormComponent(decoded.slice(0, i));
    const secret = decodeFormComponent(decoded.slice(i + 1));
    return id === '' ? undefined : { id, secret };
  } catch {
    return undefined; // malformed percent-encoding
  }
}

/** RFC 6749 §2.3.1: each part is application/x-www-form-urlencoded ('+' is a space). */
function decodeFormComponent(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, '%20'));
}

function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b)) && a.length > 0;
}
