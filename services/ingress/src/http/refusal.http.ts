import type { ServerResponse } from 'node:http';
import type { Refusal, RefusalCode } from '../domain/refusal.js';

/** The one place gateway refusals become HTTP statuses. */
const STATUS: Record<RefusalCode, number> = {
  TOKEN_MISSING: 401,
  TOKEN_MALFORMED: 401,
  SIGNATURE_INVALID: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_NOT_YET_VALID: 401,
  ISSUER_UNTRUSTED: 401,
  AUDIENCE_MISMATCH: 401,
  LIFETIME_TOO_LONG: 401,
  CLAIM_INVALID: 401,
  ALGORITHM_NOT_ALLOWED: 401,
  TOKEN_TYPE_INVALID: 401,
  TOKEN_HEADER_REFUSED: 401,
  ASSERTION_INVALID: 401,
  ASSERTION_REPLAYED: 401,
  REVOKED: 401,
  UNKNOWN_CONNECTION: 404,
  BAD_REQUEST: 400,
  REQUEST_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  REQUEST_TIMEOUT: 408,
  POLICY_DENIED: 403,
  APPROVAL_DENIED: 403,
  APPROVAL_EXPIRED: 403,
  CALLER_GONE: 499,
  REQUEST_CANCELLED: 499, // never over HTTP: a caller that cancels closes the connection
  GATEWAY_SHUTTING_DOWN: 503,
  GATEWAY_BUSY: 503,
  LIMIT_EXCEEDED: 429,
  INTERNAL: 500,
  IDP_UNAVAILABLE: 503,
  REVOCATIONS_UNAVAILABLE: 503,
  IDENTITY_UNAVAILABLE: 503,
  POLICY_UNAVAILABLE: 503,
  APPROVALS_UNAVAILABLE: 503,
  BUS_UNAVAILABLE: 503,
  MASKING_FAILED: 502,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_TIMEOUT: 504,
  RESPONSE_TOO_LARGE: 502,
  RESPONSE_NOT_MASKABLE: 502,
  TOOL_DEFINITION_CHANGED: 403,
};

/**
 * Writes `{"error":{code,message,reasons,policyMessage?,requestId}}`; 401s carry an RFC 6750
 * challenge. `policyMessage` is policy's own sentence about the decision behind `reasons`.
 */
export function writeRefusal(res: ServerResponse, refusal: Refusal, requestId: string | undefined, extraHeaders: Record<string, string> = {}): number {
  const status = STATUS[refusal.code];
  const { code, message, reasons, policyMessage } = refusal;
  const body = JSON.stringify({ error: { code, message, reasons, ...(policyMessage ? { policyMessage } : {}), ...(requestId ? { requestId } : {}) } });
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extraHeaders,
  };
  if (requestId) headers['x-portcullis-request-id'] = requestId;
  if (refusal.retryAfterSeconds !== undefined) headers['retry-after'] = String(refusal.retryAfterSeconds);
  if (status === 401) {
    headers['www-authenticate'] = refusal.code === 'TOKEN_MISSING' ? 'Bearer realm="portcullis"' : `Bearer realm="portcullis", error="invalid_token", error_description="${refusal.code}"`;
  }
  // The rest of a body too slow to wait for is never read: the connection cannot carry another request.
  if (refusal.code === 'REQUEST_TIMEOUT') headers.connection = 'close';
  if (!res.headersSent) res.writeHead(status, headers);
  res.end(body);
  if (refusal.code === 'REQUEST_TIMEOUT') res.once('finish', () => res.socket?.destroySoon());
  return status;
}
