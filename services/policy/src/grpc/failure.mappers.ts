import * as grpc from '@grpc/grpc-js';
import { pgErrorKind } from '@portcullis/db';
import { formatProblem, type Problem } from '@portcullis/policy-language';
import { policyV1 } from '@portcullis/proto-gen';
import { grpcError } from '@portcullis/service-kit';
import type { Failure, FailureCode } from '../domain/index.js';

// The one place where outcomes become gRPC statuses. The reason code travels in
// `portcullis-reason` metadata so clients branch on it, not on the message.
const STATUS: Record<FailureCode, grpc.status> = {
  INVALID_NAME: grpc.status.INVALID_ARGUMENT,
  CONFIG_DOCUMENT: grpc.status.FAILED_PRECONDITION,
  DOCUMENT_TOO_LARGE: grpc.status.INVALID_ARGUMENT,
  DOCUMENT_NOT_FOUND: grpc.status.NOT_FOUND,
  POLICY_INVALID: grpc.status.INVALID_ARGUMENT,
  VERSION_CONFLICT: grpc.status.ABORTED,
  INVALID_REQUEST: grpc.status.INVALID_ARGUMENT,
};

/** Trailer carrying a POLICY_INVALID refusal's problems as an encoded policy.v1.PolicyProblems. */
export const PROBLEMS_TRAILER = 'portcullis-policy-problems-bin';

/** Problems listed in the status message itself, for clients that do not read the trailer. */
const PROBLEMS_IN_MESSAGE = 20;
/**
 * Bytes of encoded problems a trailer carries. HTTP/2 peers and proxies refuse header blocks
 * beyond a few tens of KiB (a call then fails with no status at all), so the trailer holds the
 * first problems that fit and says how many there are; CheckPolicy returns them all in a body.
 */
export const PROBLEMS_TRAILER_BYTES = 8 * 1024;

export function failureToGrpc(failure: Failure): grpc.ServiceError {
  const problems = failure.problems ?? [];
  const error = grpcError(STATUS[failure.code], failure.code, problems.length > 0 ? withProblems(failure.message, problems) : failure.message);
  if (problems.length > 0) error.metadata.set(PROBLEMS_TRAILER, Buffer.from(policyV1.PolicyProblems.encode(problemsThatFit(problems)).finish()));
  return error;
}

function problemsThatFit(problems: readonly Problem[]): policyV1.PolicyProblems {
  const fitting: policyV1.Problem[] = [];
  let bytes = 0;
  for (const problem of problems) {
    const proto = problemToProto(problem);
    bytes += policyV1.Problem.encode(proto).finish().length + 3;
    if (bytes > PROBLEMS_TRAILER_BYTES) break;
    fitting.push(proto);
  }
  return { problems: fitting, total: problems.length };
}

export function problemToProto(problem: Problem): policyV1.Problem {
  return { source: problem.source, line: problem.line, column: problem.column, path: problem.path, message: problem.message };
}

/** An unexpected error: PostgreSQL down is UNAVAILABLE (retryable); anything else stays unexpected. */
export function unexpectedToGrpc(err: unknown): unknown {
  return pgErrorKind(err) === 'unavailable' ? grpcError(grpc.status.UNAVAILABLE, 'DATABASE_UNAVAILABLE', 'policy database unavailable') : err;
}

function withProblems(message: string, problems: readonly Problem[]): string {
  // Each line bounded too: a message is a header as well.
  const shown = problems.slice(0, PROBLEMS_IN_MESSAGE).map((p) => clip(formatProblem(p), 300));
  const more = problems.length > shown.length ? [`… and ${problems.length - shown.length} more`] : [];
  return [message, ...shown, ...more].join('\n');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
