import { authorizeCaller, PEERS } from '@portcullis/service-kit';
import { describe, expect, it } from 'vitest';
import { APPROVALS_CALLERS } from './approvals.callers.js';

describe('APPROVALS_CALLERS', () => {
  it.each(['createHold', 'getHold', 'reportRelease'] as const)('lets only ingress call %s', (method) => {
    const allowed = PEERS.filter((peer) => authorizeCaller(method, APPROVALS_CALLERS[method], peer).ok);
    expect(allowed).toEqual(['ingress']);
  });

  it("leaves approvers' methods to any peer (the bearer token decides)", () => {
    for (const method of ['listHolds', 'approve', 'deny', 'listGrants', 'revokeGrant'] as const) expect(APPROVALS_CALLERS[method]).toBe('any-peer');
  });
});
