import * as grpc from '@grpc/grpc-js';
import { auditV1 } from '@portcullis/proto-gen';
import { grpcError, unary, type GrpcServiceBinding, type Logger } from '@portcullis/service-kit';
import type { AuditLog } from '../audit-log.service.js';
import { requestIdProblem } from '../domain/index.js';
import { recordToProto, verdictToProto } from '../event.mappers.js';
import type { ReaderGuard } from './reader.guard.js';
import { AUDIT_CALLERS } from './audit.callers.js';

/** gRPC face of the log: read one request's records, verify the whole chain. Readers only. */
export function auditHandler(log: AuditLog, guard: ReaderGuard, logger: Logger): GrpcServiceBinding {
  const onUnexpected = (err: unknown) => logger.error({ err }, 'audit call failed');
  const implementation: auditV1.AuditServiceServer = {
    listEvents: unary(async (request: auditV1.ListEventsRequest, call) => {
      const principal = await guard(call.metadata, 'ListEvents');
      if (request.sessionId !== '') {
        if (request.requestId !== '') throw grpcError(grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST_ID', 'name a request_id or a session_id, not both');
        const problem = requestIdProblem(request.sessionId, 'session_id');
        if (problem) throw grpcError(grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST_ID', problem);
        const rows = await log.listSession(request.sessionId);
        logger.info({ principal: principal.subject, sessionId: request.sessionId, records: rows.length }, 'audit events read');
        return { records: rows.map(recordToProto) };
      }
      const problem = requestIdProblem(request.requestId);
      if (problem) throw grpcError(grpc.status.INVALID_ARGUMENT, 'INVALID_REQUEST_ID', problem);
      const rows = await log.list(request.requestId);
      logger.info({ principal: principal.subject, requestId: request.requestId, records: rows.length }, 'audit events read');
      return { records: rows.map(recordToProto) };
    }, onUnexpected),

    verifyChain: unary(async (_request: auditV1.VerifyChainRequest, call) => {
      const principal = await guard(call.metadata, 'VerifyChain');
      const verdict = await log.verify();
      const fields = { principal: principal.subject, ok: verdict.ok, records: verdict.records, firstBadSeq: String(verdict.firstBadSeq) };
      if (verdict.ok) logger.info(fields, 'audit chain verified');
      else logger.error({ ...fields, problem: verdict.message }, 'audit chain does not verify');
      return verdictToProto(verdict);
    }, onUnexpected),
  };
  return { definition: auditV1.AuditServiceService, implementation, callers: AUDIT_CALLERS };
}
