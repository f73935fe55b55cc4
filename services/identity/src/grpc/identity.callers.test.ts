import { authorizeCaller, PEERS } from '@portcullis/service-kit';
import { describe, expect, it } from 'vitest';
import { CONTINUING_CALLERS, IDENTITY_CALLERS } from './identity.callers.js';

const allowed = (callers: Parameters<typeof authorizeCaller>[1]) => PEERS.filter((peer) => authorizeCaller('m', callers, peer).ok);

describe('IDENTITY_CALLERS', () => {
  it('lets the services that verify tokens call Verify, never the CLI or masking', () => {
    expect(allowed(IDENTITY_CALLERS.verify)).toEqual(['policy', 'approvals', 'audit', 'ingress']);
  });

  it('lets only ingress verify with continuing (it alone opens sessions)', () => {
    expect(allowed(CONTINUING_CALLERS)).toEqual(['ingress']);
  });

  it('leaves revocation management to any peer with an admin token', () => {
    expect([IDENTITY_CALLERS.revoke, IDENTITY_CALLERS.unrevoke, IDENTITY_CALLERS.listRevocations]).toEqual(['any-peer', 'any-peer', 'any-peer']);
  });
});
