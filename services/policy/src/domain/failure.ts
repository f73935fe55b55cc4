import type { Problem } from '@portcullis/policy-language';

/**
 * Every expected way a policy management call can fail. The gRPC adapter maps each code to a
 * status in one place; the code itself travels as the `portcullis-reason`.
 */
export type FailureCode =
  | 'INVALID_NAME'
  | 'CONFIG_DOCUMENT'
  | 'DOCUMENT_TOO_LARGE'
  | 'DOCUMENT_NOT_FOUND'
  | 'POLICY_INVALID'
  | 'VERSION_CONFLICT'
  | 'INVALID_REQUEST';

export interface Failure {
  readonly code: FailureCode;
  readonly message: string;
  /** POLICY_INVALID: every problem of the set the change would have made. */
  readonly problems?: readonly Problem[];
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly failure: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: FailureCode, message: string, problems?: readonly Problem[]): Result<T> => ({ ok: false, failure: { code, message, ...(problems ? { problems } : {}) } });
