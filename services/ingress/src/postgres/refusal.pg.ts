import type { Refusal, RefusalCode } from '../domain/refusal.js';

/** How a refusal reaches a PostgreSQL client: its SQLSTATE, and whether the session ends with it. */
export interface PgError {
  readonly code: string;
  /** FATAL ends the session (the client sees the connection close); ERROR leaves it usable. */
  readonly severity: 'ERROR' | 'FATAL';
}

/**
 * The one place gateway refusals become SQLSTATEs. A refusal that concerns the credential the
 * session was opened with is FATAL: the session cannot go on without a new login.
 */
const SQLSTATE: Record<RefusalCode, PgError> = {
  TOKEN_MISSING: { code: '28P01', severity: 'FATAL' },
  TOKEN_MALFORMED: { code: '28P01', severity: 'FATAL' },
  SIGNATURE_INVALID: { code: '28P01', severity: 'FATAL' },
  TOKEN_EXPIRED: { code: '28P01', severity: 'FATAL' },
  TOKEN_NOT_YET_VALID: { code: '28P01', severity: 'FATAL' },
  ISSUER_UNTRUSTED: { code: '28P01', severity: 'FATAL' },
  AUDIENCE_MISMATCH: { code: '28P01', severity: 'FATAL' },
  LIFETIME_TOO_LONG: { code: '28P01', severity: 'FATAL' },
  CLAIM_INVALID: { code: '28P01', severity: 'FATAL' },
  ALGORITHM_NOT_ALLOWED: { code: '28P01', severity: 'FATAL' },
  TOKEN_TYPE_INVALID: { code: '28P01', severity: 'FATAL' },
  TOKEN_HEADER_REFUSED: { code: '28P01', severity: 'FATAL' },
  ASSERTION_INVALID: { code: '28P01', severity: 'FATAL' },
  ASSERTION_REPLAYED: { code: '28P01', severity: 'FATAL' },
  REVOKED: { code: '28P01', severity: 'FATAL' },
  IDP_UNAVAILABLE: { code: '08006', severity: 'FATAL' },
  REVOCATIONS_UNAVAILABLE: { code: '08006', severity: 'FATAL' },
  IDENTITY_UNAVAILABLE: { code: '08006', severity: 'FATAL' },
  UNKNOWN_CONNECTION: { code: '3D000', severity: 'FATAL' },
  BAD_REQUEST: { code: '0A000', severity: 'ERROR' },
  REQUEST_TOO_LARGE: { code: '54000', severity: 'ERROR' },
  URI_TOO_LONG: { code: '54000', severity: 'ERROR' },
  REQUEST_TIMEOUT: { code: '57014', severity: 'ERROR' },
  POLICY_DENIED: { code: '42501', severity: 'ERROR' },
  APPROVAL_DENIED: { code: '42501', severity: 'ERROR' },
  APPROVAL_EXPIRED: { code: '42501', severity: 'ERROR' },
  CALLER_GONE: { code: '08006', severity: 'FATAL' },
  REQUEST_CANCELLED: { code: '57014', severity: 'ERROR' },
  GATEWAY_SHUTTING_DOWN: { code: '57P01', severity: 'FATAL' },
  GATEWAY_BUSY: { code: '53300', severity: 'ERROR' },
  LIMIT_EXCEEDED: { code: '53400', severity: 'ERROR' }, // configuration_limit_exceeded: the caller's per-principal limit
  INTERNAL: { code: 'XX000', severity: 'ERROR' },
  POLICY_UNAVAILABLE: { code: '58000', severity: 'ERROR' },
  APPROVALS_UNAVAILABLE: { code: '58000', severity: 'ERROR' },
  BUS_UNAVAILABLE: { code: '58000', severity: 'ERROR' },
  MASKING_FAILED: { code: '58000', severity: 'ERROR' },
  UPSTREAM_UNAVAILABLE: { code: '08006', severity: 'FATAL' },
  UPSTREAM_TIMEOUT: { code: '57014', severity: 'ERROR' },
  RESPONSE_TOO_LARGE: { code: '54000', severity: 'ERROR' },
  RESPONSE_NOT_MASKABLE: { code: '0A000', severity: 'ERROR' },
  TOOL_DEFINITION_CHANGED: { code: '42501', severity: 'ERROR' }, // never over SQL
};

export function pgErrorFor(code: RefusalCode): PgError {
  return SQLSTATE[code];
}

/** The ErrorResponse fields of a refusal: the gateway's code and the rules in the detail, policy's sentence as the hint. */
export function refusalFields(reason: Refusal, info: { requestId?: string; holdId?: string }): { severity: 'ERROR' | 'FATAL'; code: string; message: string; detail?: string; hint?: string } {
  const error = SQLSTATE[reason.code];
  const detail = [`portcullis: ${reason.code}`, reason.reasons.length > 0 ? `rules: ${reason.reasons.join(', ')}` : '', info.holdId ? `hold: ${info.holdId}` : '', info.requestId ? `request: ${info.requestId}` : '']
    .filter(Boolean)
    .join('; ');
  const message = reason.reasons.length > 0 ? `${reason.message} (${reason.reasons.join(', ')})` : reason.message;
  return { severity: error.severity, code: error.code, message, detail, ...(reason.policyMessage ? { hint: reason.policyMessage } : {}) };
}
