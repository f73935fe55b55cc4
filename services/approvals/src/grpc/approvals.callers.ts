import type { approvalsV1 } from '@portcullis/proto-gen';
import type { CallerTable } from '@portcullis/service-kit';

/**
 * Who may call each approvals method, by client certificate. The hold lifecycle serves the
 * gateway alone: only ingress may create a hold, read it back, cancel it (its caller left) or
 * report its release. Approvers' methods accept any peer of
 * the deployment (the CLI, a bot) and then act for the person named by the bearer token.
 */
export const APPROVALS_CALLERS: CallerTable<approvalsV1.ApprovalsServiceServer> = {
  createHold: ['ingress'],
  getHold: ['ingress'],
  cancelHold: ['ingress'],
  reportRelease: ['ingress'],
  listHolds: 'any-peer',
  approve: 'any-peer',
  deny: 'any-peer',
  listGrants: 'any-peer',
  revokeGrant: 'any-peer',
};
