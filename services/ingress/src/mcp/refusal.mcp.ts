import type { Refusal, RefusalCode } from '../domain/refusal.js';
import { RPC, rpcError, rpcResult, type JsonRpcId, type JsonRpcResponse } from './jsonrpc.js';

/**
 * The one place gateway refusals become MCP errors. A request that never got to be decided (no or
 * bad token) is refused at the HTTP level (401 with a challenge); everything after that is a
 * JSON-RPC error, or for tools/call a tool error (isError: true) the model can read, as the MCP
 * specification asks for failures of a tool call.
 */
const CODE: Record<RefusalCode, number> = {
  TOKEN_MISSING: -32001,
  TOKEN_MALFORMED: -32001,
  SIGNATURE_INVALID: -32001,
  TOKEN_EXPIRED: -32001,
  TOKEN_NOT_YET_VALID: -32001,
  ISSUER_UNTRUSTED: -32001,
  AUDIENCE_MISMATCH: -32001,
  LIFETIME_TOO_LONG: -32001,
  CLAIM_INVALID: -32001,
  ALGORITHM_NOT_ALLOWED: -32001,
  TOKEN_TYPE_INVALID: -32001,
  TOKEN_HEADER_REFUSED: -32001,
  ASSERTION_INVALID: -32001,
  ASSERTION_REPLAYED: -32001,
  REVOKED: -32001,
  UNKNOWN_CONNECTION: RPC.INVALID_PARAMS,
  BAD_REQUEST: RPC.INVALID_PARAMS,
  REQUEST_TOO_LARGE: RPC.INVALID_REQUEST,
  URI_TOO_LONG: RPC.INVALID_REQUEST,
  REQUEST_TIMEOUT: RPC.INVALID_REQUEST,
  POLICY_DENIED: -32003,
  APPROVAL_DENIED: -32003,
  APPROVAL_EXPIRED: -32003,
  TOOL_DEFINITION_CHANGED: -32003,
  CALLER_GONE: -32800,
  REQUEST_CANCELLED: -32800,
  GATEWAY_SHUTTING_DOWN: RPC.SERVER_ERROR,
  GATEWAY_BUSY: RPC.SERVER_ERROR,
  LIMIT_EXCEEDED: RPC.SERVER_ERROR,
  INTERNAL: RPC.INTERNAL_ERROR,
  IDP_UNAVAILABLE: RPC.SERVER_ERROR,
  REVOCATIONS_UNAVAILABLE: RPC.SERVER_ERROR,
  IDENTITY_UNAVAILABLE: RPC.SERVER_ERROR,
  POLICY_UNAVAILABLE: RPC.SERVER_ERROR,
  APPROVALS_UNAVAILABLE: RPC.SERVER_ERROR,
  BUS_UNAVAILABLE: RPC.SERVER_ERROR,
  MASKING_FAILED: RPC.SERVER_ERROR,
  UPSTREAM_UNAVAILABLE: RPC.SERVER_ERROR,
  UPSTREAM_TIMEOUT: RPC.SERVER_ERROR,
  RESPONSE_TOO_LARGE: RPC.SERVER_ERROR,
  RESPONSE_NOT_MASKABLE: RPC.SERVER_ERROR,
};

export interface RefusalInfo {
  readonly requestId?: string;
  readonly holdId?: string;
}

/** The machine-readable refusal, in `error.data` or the tool result's `_meta`. */
export function refusalData(refusal: Refusal, info: RefusalInfo, connection?: string) {
  return {
    code: refusal.code,
    reasons: refusal.reasons,
    ...(refusal.policyMessage ? { policyMessage: refusal.policyMessage } : {}),
    ...(connection ? { connection } : {}),
    ...(info.requestId ? { requestId: info.requestId } : {}),
    ...(info.holdId ? { holdId: info.holdId } : {}),
  };
}

/** One sentence for a person or a model: what happened, why (the rules), and the ids to quote. */
export function refusalText(refusal: Refusal, info: RefusalInfo, connection?: string): string {
  const parts = [`Portcullis refused this request: ${refusal.message} (${refusal.code}).`];
  if (refusal.policyMessage) parts.push(`Policy: ${refusal.policyMessage}.`);
  if (refusal.reasons.length > 0) parts.push(`Rules: ${refusal.reasons.join(', ')}.`);
  if (connection) parts.push(`Connection: ${connection}.`);
  if (info.requestId) parts.push(`Request id: ${info.requestId}.`);
  if (info.holdId) parts.push(`Hold id: ${info.holdId}.`);
  return parts.join(' ');
}

/**
 * Whether a refusal of a tools/call is told as a tool error (a decision, an upstream failure) rather
 * than a JSON-RPC error. A limit is about the caller's traffic, not the tool: a JSON-RPC error (with
 * HTTP 429 and Retry-After where the answer is still a plain response, `httpStatusFor`).
 */
function toolError(code: RefusalCode): boolean {
  return code !== 'BAD_REQUEST' && code !== 'REQUEST_TOO_LARGE' && code !== 'CALLER_GONE' && code !== 'REQUEST_CANCELLED' && code !== 'LIMIT_EXCEEDED';
}

/** The HTTP status and headers a refusal's answer carries when it is the whole answer (not an SSE event). */
export function httpAnswerFor(refusal: Refusal): { readonly status: number; readonly headers: Readonly<Record<string, string>> } | undefined {
  if (refusal.code !== 'LIMIT_EXCEEDED') return undefined;
  return { status: 429, headers: refusal.retryAfterSeconds !== undefined ? { 'retry-after': String(refusal.retryAfterSeconds) } : {} };
}

/** The response refusing request `id` of `method`. */
export function refusalResponse(id: JsonRpcId, method: string, refusal: Refusal, info: RefusalInfo, connection?: string): JsonRpcResponse {
  const data = refusalData(refusal, info, connection);
  if (method === 'tools/call' && toolError(refusal.code)) {
    return rpcResult(id, { content: [{ type: 'text', text: refusalText(refusal, info, connection) }], isError: true, _meta: { 'dev.portcullis/refusal': data } });
  }
  return rpcError(id, CODE[refusal.code], refusalText(refusal, info, connection), data);
}

export function rpcCodeFor(code: RefusalCode): number {
  return CODE[code];
}
