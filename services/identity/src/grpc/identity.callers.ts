import type { identityV1 } from '@portcullis/proto-gen';
import type { CallerTable, Peer } from '@portcullis/service-kit';

/**
 * Who may call each identity method, by client certificate. Verify answers for the gateway and for
 * the services that check people's bearer tokens (approvers, policy admins, audit readers); the
 * CLI never verifies. Revocation management accepts any peer and then requires an identity
 * admin's bearer token.
 */
export const IDENTITY_CALLERS: CallerTable<identityV1.IdentityServiceServer> = {
  verify: ['ingress', 'approvals', 'policy', 'audit'],
  revoke: 'any-peer',
  unrevoke: 'any-peer',
  listRevocations: 'any-peer',
};

/**
 * Who may verify with `continuing`: only the gateway opens sessions, so only it may say a SAML
 * assertion continues one (checked but not consumed). Anyone else could otherwise replay an
 * assertion that opened a session without consuming anything.
 */
export const CONTINUING_CALLERS: readonly Peer[] = ['ingress'];
