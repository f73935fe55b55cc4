import type * as grpc from '@grpc/grpc-js';
import { bearerGuard, type Authenticate, type Principal } from '@portcullis/identity-client';
import type { Logger } from '@portcullis/service-kit';
import { isAuditReader } from '../domain/index.js';

export type { Authenticate } from '@portcullis/identity-client';

/** Resolves to the calling principal if it may read the audit log, else throws the gRPC status. */
export type ReaderGuard = (metadata: grpc.Metadata, call: string) => Promise<Principal>;

/**
 * Every audit call needs a bearer token of a principal in an audit reader group: UNAUTHENTICATED
 * (UNAVAILABLE if identity cannot be asked) without one, PERMISSION_DENIED (NOT_AUDIT_READER) for
 * anyone else.
 */
export function readerGuard(authenticate: Authenticate, readerGroups: readonly string[], logger: Logger): ReaderGuard {
  return bearerGuard(authenticate, {
    allows: (principal) => isAuditReader(principal.groups, readerGroups),
    deniedCode: 'NOT_AUDIT_READER',
    deniedMessage: (principal) => `${principal.subject} is not in an audit reader group`,
    refusedLog: 'audit read refused',
    logger,
  });
}
