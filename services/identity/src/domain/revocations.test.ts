import { describe, expect, it } from 'vitest';
import type { Principal } from '@portcullis/identity-client';
import { Authenticator, RevocationSet, type CredentialVerifier } from './index.js';

const principal: Principal = {
  subject: 'sub-1',
  clientId: 'ci-bot',
  groups: [],
  issuer: 'https://a.example',
  expiresAt: new Date(2_000_000_000_000),
  scopes: [],
  kind: 'machine',
  claimsJson: '{}',
  tokenId: 'jti-1',
};
const at = (ms: number) => new Date(ms);

describe('RevocationSet', () => {
  it('covers a principal by subject, client id or token id, per issuer or any, until it expires', () => {
    let now = 1000;
    const set = new RevocationSet(() => now);
    const revocation = (selector: Parameters<RevocationSet['add']>[0]['selector'], expiresAt?: Date) => ({ selector, reason: 'r', revokedBy: 'admin', revokedAt: at(0), ...(expiresAt ? { expiresAt } : {}) });
    expect(set.covering(principal)).toBeUndefined();
    set.add(revocation({ kind: 'client_id', value: 'ci-bot', issuer: 'https://b.example' }));
    expect(set.covering(principal)).toBeUndefined();
    set.add(revocation({ kind: 'token_id', value: 'jti-1' }, at(2000)));
    expect(set.covering(principal)?.selector.kind).toBe('token_id');
    expect(set.covering({ ...principal, tokenId: '' })).toBeUndefined();
    now = 2000;
    expect(set.covering(principal)).toBeUndefined();
    set.add(revocation({ kind: 'subject', value: 'sub-1', issuer: 'https://a.example' }));
    expect(set.covering(principal)?.selector.kind).toBe('subject');
    set.remove({ kind: 'subject', value: 'sub-1', issuer: 'https://a.example' });
    expect(set.covering(principal)).toBeUndefined();
    set.replace([revocation({ kind: 'client_id', value: 'ci-bot' })]);
    expect(set.size).toBe(1);
    expect(set.covering(principal)?.selector).toEqual({ kind: 'client_id', value: 'ci-bot' });
  });
});

describe('Authenticator', () => {
  const verifier = (outcome: Awaited<ReturnType<CredentialVerifier['verify']>>): CredentialVerifier & { calls: unknown[] } => {
    const calls: unknown[] = [];
    return { calls, verify: async (credential, options) => (calls.push([credential, options]), outcome) };
  };

  it('verifies by credential type, then refuses a revoked principal with REVOKED, never saying why to the caller', async () => {
    const set = new RevocationSet(() => 0);
    set.replace([]);
    const jwt = verifier({ ok: true, principal });
    const saml = verifier({ ok: true, principal: { ...principal, subject: 'saml-user' } });
    const auth = new Authenticator({ jwt, saml }, set);
    expect(await auth.verify('t', 'jwt', false)).toMatchObject({ ok: true });
    expect(await auth.verify('a', 'saml', true)).toMatchObject({ ok: true, principal: { subject: 'saml-user' } });
    expect(saml.calls).toEqual([['a', { continuing: true }]]);
    set.add({ selector: { kind: 'client_id', value: 'ci-bot' }, reason: 'key leaked', revokedBy: 'admin', revokedAt: at(0) });
    const refused = await auth.verify('t', 'jwt', false);
    expect(refused).toEqual({ ok: false, failure: { code: 'REVOKED', message: 'this identity has been revoked', issuer: 'https://a.example', detail: 'client_id "ci-bot": key leaked' } });
  });

  it('refuses a credential type it has no issuer for, and passes refusals through', async () => {
    const loaded = new RevocationSet(() => 0);
    loaded.replace([]);
    const auth = new Authenticator({ jwt: verifier({ ok: false, failure: { code: 'TOKEN_EXPIRED', message: 'token has expired' } }), saml: undefined }, loaded);
    expect(await auth.verify('a', 'saml', false)).toMatchObject({ ok: false, failure: { code: 'ISSUER_UNTRUSTED', message: 'this gateway trusts no SAML identity provider' } });
    expect(await auth.verify('t', 'jwt', false)).toMatchObject({ ok: false, failure: { code: 'TOKEN_EXPIRED' } });
  });
});

describe('a revocation set that has not been loaded lately', () => {
  it('is not trusted: every verified principal is refused with REVOCATIONS_UNAVAILABLE until a load succeeds', async () => {
    let now = 0;
    const set = new RevocationSet(() => now, 15_000);
    const auth = new Authenticator({ jwt: { verify: async () => ({ ok: true, principal }) }, saml: undefined }, set);
    expect(await auth.verify('t', 'jwt', false)).toMatchObject({ ok: false, failure: { code: 'REVOCATIONS_UNAVAILABLE' } });
    set.replace([]);
    expect(await auth.verify('t', 'jwt', false)).toMatchObject({ ok: true });
    now = 15_001;
    expect(await auth.verify('t', 'jwt', false)).toMatchObject({ ok: false, failure: { code: 'REVOCATIONS_UNAVAILABLE' } });
    set.replace([], 15_001);
    expect(await auth.verify('t', 'jwt', false)).toMatchObject({ ok: true });
  });
});
