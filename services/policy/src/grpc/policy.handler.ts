import { policyV1 } from '@portcullis/proto-gen';
import { unary, type GrpcServiceBinding, type Logger } from '@portcullis/service-kit';
import type { PolicyEngine } from '../domain/index.js';
import { decisionToProto, factsFromProto, refusal } from '../decision.mappers.js';

/** gRPC face of the same engine, for tools and tests that ask "what would happen?". */
export function policyHandler(engine: PolicyEngine, instance: string, logger: Logger): GrpcServiceBinding {
  const implementation: policyV1.PolicyServiceServer = {
    decide: unary(async (request: policyV1.DecideRequest) => {
      const facts = factsFromProto(request);
      return { decision: facts.ok ? decisionToProto(engine.decide(facts.facts), instance) : refusal(facts.reason, engine.version, instance) };
    }, (err) => logger.error({ err }, 'decide failed')),
  };
  return { definition: policyV1.PolicyServiceService, implementation };
}
