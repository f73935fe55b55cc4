/** Every way a dev-idp endpoint of our own (test, SAML) can refuse a request. */
export const FAILURE_CODES = [
  'invalid_request',
  'invalid_client',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'server_error',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

/** The one failure shape: `message` is for humans and never holds a secret, token or key. */
export interface Failure {
  readonly ok: false;
  readonly code: FailureCode;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | Failure;

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(code: FailureCode, message: string): Failure {
  return { ok: false, code, message };
}
