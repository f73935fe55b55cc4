import * as grpc from '@grpc/grpc-js';
import { pgErrorKind } from '@portcullis/db';
import { grpcError } from '@portcullis/service-kit';
import type { Failure, FailureCode } from '../domain/index.js';

// The one place where outcomes become gRPC statuses. The reason code travels in
// `portcullis-reason` metadata so clients branch on it, not on the message.
const STATUS: Record<FailureCode, grpc.status> = {
  INVALID_HOLD: grpc.status.INVALID_ARGUMENT,
  INVALID_ID: grpc.status.INVALID_ARGUMENT,
  REASON_REQUIRED: grpc.status.INVALID_ARGUMENT,
  REASON_TOO_LONG: grpc.status.INVALID_ARGUMENT,
  HOLD_NOT_FOUND: grpc.status.NOT_FOUND,
  NOT_AN_APPROVER: grpc.status.PERMISSION_DENIED,
  SELF_APPROVAL: grpc.status.PERMISSION_DENIED,
  ALREADY_RESOLVED: grpc.status.FAILED_PRECONDITION,
  ALREADY_APPROVED: grpc.status.FAILED_PRECONDITION,
  HOLD_CONFLICT: grpc.status.ALREADY_EXISTS,
  EXPIRED: grpc.status.FAILED_PRECONDITION,
  GRANT_NOT_FOUND: grpc.status.NOT_FOUND,
  GRANT_INACTIVE: grpc.status.FAILED_PRECONDITION,
  NOT_RELEASED: grpc.status.FAILED_PRECONDITION,
  HOLD_CANCELLED: grpc.status.FAILED_PRECONDITION,
  INVALID_PAGE_TOKEN: grpc.status.INVALID_ARGUMENT,
  INVALID_FILTER: grpc.status.INVALID_ARGUMENT,
};

export function failureToGrpc(failure: Failure): grpc.ServiceError {
  return grpcError(STATUS[failure.code], failure.code, failure.message);
}

/**
 * A caller that could not be authenticated: TOKEN_MISSING, or the identity service's failure code
 * (TOKEN_EXPIRED, ISSUER_UNTRUSTED, ...). Identity being unreachable is not the caller's fault:
 * UNAVAILABLE, so clients retry; the call is refused either way (fail closed).
 */
export function unauthenticated(code: string, message: string): grpc.ServiceError {
  return grpcError(code === 'IDENTITY_UNAVAILABLE' ? grpc.status.UNAVAILABLE : grpc.status.UNAUTHENTICATED, code, message);
}

/** An unexpected error: PostgreSQL down is UNAVAILABLE (retryable); anything else stays unexpected. */
export function unexpectedToGrpc(err: unknown): unknown {
  return pgErrorKind(err) === 'unavailable' ? grpcError(grpc.status.UNAVAILABLE, 'DATABASE_UNAVAILABLE', 'approvals database unavailable') : err;
}
