import { describe, expect, it } from 'vitest';
import type { Principal } from '@portcullis/identity-client';
import type { HttpTarget } from '@portcullis/request-model';
import type { RequestContext } from './context.js';
import { DecisionCache } from './decision-cache.js';
import type { Decision } from './decision.js';

const principal: Principal = {
  subject: 's',
  clientId: 'c',
  groups: ['b', 'a'],
  issuer: 'i',
  expiresAt: new Date(0),
  scopes: ['orders:write', 'orders:read'],
  kind: 'machine',
  claimsJson: '{"sub":"s","tenant":"acme"}',
};
const http = (path: string, extra: Partial<HttpTarget> = {}): HttpTarget => ({ kind: 'http', method: 'GET', path, query: '', headers: [], ...extra });
const context = (extra: Partial<RequestContext> = {}): RequestContext => ({
  requestId: 'r',
  sessionId: 's',
  connection: 'demo',
  protocol: 'http',
  principal,
  target: http('/x'),
  ...extra,
});
const decision = (extra: Partial<Decision> = {}): Decision => ({ effect: 'allow', reasons: ['rule:r'], message: 'Readers may read.', maskingProfiles: [], policyVersion: 'v1', decidedBy: 'p', cacheable: true, ...extra });

describe('DecisionCache', () => {
  const make = () => {
    const clock = { now: 0 };
    return { clock, cache: new DecisionCache({ ttlMs: 1000, maxEntries: 2, now: () => clock.now }) };
  };

  it('remembers per principal attributes, connection and target; request and session ids do not matter', () => {
    const { cache } = make();
    cache.put(context(), decision());
    expect(cache.get(context({ requestId: 'other', sessionId: 'other' }))).toBeDefined();
    expect(cache.get(context({ principal: { ...principal, groups: ['a', 'b'] } }))).toBeDefined(); // group order
    expect(cache.get(context({ principal: { ...principal, groups: ['a'] } }))).toBeUndefined();
    expect(cache.get(context({ principal: { ...principal, issuer: 'other' } }))).toBeUndefined();
    expect(cache.get(context({ connection: 'other' }))).toBeUndefined();
    expect(cache.get(context({ target: http('/y') }))).toBeUndefined();
    expect(cache.get(context({ target: { kind: 'mcp', method: 'GET', name: '/x', argumentsJson: '' } }))).toBeUndefined();
  });

  it('keys on every principal attribute a rule can match: scopes, kind and claims too', () => {
    const { cache } = make();
    cache.put(context(), decision());
    expect(cache.get(context({ principal: { ...principal, scopes: ['orders:read', 'orders:write'] } }))).toBeDefined(); // scope order
    expect(cache.get(context({ principal: { ...principal, scopes: ['orders:read'] } }))).toBeUndefined();
    expect(cache.get(context({ principal: { ...principal, scopes: [] } }))).toBeUndefined();
    expect(cache.get(context({ principal: { ...principal, kind: 'human' } }))).toBeUndefined();
    expect(cache.get(context({ principal: { ...principal, claimsJson: '{"sub":"s","tenant":"other"}' } }))).toBeUndefined();
    expect(cache.get(context({ principal: { ...principal, claimsJson: '{}' } }))).toBeUndefined();
    // What rules never see does not split the cache.
    expect(cache.get(context({ principal: { ...principal, expiresAt: new Date(1) } }))).toBeDefined();
  });

  it('keys on the HTTP query and decision headers', () => {
    const { cache } = make();
    cache.put(context({ target: http('/x', { query: 'id=1', headers: [{ name: 'accept', value: 'text/csv' }] }) }), decision());
    expect(cache.get(context({ target: http('/x', { query: 'id=1', headers: [{ name: 'accept', value: 'text/csv' }] }) }))).toBeDefined();
    expect(cache.get(context({ target: http('/x', { query: 'id=2', headers: [{ name: 'accept', value: 'text/csv' }] }) }))).toBeUndefined();
    expect(cache.get(context({ target: http('/x', { query: 'id=1', headers: [{ name: 'accept', value: 'application/json' }] }) }))).toBeUndefined();
    expect(cache.get(context({ target: http('/x', { query: 'id=1' }) }))).toBeUndefined();
  });

  it('forgets after the TTL, on a policy change, and never keeps what policy did not mark cacheable', () => {
    const { cache, clock } = make();
    cache.put(context(), decision());
    clock.now = 1000;
    expect(cache.get(context())).toBeUndefined();
    cache.put(context(), decision());
    cache.policyChanged('v2');
    expect(cache.get(context())).toBeUndefined();
    cache.put(context(), decision({ cacheable: false, policyVersion: 'v2' }));
    expect(cache.get(context())).toBeUndefined();
  });

  it('keeps only decisions of the newest announced rule set during a rolling change', () => {
    const { cache } = make();
    cache.policyChanged('v2');
    cache.put(context(), decision({ policyVersion: 'v1' }));
    expect(cache.get(context())).toBeUndefined();
    cache.put(context(), decision({ policyVersion: 'v2' }));
    expect(cache.get(context())?.policyVersion).toBe('v2');
  });

  it('is bounded', () => {
    const { cache } = make();
    for (const path of ['/a', '/b', '/c']) cache.put(context({ target: http(path) }), decision());
    expect(cache.size).toBe(2);
  });
});
