import * as grpc from '@grpc/grpc-js';
import { maskingV1 } from '@portcullis/proto-gen';
import { grpcError, unary, type GrpcServiceBinding, type Logger } from '@portcullis/service-kit';
import type { Masker, MaskOutcome } from '../domain/profiles.js';
import { MASKING_CALLERS } from './masking.callers.js';

const STATUS: Record<Extract<MaskOutcome, { ok: false }>['code'], grpc.status> = {
  UNKNOWN_PROFILE: grpc.status.NOT_FOUND,
  UNSUPPORTED_CONTENT_TYPE: grpc.status.INVALID_ARGUMENT,
  UNSUPPORTED_ENCODING: grpc.status.INVALID_ARGUMENT,
  INVALID_JSON: grpc.status.INVALID_ARGUMENT,
  INVALID_ENCODING: grpc.status.INVALID_ARGUMENT,
  TOO_LARGE: grpc.status.RESOURCE_EXHAUSTED,
  MASKING_FAILED: grpc.status.INTERNAL,
};

export function maskingHandler(masker: Masker, logger: Logger): GrpcServiceBinding {
  const implementation: maskingV1.MaskingServiceServer = {
    mask: unary(async (request: maskingV1.MaskRequest) => {
      const outcome = masker.mask(request.profile, request.contentType, request.body);
      if (!outcome.ok) {
        logger.info({ profile: request.profile, contentType: request.contentType, bytes: request.body.length, code: outcome.code }, 'masking refused');
        throw grpcError(STATUS[outcome.code], outcome.code, outcome.message);
      }
      return { body: outcome.body, findings: { ...outcome.findings } };
    }, (err) => logger.error({ err }, 'mask failed')),
    getProfiles: unary(async () => ({
      profiles: masker.list().map((p) => ({ name: p.name, detectors: [...p.detectors], fields: [...p.fields], columns: [...p.columns], styles: { ...p.styles }, fieldStyles: { ...p.fieldStyles } })),
    }), (err) => logger.error({ err }, 'getProfiles failed')),
  };
  return { definition: maskingV1.MaskingServiceService, implementation, callers: MASKING_CALLERS };
}
