import { principalToProto } from '@portcullis/identity-client';
import type { identityV1 } from '@portcullis/proto-gen';
import type { VerifyOutcome } from './domain/index.js';

/** Domain outcome -> wire response. The operator-only `detail` stays behind. */
export function verifyResponseToProto(outcome: VerifyOutcome): identityV1.VerifyResponse {
  if (outcome.ok) return { result: { $case: 'principal', value: principalToProto(outcome.principal) } };
  return { result: { $case: 'failure', value: { code: outcome.failure.code, message: outcome.failure.message, issuer: outcome.failure.issuer ?? '' } } };
}
