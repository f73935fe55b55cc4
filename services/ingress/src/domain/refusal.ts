import { VERIFY_FAILURE_CODES } from '@portcullis/identity-client';
import type { Decision } from './decision.js';

/**
 * Why the gateway did not (fully) serve a request: one list. Each protocol adapter maps every code
 * to its own error form (HTTP status + JSON, MCP error, PostgreSQL SQLSTATE) in one exhaustive table.
 */
export const REFUSAL_CODES = [
  // The caller: identity's token failures (and identity being unreachable), then our own
  'TOKEN_MISSING',
  ...VERIFY_FAILURE_CODES,
  'UNKNOWN_CONNECTION',
  'BAD_REQUEST',
  'REQUEST_TOO_LARGE',
  'URI_TOO_LONG',
  /** The caller sent its body slower than the minimum rate. */
  'REQUEST_TIMEOUT',
  // Decisions
  'POLICY_DENIED',
  'APPROVAL_DENIED',
  'APPROVAL_EXPIRED',
  'CALLER_GONE',
  'REQUEST_CANCELLED',
  'GATEWAY_SHUTTING_DOWN',
  'GATEWAY_BUSY',
  /** The caller has as many requests, held requests or buffered bytes in flight as its limits allow (limit:<kind> in reasons). */
  'LIMIT_EXCEEDED',
  'INTERNAL',
  // Parts of the gateway that could not answer: always fail closed
  'POLICY_UNAVAILABLE',
  'APPROVALS_UNAVAILABLE',
  'BUS_UNAVAILABLE',
  'MASKING_FAILED',
  // The target
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'RESPONSE_TOO_LARGE',
  'RESPONSE_NOT_MASKABLE',
  /** MCP: the upstream changed a pinned tool's definition; withheld until an admin re-approves it. */
  'TOOL_DEFINITION_CHANGED',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** Refusals that are a decision about the request (audited as denied); every other one is a failure. */
export const DENIALS: ReadonlySet<RefusalCode> = new Set(['POLICY_DENIED', 'APPROVAL_DENIED', 'APPROVAL_EXPIRED']);

export interface Refusal {
  readonly code: RefusalCode;
  /** For the caller: says what happened, never internal addresses or error texts. */
  readonly message: string;
  /** Rule ids and other stable reasons, e.g. ["rule:agents-never-delete-demo-http"]. */
  readonly reasons: readonly string[];
  /** Policy's sentence about the decision the reasons come from, when it gave one. */
  readonly policyMessage?: string;
  /** For the gateway's own log only (e.g. the underlying error); never sent to the caller. */
  readonly detail?: string;
  /** When trying again may succeed: how long to wait (HTTP and MCP send it as Retry-After). */
  readonly retryAfterSeconds?: number;
}

export function refusal(code: RefusalCode, message: string, reasons: readonly string[] = [], detail?: string): Refusal {
  return detail === undefined ? { code, message, reasons } : { code, message, reasons, detail };
}

/** A refusal of a request policy decided on: the decision's reasons and message go with it. */
export function refusalFor(decision: Decision, code: RefusalCode, message: string, detail?: string): Refusal {
  const reason = refusal(code, message, decision.reasons, detail);
  return decision.message === '' ? reason : { ...reason, policyMessage: decision.message };
}
