import * as grpc from '@grpc/grpc-js';
import type { Principal, VerifyOutcome } from '@portcullis/identity-client';
import { bearerFromMetadata, grpcError, type Logger } from '@portcullis/service-kit';
import { isAuditReader } from '../domain/index.js';

/** Verifies a bearer token (the identity service in production, a table in tests). */
export type Authenticate = (token: string) => Promise<VerifyOutcome>;

/** Resolves to the calling principal if it may read the audit log, else throws the gRPC status. */
export type ReaderGuard = (metadata: grpc.Metadata, call: string) => Promise<Principal>;

/**
 * Every audit call needs a bearer token of a principal in an audit reader group.
 * No token or a refused token: UNAUTHENTICATED with the identity failure code as reason
 * (UNAVAILABLE when identity cannot be asked: closed, but retryable). Not a reader: PERMISSION_DENIED.
 */
export function readerGuard(authenticate: Authenticate, readerGroups: readonly string[], logger: Logger): ReaderGuard {
  return async (metadata, call) => {
    const token = bearerFromMetadata(metadata);
    if (!token) {
      logger.info({ call, reason: 'TOKEN_MISSING' }, 'audit read refused');
      throw grpcError(grpc.status.UNAUTHENTICATED, 'TOKEN_MISSING', 'a bearer token is required (authorization: Bearer <token>)');
    }
    const outcome = await authenticate(token);
    if (!outcome.ok) {
      logger.info({ call, reason: outcome.code }, 'audit read refused');
      const status = outcome.code === 'IDENTITY_UNAVAILABLE' ? grpc.status.UNAVAILABLE : grpc.status.UNAUTHENTICATED;
      throw grpcError(status, outcome.code, outcome.message);
    }
    const principal = outcome.principal;
    if (!isAuditReader(principal.groups, readerGroups)) {
      logger.warn({ call, principal: principal.subject, reason: 'NOT_AUDIT_READER' }, 'audit read refused');
      throw grpcError(grpc.status.PERMISSION_DENIED, 'NOT_AUDIT_READER', `${principal.subject} is not in an audit reader group`);
    }
    return principal;
  };
}
