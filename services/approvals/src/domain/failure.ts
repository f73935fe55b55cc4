/**
 * Every expected way an approvals call can fail. The gRPC adapter maps each code to a status in
 * one place; the code itself travels as the `portcullis-reason`.
 */
export type FailureCode =
  | 'INVALID_HOLD'
  | 'INVALID_ID'
  | 'REASON_REQUIRED'
  | 'REASON_TOO_LONG'
  | 'HOLD_NOT_FOUND'
  | 'NOT_AN_APPROVER'
  | 'SELF_APPROVAL'
  | 'ALREADY_RESOLVED'
  | 'ALREADY_APPROVED'
  | 'HOLD_CONFLICT'
  | 'EXPIRED'
  | 'GRANT_NOT_FOUND'
  | 'GRANT_INACTIVE'
  /** ReportRelease for a hold that was not released, or was reported already. */
  | 'NOT_RELEASED'
  /** Approve or Deny of a hold the gateway withdrew (its caller is gone): there is nothing to release. */
  | 'HOLD_CANCELLED'
  /** ListHolds with a page token it did not issue. */
  | 'INVALID_PAGE_TOKEN'
  /** ListHolds with a filter that cannot match anything stored (too long, control characters). */
  | 'INVALID_FILTER';

export interface Failure {
  readonly code: FailureCode;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: FailureCode, message: string): Result<T> => ({ ok: false, failure: { code, message } });
