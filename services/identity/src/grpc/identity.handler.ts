import type * as grpc from '@grpc/grpc-js';
import { identityV1 } from '@portcullis/proto-gen';
import { unary, type GrpcServiceBinding, type Logger } from '@portcullis/service-kit';
import type { TokenVerifier, VerifyOutcome } from '../domain/index.js';
import { verifyResponseToProto } from '../verify.mappers.js';

/** Verify answers every token with a principal or a failure value; only a bug becomes a gRPC error. */
export function identityHandler(verifier: TokenVerifier, logger: Logger): GrpcServiceBinding {
  const implementation: identityV1.IdentityServiceServer = {
    verify: unary(
      async (request: identityV1.VerifyRequest, call: grpc.ServerUnaryCall<identityV1.VerifyRequest, identityV1.VerifyResponse>) => {
        const outcome = await verifier.verify(request.token);
        logOutcome(logger, outcome, requestIdOf(call.metadata));
        return verifyResponseToProto(outcome);
      },
      // Name and message only: never the enumerable fields an error may carry (jose's carry claims).
      (err) => logger.error({ err: { type: (err as Error).name, message: (err as Error).message, stack: (err as Error).stack } }, 'verify failed'),
    ),
  };
  return { definition: identityV1.IdentityServiceService, implementation };
}

/** One line per verification. Never the token, and no claim values beyond sub and client_id. */
function logOutcome(logger: Logger, outcome: VerifyOutcome, requestId: string | undefined): void {
  if (outcome.ok) {
    const { subject, clientId, issuer } = outcome.principal;
    // The size only: the claims may be large, and what they say is not the log's to keep.
    if (outcome.droppedClaimsBytes !== undefined) {
      logger.warn({ requestId, principal: subject, clientId, issuer, claimsBytes: outcome.droppedClaimsBytes }, 'token claims too large to carry; the principal has none');
    } else logger.debug({ requestId, principal: subject, clientId, issuer }, 'token verified');
    return;
  }
  const { code, issuer, detail } = outcome.failure;
  // An unreachable IdP is the operator's problem; every other refusal is the caller's.
  if (code === 'ISSUER_UNAVAILABLE') logger.warn({ requestId, code, issuer, detail }, 'token refused');
  else logger.info({ requestId, code, issuer }, 'token refused');
}

function requestIdOf(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('x-request-id')[0];
  return typeof value === 'string' && value.length <= 128 ? value : undefined;
}
