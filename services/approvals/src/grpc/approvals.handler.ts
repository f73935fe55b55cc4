import type * as grpc from '@grpc/grpc-js';
import type { VerifyOutcome } from '@portcullis/identity-client';
import { approvalsV1 } from '@portcullis/proto-gen';
import { bearerFromMetadata, unary, type GrpcServiceBinding, type Logger } from '@portcullis/service-kit';
import { holdListQuery, type Actor, type Result } from '../domain/index.js';
import type { GrantService } from '../grants.service.js';
import type { HoldService } from '../holds.service.js';
import { grantToProto, holdToProto, newHoldFromProto } from '../hold.mappers.js';
import { failureToGrpc, unauthenticated, unexpectedToGrpc } from './failure.mappers.js';
import { APPROVALS_CALLERS } from './approvals.callers.js';

/** Verifies an approver's bearer token (the identity service, or a table in tests). */
export type Authenticate = (token: string) => Promise<VerifyOutcome>;

/**
 * gRPC face of the approvals service. CreateHold, GetHold, ReportRelease and CancelHold serve the gateway; ListHolds,
 * Approve, Deny, ListGrants and RevokeGrant act for the approver named by the bearer token in
 * `authorization` metadata.
 */
export function approvalsHandler(holds: HoldService, grants: GrantService, authenticate: Authenticate, logger: Logger): GrpcServiceBinding {
  const handle = <Req, Res>(handler: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>) =>
    unary<Req, Res>(
      (request, call) => handler(request, call).catch((err: unknown) => Promise.reject(unexpectedToGrpc(err))),
      (err) => logger.error({ err }, 'approvals call failed'),
    );

  const actorOf = async (metadata: grpc.Metadata): Promise<Actor> => {
    const token = bearerFromMetadata(metadata);
    if (!token) throw unauthenticated('TOKEN_MISSING', 'authorization: Bearer <token> metadata is required');
    const outcome = await authenticate(token);
    if (!outcome.ok) throw unauthenticated(outcome.code, outcome.message);
    return { issuer: outcome.principal.issuer, subject: outcome.principal.subject, groups: outcome.principal.groups };
  };

  const implementation: approvalsV1.ApprovalsServiceServer = {
    createHold: handle(async (request: approvalsV1.CreateHoldRequest) => {
      const draft = valueOf(newHoldFromProto(request));
      return { hold: holdToProto(valueOf(await holds.create(draft))) };
    }),
    getHold: handle(async (request: approvalsV1.GetHoldRequest) => ({ hold: holdToProto(valueOf(await holds.get(request.id))) })),
    listHolds: handle(async (request: approvalsV1.ListHoldsRequest, call) => {
      const actor = await actorOf(call.metadata);
      const page = await holds.listFor(actor, valueOf(holdListQuery(request)));
      return { holds: page.holds.map(holdToProto), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
    }),
    approve: handle(async (request: approvalsV1.ApproveRequest, call) => {
      const actor = await actorOf(call.metadata);
      return { hold: holdToProto(valueOf(await holds.resolve(request.id, actor, { kind: 'approve' }))) };
    }),
    deny: handle(async (request: approvalsV1.DenyRequest, call) => {
      const actor = await actorOf(call.metadata);
      return { hold: holdToProto(valueOf(await holds.resolve(request.id, actor, { kind: 'deny', reason: request.reason }))) };
    }),
    listGrants: handle(async (request: approvalsV1.ListGrantsRequest, call) => {
      const actor = await actorOf(call.metadata);
      return { grants: (await grants.listFor(actor, request.includeInactive)).map(grantToProto) };
    }),
    reportRelease: handle(async (request: approvalsV1.ReportReleaseRequest) => {
      const release = request.forwarded ? { forwarded: true } : { forwarded: false, code: request.code, message: request.message };
      return { hold: holdToProto(valueOf(await holds.reportRelease(request.holdId, release))) };
    }),
    // The gateway's, like CreateHold and ReportRelease: it withdraws holds whose caller is gone.
    cancelHold: handle(async (request: approvalsV1.CancelHoldRequest) => ({ hold: holdToProto(valueOf(await holds.cancel(request.id, request.reason))) })),
    revokeGrant: handle(async (request: approvalsV1.RevokeGrantRequest, call) => {
      const actor = await actorOf(call.metadata);
      return { grant: grantToProto(valueOf(await grants.revoke(request.id, actor, request.reason))) };
    }),
  };
  return { definition: approvalsV1.ApprovalsServiceService, implementation, callers: APPROVALS_CALLERS };
}

function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw failureToGrpc(result.failure);
  return result.value;
}
