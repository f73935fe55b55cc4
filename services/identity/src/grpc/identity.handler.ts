import * as grpc from '@grpc/grpc-js';
import {
  bearerGuard,
  MAX_REVOCATION_REASON,
  revocationToProto,
  selectorFromProto,
  type BearerGuard,
  type CredentialType,
  type VerifyOutcome as ClientOutcome,
} from '@portcullis/identity-client';
import { identityV1 } from '@portcullis/proto-gen';
import { authorizeCaller, callerOf, grpcError, unary, type GrpcServiceBinding, type Logger } from '@portcullis/service-kit';
import type { Authenticator, VerifyOutcome } from '../domain/index.js';
import type { RevocationService } from '../revocations.service.js';
import { verifyResponseToProto } from '../verify.mappers.js';
import { IDENTITY_CALLERS, CONTINUING_CALLERS } from './identity.callers.js';

/** Longest automatic lift a revocation may ask for (a year): longer is "until unrevoked". */
const MAX_REVOCATION_DURATION_MS = 366 * 24 * 3_600_000;

/**
 * Verify answers every credential with a principal or a failure value; only a bug becomes a gRPC
 * error. Revoke, Unrevoke and ListRevocations need a bearer token of an identity admin group,
 * verified here by the same authenticator (a revoked admin cannot revoke).
 */
export function identityHandler(authenticator: Authenticator, revocations: RevocationService, adminGroups: readonly string[], logger: Logger): GrpcServiceBinding {
  const admins = new Set(adminGroups);
  const guard: BearerGuard = bearerGuard((token) => authenticator.verify(token, 'jwt', false).then(toClientOutcome), {
    allows: (principal) => principal.groups.some((group) => admins.has(group)),
    deniedCode: 'NOT_IDENTITY_ADMIN',
    deniedMessage: (principal) => `${principal.subject} is not in an identity admin group (${adminGroups.length === 0 ? 'none is configured' : adminGroups.join(', ')})`,
    refusedLog: 'identity admin call refused',
    logger,
  });
  const onUnexpected = (what: string) => (err: unknown) =>
    // Name and message only: never the enumerable fields an error may carry (jose's carry claims).
    logger.error({ err: { type: (err as Error).name, message: (err as Error).message, stack: (err as Error).stack } }, `${what} failed`);

  const implementation: identityV1.IdentityServiceServer = {
    verify: unary(async (request: identityV1.VerifyRequest, call: grpc.ServerUnaryCall<identityV1.VerifyRequest, identityV1.VerifyResponse>) => {
      const type: CredentialType = request.type === identityV1.CredentialType.CREDENTIAL_TYPE_SAML ? 'saml' : 'jwt';
      if (request.continuing) {
        // Checked but not consumed: only the gateway, which opened the session, may ask this.
        const verdict = authorizeCaller('IdentityService/Verify with continuing', CONTINUING_CALLERS, callerOf(call));
        if (!verdict.ok) {
          logger.warn({ caller: callerOf(call) ?? 'unidentified', reason: verdict.code }, 'continuing verification refused');
          throw grpcError(grpc.status.PERMISSION_DENIED, verdict.code, verdict.message);
        }
      }
      const outcome = await authenticator.verify(request.token, type, request.continuing);
      logOutcome(logger, outcome, type, requestIdOf(call.metadata));
      return verifyResponseToProto(outcome);
    }, onUnexpected('verify')),

    revoke: unary(async (request: identityV1.RevokeRequest, call: grpc.ServerUnaryCall<identityV1.RevokeRequest, identityV1.RevokeResponse>) => {
      const admin = await guard(call.metadata, 'Revoke');
      const selector = selectorOrThrow(request.selector);
      const reason = request.reason.trim();
      if (reason.length > MAX_REVOCATION_REASON) throw grpcError(grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST', `the reason is longer than ${MAX_REVOCATION_REASON} characters`);
      let durationMs: number | undefined;
      if (request.duration) {
        durationMs = Number(request.duration.seconds) * 1000 + Math.floor(request.duration.nanos / 1e6);
        if (selector.kind === 'token_id') throw grpcError(grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST', 'a token-id revocation lasts until the token has expired; it takes no duration');
        if (!(durationMs > 0 && durationMs <= MAX_REVOCATION_DURATION_MS)) throw grpcError(grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST', 'the duration must be positive and at most a year');
      }
      const stored = await revocations.revoke({ selector, reason: reason === '' ? 'no reason given' : reason, revokedBy: `${admin.issuer} ${admin.subject}`, ...(durationMs === undefined ? {} : { durationMs }) });
      return { revocation: revocationToProto(stored.revocation), created: stored.created };
    }, onUnexpected('revoke')),

    unrevoke: unary(async (request: identityV1.UnrevokeRequest, call: grpc.ServerUnaryCall<identityV1.UnrevokeRequest, identityV1.UnrevokeResponse>) => {
      const admin = await guard(call.metadata, 'Unrevoke');
      const selector = selectorOrThrow(request.selector);
      return { removed: await revocations.unrevoke(selector, `${admin.issuer} ${admin.subject}`) };
    }, onUnexpected('unrevoke')),

    listRevocations: unary(async (_request: identityV1.ListRevocationsRequest, call: grpc.ServerUnaryCall<identityV1.ListRevocationsRequest, identityV1.ListRevocationsResponse>) => {
      await guard(call.metadata, 'ListRevocations');
      return { revocations: (await revocations.list()).map(revocationToProto) };
    }, onUnexpected('list revocations')),
  };
  return { definition: identityV1.IdentityServiceService, implementation, callers: IDENTITY_CALLERS };
}

function selectorOrThrow(selector: identityV1.RevocationSelector | undefined) {
  const parsed = selectorFromProto(selector);
  if (!parsed) throw grpcError(grpc.status.INVALID_ARGUMENT, 'BAD_REQUEST', 'name exactly one of subject, client id or token id, with a non-empty value of at most 512 characters');
  return parsed;
}

/** The domain outcome in the shape the shared bearer guard reads. */
function toClientOutcome(outcome: VerifyOutcome): ClientOutcome {
  return outcome.ok ? { ok: true, principal: outcome.principal } : { ok: false, code: outcome.failure.code, message: outcome.failure.message };
}

/** One line per verification. Never the token, and no claim values beyond sub and client_id. */
function logOutcome(logger: Logger, outcome: VerifyOutcome, type: CredentialType, requestId: string | undefined): void {
  if (outcome.ok) {
    const { subject, clientId, issuer } = outcome.principal;
    // The size only: the claims may be large, and what they say is not the log's to keep.
    if (outcome.droppedClaimsBytes !== undefined) {
      logger.warn({ requestId, principal: subject, clientId, issuer, type, claimsBytes: outcome.droppedClaimsBytes }, 'token claims too large to carry; the principal has none');
    } else logger.debug({ requestId, principal: subject, clientId, issuer, type }, 'token verified');
    return;
  }
  const { code, issuer, detail } = outcome.failure;
  // An unreachable IdP is the operator's problem; every other refusal is the caller's.
  if (code === 'IDP_UNAVAILABLE') logger.warn({ requestId, code, issuer, type, detail }, 'token refused');
  else logger.info({ requestId, code, issuer, type, ...(code === 'REVOKED' ? { detail } : {}) }, 'token refused');
}

function requestIdOf(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get('x-request-id')[0];
  return typeof value === 'string' && value.length <= 128 ? value : undefined;
}

