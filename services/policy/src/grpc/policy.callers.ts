import type { policyV1 } from '@portcullis/proto-gen';
import type { CallerTable } from '@portcullis/service-kit';

/**
 * Who may call each policy method, by client certificate. Decide carries no person's token (the
 * gateway asks for its callers), so only ingress may ask; the management methods accept any peer
 * and then require a policy admin's bearer token.
 */
export const POLICY_CALLERS: CallerTable<policyV1.PolicyServiceServer> = {
  decide: ['ingress'],
  putPolicy: 'any-peer',
  checkPolicy: 'any-peer',
  deletePolicy: 'any-peer',
  listPolicies: 'any-peer',
  getPolicy: 'any-peer',
  listRevisions: 'any-peer',
  explain: 'any-peer',
};
