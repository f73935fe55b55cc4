import { describe, expect, it } from 'vitest';
import type { Principal } from '@portcullis/identity-client';
import { limitsResolver, PrincipalLimiter, type Limits } from './principal-limits.js';

const LIMITS: Limits = { concurrentRequests: 2, pendingHolds: 1, bufferedBodyBytes: 100, retryAfterSeconds: 3 };
const principal = (subject: string, more: Partial<Principal> = {}): Principal =>
  ({ subject, issuer: 'http://idp', clientId: subject, groups: [], scopes: [], kind: 'machine', claimsJson: '{}', expiresAt: new Date(8.64e15), ...more }) as Principal;

describe('PrincipalLimiter', () => {
  it('admits up to the concurrent limit per principal, refuses the next naming the limit, and admits again after a release', () => {
    const limiter = new PrincipalLimiter(() => LIMITS);
    const a = principal('a');
    const first = limiter.admit(a);
    const second = limiter.admit(a);
    expect(first.ok && second.ok).toBe(true);
    const third = limiter.admit(a);
    expect(third).toEqual({ ok: false, refusal: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining('2 requests in flight'), reasons: ['limit:concurrent_requests'], retryAfterSeconds: 3 } });
    // Another principal, and the same subject of another issuer, are counted apart.
    expect(limiter.admit(principal('b')).ok).toBe(true);
    expect(limiter.admit(principal('a', { issuer: 'http://other' })).ok).toBe(true);
    if (first.ok) first.ticket.release();
    expect(limiter.admit(a).ok).toBe(true);
  });

  it('gives a request\'s body bytes back early (releaseBody), once, keeping its slot', () => {
    const limiter = new PrincipalLimiter(() => LIMITS);
    const a = principal('a');
    const admitted = limiter.admit(a);
    if (!admitted.ok) throw new Error('refused');
    expect(admitted.ticket.reserveBody(90)).toBeUndefined();
    expect(admitted.ticket.reserveBody(20)).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    admitted.ticket.releaseBody();
    admitted.ticket.releaseBody();
    expect(limiter.inUse(a)).toEqual({ requests: 1, holds: 0, bytes: 0 });
    // Another request of the principal can use them now.
    const other = limiter.admit(a);
    expect(other.ok && other.ticket.reserveBody(100)).toBeUndefined();
    admitted.ticket.release();
    expect(limiter.inUse(a)).toEqual({ requests: 1, holds: 0, bytes: 100 });
  });

  it('releases once however often release is called, and forgets idle principals', () => {
    const limiter = new PrincipalLimiter(() => LIMITS);
    const a = principal('a');
    const admitted = limiter.admit(a);
    if (!admitted.ok) throw new Error('refused');
    admitted.ticket.reserveBody(40);
    admitted.ticket.hold();
    expect(limiter.inUse(a)).toEqual({ requests: 1, holds: 1, bytes: 40 });
    admitted.ticket.release();
    admitted.ticket.release();
    expect(limiter.inUse(a)).toEqual({ requests: 0, holds: 0, bytes: 0 });
    expect(limiter.active).toBe(0);
    // A refused admission leaves nothing behind either.
    const full = new PrincipalLimiter(() => ({ ...LIMITS, concurrentRequests: 1 }));
    const only = full.admit(a);
    expect(full.admit(a).ok).toBe(false);
    if (only.ok) only.ticket.release();
    expect(full.active).toBe(0);
  });

  it('bounds the bytes all requests of a principal keep, together', () => {
    const limiter = new PrincipalLimiter(() => LIMITS);
    const a = principal('a');
    const one = limiter.admit(a);
    const two = limiter.admit(a);
    if (!one.ok || !two.ok) throw new Error('refused');
    expect(one.ticket.reserveBody(60)).toBeUndefined();
    expect(two.ticket.reserveBody(41)).toMatchObject({ code: 'LIMIT_EXCEEDED', reasons: ['limit:buffered_body_bytes'], retryAfterSeconds: 3 });
    expect(two.ticket.reserveBody(40)).toBeUndefined();
    expect(limiter.inUse(a).bytes).toBe(100);
    one.ticket.release();
    expect(limiter.inUse(a).bytes).toBe(40);
    expect(two.ticket.reserveBody(60)).toBeUndefined();
  });

  it('bounds pending holds; unhold gives the slot back', () => {
    const limiter = new PrincipalLimiter(() => LIMITS);
    const a = principal('a');
    const one = limiter.admit(a);
    const two = limiter.admit(a);
    if (!one.ok || !two.ok) throw new Error('refused');
    expect(one.ticket.hold()).toBeUndefined();
    expect(two.ticket.hold()).toMatchObject({ code: 'LIMIT_EXCEEDED', reasons: ['limit:pending_holds'], message: expect.stringContaining('1 requests waiting for approval') });
    one.ticket.unhold();
    expect(two.ticket.hold()).toBeUndefined();
    expect(limiter.inUse(a).holds).toBe(1);
    two.ticket.release();
    one.ticket.release();
    expect(limiter.active).toBe(0);
  });
});

describe('limitsResolver', () => {
  it('applies the first override naming the client or a group, keeping defaults for what it leaves out', () => {
    const resolve = limitsResolver(LIMITS, [{ clientId: 'batch-client', concurrentRequests: 50 }, { group: 'bulk', pendingHolds: 9 }, { group: 'bulk', pendingHolds: 99 }]);
    expect(resolve(principal('x'))).toEqual(LIMITS);
    expect(resolve(principal('x', { clientId: 'batch-client' }))).toEqual({ ...LIMITS, concurrentRequests: 50 });
    expect(resolve(principal('x', { groups: ['bulk'] }))).toEqual({ ...LIMITS, pendingHolds: 9 });
  });
});
