import * as grpc from '@grpc/grpc-js';
import { bearerFromMetadata, grpcError, type Logger } from '@portcullis/service-kit';
import type { Principal, VerifyOutcome } from './identity-client.js';

/** Verifies a bearer token (the identity service in production, a table in tests). */
export type Authenticate = (token: string) => Promise<VerifyOutcome>;

/** Resolves to the calling principal if it may make `call`, else throws the gRPC status. */
export type BearerGuard = (metadata: grpc.Metadata, call: string) => Promise<Principal>;

export interface BearerGuardOptions {
  /** Whether a verified principal may make the calls this guard protects (its groups decide). */
  readonly allows: (principal: Principal) => boolean;
  /** The reason code of a verified principal that may not, e.g. NOT_AUDIT_READER. */
  readonly deniedCode: string;
  /** What the caller is told then, e.g. "<subject> is not in an audit reader group". */
  readonly deniedMessage: (principal: Principal) => string;
  /** The log line of every refusal, e.g. "audit read refused". */
  readonly refusedLog: string;
  readonly logger: Logger;
}

/**
 * The guard of a gRPC API for people and tools with a bearer token in `authorization` metadata.
 * No token or a refused token: UNAUTHENTICATED with the identity failure code as reason
 * (UNAVAILABLE when identity cannot be asked: closed, but retryable). Verified but not allowed:
 * PERMISSION_DENIED. The token itself is never logged.
 */
export function bearerGuard(authenticate: Authenticate, options: BearerGuardOptions): BearerGuard {
  const { logger, refusedLog } = options;
  return async (metadata, call) => {
    const token = bearerFromMetadata(metadata);
    if (!token) {
      logger.info({ call, reason: 'TOKEN_MISSING' }, refusedLog);
      throw grpcError(grpc.status.UNAUTHENTICATED, 'TOKEN_MISSING', 'a bearer token is required (authorization: Bearer <token>)');
    }
    const outcome = await authenticate(token);
    if (!outcome.ok) {
      logger.info({ call, reason: outcome.code }, refusedLog);
      const status = outcome.code === 'IDENTITY_UNAVAILABLE' ? grpc.status.UNAVAILABLE : grpc.status.UNAUTHENTICATED;
      throw grpcError(status, outcome.code, outcome.message);
    }
    const principal = outcome.principal;
    if (!options.allows(principal)) {
      logger.warn({ call, principal: principal.subject, reason: options.deniedCode }, refusedLog);
      throw grpcError(grpc.status.PERMISSION_DENIED, options.deniedCode, options.deniedMessage(principal));
    }
    return principal;
  };
}
