import type * as grpc from '@grpc/grpc-js';
import type { BearerGuard } from '@portcullis/identity-client';
import { policyV1 } from '@portcullis/proto-gen';
import { unary, type GrpcServiceBinding, type Logger } from '@portcullis/service-kit';
import { fail, type ActivePolicy, type Result } from '../domain/index.js';
import { decideRequest, factsFromProto } from '../decision.mappers.js';
import { documentToProto, revisionToProto, versionFromProto } from '../document.mappers.js';
import { explanationToProto } from '../explain.mappers.js';
import type { Changed, PolicyStore } from '../policy-store.service.js';
import { failureToGrpc, problemToProto, unexpectedToGrpc } from './failure.mappers.js';
import { POLICY_CALLERS } from './policy.callers.js';

export interface PolicyHandlerOptions {
  readonly active: ActivePolicy;
  readonly store: PolicyStore;
  /** Admins only: every call but Decide. */
  readonly guard: BearerGuard;
  readonly instance: string;
  readonly logger: Logger;
  readonly now: () => Date;
}

const DEFAULT_REVISIONS = 50;

/**
 * gRPC face of the policy service: Decide (for tools and tests that ask "what would happen?"),
 * and the admins' API to change, read and explain the policy.
 */
export function policyHandler(options: PolicyHandlerOptions): GrpcServiceBinding {
  const { active, store, guard, instance, logger, now } = options;
  const handle = <Req, Res>(handler: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>) =>
    unary<Req, Res>(
      (request, call) => handler(request, call).catch((err: unknown) => Promise.reject(unexpectedToGrpc(err))),
      (err) => logger.error({ err }, 'policy call failed'),
    );

  const implementation: policyV1.PolicyServiceServer = {
    decide: handle(async (request: policyV1.DecideRequest) => ({ decision: decideRequest(active, request, instance, now()) })),

    putPolicy: handle(async (request: policyV1.PutPolicyRequest, call) => {
      const admin = await guard(call.metadata, 'PutPolicy');
      const expected = expectedVersion(request.expectedVersion);
      const result = expected.ok ? await store.put(request.name, request.text, admin.subject, expected.value) : expected;
      return changedToProto(refusedOrValue(result, { call: 'PutPolicy', principal: admin.subject, document: request.name }));
    }),

    checkPolicy: handle(async (request: policyV1.CheckPolicyRequest, call) => {
      const admin = await guard(call.metadata, 'CheckPolicy');
      const checked = refusedOrValue(await store.check(request.name, request.text), { call: 'CheckPolicy', principal: admin.subject, document: request.name });
      return { problems: checked.problems.map(problemToProto), rules: checked.rules };
    }),

    deletePolicy: handle(async (request: policyV1.DeletePolicyRequest, call) => {
      const admin = await guard(call.metadata, 'DeletePolicy');
      const expected = expectedVersion(request.expectedVersion);
      const result = expected.ok ? await store.delete(request.name, admin.subject, expected.value) : expected;
      return changedToProto(refusedOrValue(result, { call: 'DeletePolicy', principal: admin.subject, document: request.name }));
    }),

    listPolicies: handle(async (_request: policyV1.ListPoliciesRequest, call) => {
      await guard(call.metadata, 'ListPolicies');
      const { head, documents } = await store.list();
      const inForce = active.current;
      return {
        version: BigInt(head.version),
        digest: head.digest,
        documents: documents.map(documentToProto),
        rules: inForce.version === head.version ? inForce.compiled.ruleCount : 0,
      };
    }),

    getPolicy: handle(async (request: policyV1.GetPolicyRequest, call) => {
      const admin = await guard(call.metadata, 'GetPolicy');
      const doc = refusedOrValue(await store.get(request.name), { call: 'GetPolicy', principal: admin.subject, document: request.name });
      return { document: documentToProto(doc), text: doc.text };
    }),

    listRevisions: handle(async (request: policyV1.ListRevisionsRequest, call) => {
      await guard(call.metadata, 'ListRevisions');
      const before = request.beforeVersion === 0n ? undefined : versionFromProto(request.beforeVersion);
      const revisions = await store.revisions(request.limit || DEFAULT_REVISIONS, before);
      return { revisions: revisions.map(revisionToProto) };
    }),

    explain: handle(async (request: policyV1.ExplainRequest, call) => {
      const admin = await guard(call.metadata, 'Explain');
      const facts = factsFromProto(request.context, request.time ?? now());
      if (!facts.ok) throw failureToGrpc({ code: 'INVALID_REQUEST', message: `cannot explain this request: ${facts.reason.slice('error:'.length).replaceAll('-', ' ')}` });
      const policy = active.current;
      const explanation = policy.compiled.explain(facts.facts);
      logger.info({ principal: admin.subject, connection: facts.facts.connection, protocol: facts.facts.target.kind, effect: explanation.decision.effect, policyVersion: String(policy.version) }, 'policy explained');
      return explanationToProto(explanation, String(policy.version), instance);
    }),
  };
  return { definition: policyV1.PolicyServiceService, implementation, callers: POLICY_CALLERS };

  /** The value, or the refusal as its gRPC status (logged without the document's text). */
  function refusedOrValue<T>(result: Result<T>, fields: Record<string, string>): T {
    if (result.ok) return result.value;
    const { code, problems } = result.failure;
    logger.info({ ...fields, reason: code, ...(problems ? { problems: problems.length } : {}) }, 'policy call refused');
    throw failureToGrpc(result.failure);
  }
}

function expectedVersion(value: bigint | undefined): Result<number | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  const version = versionFromProto(value);
  return version === undefined ? fail('INVALID_REQUEST', `expected_version ${value} is not a version this store can have`) : { ok: true, value: version };
}

function changedToProto(changed: Changed): policyV1.PutPolicyResponse {
  return { revision: changed.revision ? revisionToProto(changed.revision) : undefined, version: BigInt(changed.version) };
}
