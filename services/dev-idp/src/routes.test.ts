import { describe, expect, it } from 'vitest';
import { route } from './routes.js';
import type { ServedFeatures } from './routes.js';

const ALL: ServedFeatures = { nested: true, saml: true, testEndpoints: true };
const NONE: ServedFeatures = { nested: false, saml: false, testEndpoints: false };

describe('route', () => {
  it('sends everything else to the issuer whose mount path the request is under', () => {
    expect(route('GET', '/.well-known/openid-configuration', ALL)).toEqual({ kind: 'oidc', issuer: 'main' });
    expect(route('POST', '/token', NONE)).toEqual({ kind: 'oidc', issuer: 'main' });
    expect(route('GET', '/nested/jwks', ALL)).toEqual({ kind: 'oidc', issuer: 'nested' });
    expect(route('GET', '/nested', ALL)).toEqual({ kind: 'oidc', issuer: 'nested' });
    // A prefix match is not a mount match.
    expect(route('GET', '/nestedx/jwks', ALL)).toEqual({ kind: 'oidc', issuer: 'main' });
  });

  it('serves the test endpoints per issuer only when enabled', () => {
    expect(route('POST', '/test/mint', ALL)).toEqual({ kind: 'test-mint', issuer: 'main' });
    expect(route('POST', '/nested/test/rotate-keys', ALL)).toEqual({ kind: 'test-rotate-keys', issuer: 'nested' });
    expect(route('POST', '/test/mint', { ...ALL, testEndpoints: false })).toEqual({ kind: 'not-found' });
    expect(route('POST', '/test/other', ALL)).toEqual({ kind: 'not-found' });
  });

  it('serves SAML on the main issuer only, and its mint endpoint only with test endpoints on', () => {
    expect(route('POST', '/saml/assertion', ALL)).toEqual({ kind: 'saml-assertion' });
    expect(route('POST', '/test/saml/mint', ALL)).toEqual({ kind: 'test-saml-mint' });
    expect(route('POST', '/nested/saml/assertion', ALL)).toEqual({ kind: 'not-found' });
    expect(route('POST', '/nested/test/saml/mint', ALL)).toEqual({ kind: 'not-found' });
    expect(route('POST', '/saml/assertion', { ...ALL, saml: false })).toEqual({ kind: 'not-found' });
    expect(route('POST', '/test/saml/mint', { ...ALL, testEndpoints: false })).toEqual({ kind: 'not-found' });
  });

  it('answers 404 under /nested without a nested issuer, and 405 to other methods', () => {
    expect(route('GET', '/nested/.well-known/openid-configuration', NONE)).toEqual({ kind: 'not-found' });
    expect(route('GET', '/test/mint', ALL)).toEqual({ kind: 'method-not-allowed', allow: 'POST' });
    expect(route('GET', '/test/mint', NONE)).toEqual({ kind: 'not-found' });
  });
});
