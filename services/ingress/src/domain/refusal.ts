import { VERIFY_FAILURE_CODES } from '@portcullis/identity-client';

/**
 * Why the gateway did not (fully) serve a request. Each protocol adapter maps these codes to its
 * own error form (HTTP status + JSON, MCP tool error, PostgreSQL SQLSTATE) in one place.
 */
export type RefusalCode =
  // The caller
  | 'TOKEN_MISSING'
  | 'TOKEN_MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'ISSUER_UNTRUSTED'
  | 'AUDIENCE_INVALID'
  | 'LIFETIME_TOO_LONG'
  | 'CLAIM_INVALID'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'UNKNOWN_CONNECTION'
  | 'BAD_REQUEST'
  | 'REQUEST_TOO_LARGE'
  | 'URI_TOO_LONG'
  // Decisions
  | 'POLICY_DENIED'
  | 'APPROVAL_DENIED'
  | 'APPROVAL_EXPIRED'
  | 'CALLER_GONE'
  | 'GATEWAY_SHUTTING_DOWN'
  | 'GATEWAY_BUSY'
  | 'INTERNAL'
  // Parts of the gateway that could not answer: always fail closed
  | 'ISSUER_UNAVAILABLE'
  | 'IDENTITY_UNAVAILABLE'
  | 'POLICY_UNAVAILABLE'
  | 'APPROVALS_UNAVAILABLE'
  | 'BUS_UNAVAILABLE'
  | 'MASKING_FAILED'
  // The target
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'RESPONSE_TOO_LARGE'
  | 'RESPONSE_NOT_MASKABLE';

export interface Refusal {
  readonly code: RefusalCode;
  /** For the caller: says what happened, never internal addresses or error texts. */
  readonly message: string;
  /** Rule ids and other stable reasons, e.g. ["rule:agents-never-delete-demo-http"]. */
  readonly reasons: readonly string[];
  /** For the gateway's own log only (e.g. the underlying error); never sent to the caller. */
  readonly detail?: string;
}

export function refusal(code: RefusalCode, message: string, reasons: readonly string[] = [], detail?: string): Refusal {
  return detail === undefined ? { code, message, reasons } : { code, message, reasons, detail };
}

const TOKEN_CODES: ReadonlySet<string> = new Set(VERIFY_FAILURE_CODES);

/** Identity failure codes pass through; anything unknown is treated as a malformed token. */
export function tokenRefusalCode(code: string): RefusalCode {
  return TOKEN_CODES.has(code) ? (code as RefusalCode) : 'TOKEN_MALFORMED';
}
