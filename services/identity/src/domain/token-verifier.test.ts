import { describe, expect, it, vi } from 'vitest';
import { base64url, CompactSign, createLocalJWKSet, exportJWK, generateKeyPair, generateSecret, SignJWT, type CryptoKey, type JWK, type JWTVerifyGetKey } from 'jose';
import { canonicalJson } from '@portcullis/request-model';
import { parsePortcullisConfig, type OidcIssuerConfig } from '@portcullis/config';
import { MAX_CLAIMS_BYTES, TokenVerifier, type KeyResolver, type VerifyOutcome } from './index.js';

const IDP = 'https://idp.example';
const OTHER = 'https://other.example';
const NOW = new Date('2030-01-01T00:00:00Z');
const T = NOW.getTime() / 1000;

const issuers = parsePortcullisConfig(`
issuers:
  - { issuer: "${IDP}", audience: portcullis, maxTokenLifetime: 1h }
  - { issuer: "${OTHER}", audience: portcullis, claims: { groups: [roles] }, algorithms: [ES256] }
`).issuers as OidcIssuerConfig[];

const idpKey = await generateKeyPair('ES256');
const otherKey = await generateKeyPair('ES256');
const attackerKey = await generateKeyPair('ES256');
const publicJwk = async (key: CryptoKey, kid?: string): Promise<JWK> => ({ ...(await exportJWK(key)), alg: 'ES256', use: 'sig', ...(kid ? { kid } : {}) });

// Both issuers publish their key under the same kid, so only the signature tells them apart.
const jwks: Record<string, JWTVerifyGetKey> = {
  [IDP]: createLocalJWKSet({ keys: [await publicJwk(idpKey.publicKey, 'k1')] }),
  [OTHER]: createLocalJWKSet({ keys: [await publicJwk(otherKey.publicKey, 'k1')] }),
};

function localKeys(): KeyResolver & { keysFor: ReturnType<typeof vi.fn> } {
  return { keysFor: vi.fn(async (issuer: OidcIssuerConfig) => jwks[issuer.issuer]!) };
}

function verifier(keys: KeyResolver = localKeys()): TokenVerifier {
  return new TokenVerifier(issuers, keys, () => NOW);
}

type Claims = Record<string, unknown>;

/** A token from IDP, valid at NOW, with `overrides` applied (undefined removes a claim). */
async function token(overrides: Claims = {}, options: { key?: CryptoKey | Uint8Array; header?: Record<string, unknown> } = {}): Promise<string> {
  const claims: Claims = { iss: IDP, aud: 'portcullis', sub: 'agent-1', client_id: 'demo-agent', groups: ['agents'], iat: T - 10, exp: T + 290, ...overrides };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...options.header } as never)
    .sign(options.key ?? idpKey.privateKey);
}

function unsigned(claims: Claims, header: Claims = { alg: 'none', typ: 'JWT' }): string {
  const part = (value: Claims) => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(claims)}.`;
}

function failureOf(outcome: VerifyOutcome) {
  if (outcome.ok) throw new Error(`expected a refusal, got principal ${outcome.principal.subject}`);
  return outcome.failure;
}

async function refusal(jwt: string, v = verifier()) {
  const failure = failureOf(await v.verify(jwt));
  // Messages go back to callers: never the token, nor any part of it.
  for (const part of jwt.split('.').filter((p) => p.length > 8)) expect(failure.message).not.toContain(part);
  return failure;
}

/** A token from IDP signed over `payload` exactly as written (numbers, spacing and all). */
async function rawToken(payload: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).sign(idpKey.privateKey);
}

/** The claims every rawToken needs to verify, as JSON members. */
const VALID_CLAIMS = `"iss":"${IDP}","aud":"portcullis","sub":"agent-1","iat":${T - 10},"exp":${T + 290}`;

describe('TokenVerifier', () => {
  it('accepts a valid token and builds the principal', async () => {
    const outcome = await verifier().verify(await token());
    expect(outcome).toEqual({
      ok: true,
      principal: {
        subject: 'agent-1',
        clientId: 'demo-agent',
        groups: ['agents'],
        issuer: IDP,
        expiresAt: new Date((T + 290) * 1000),
        scopes: [],
        kind: 'human',
        claimsJson: canonicalJson({ iss: IDP, aud: 'portcullis', sub: 'agent-1', client_id: 'demo-agent', groups: ['agents'], iat: T - 10, exp: T + 290 }),
        tokenId: '',
      },
    });
  });

  it('reads scopes from scope (space-separated), else scp (a string or an array)', async () => {
    const scopes = async (claims: Claims) => {
      const outcome = await verifier().verify(await token(claims));
      return outcome.ok ? outcome.principal.scopes : outcome.failure.code;
    };
    expect(await scopes({ scope: 'orders:read  orders:write' })).toEqual(['orders:read', 'orders:write']);
    expect(await scopes({ scp: 'a b' })).toEqual(['a', 'b']);
    expect(await scopes({ scp: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(await scopes({ scope: 'from-scope', scp: ['from-scp'] })).toEqual(['from-scope']);
    expect(await scopes({ scope: '' })).toEqual([]);
    expect(await scopes({})).toEqual([]);
  });

  it('refuses scope and scp claims of the wrong type', async () => {
    for (const scope of [['a'], 7, null, { a: true }]) {
      expect(await refusal(await token({ scope }))).toMatchObject({ code: 'CLAIM_INVALID', message: 'token claim "scope" must be a space-separated string', issuer: IDP });
    }
    for (const scp of [7, null, ['a', 7], { a: true }]) {
      expect(await refusal(await token({ scp }))).toMatchObject({ code: 'CLAIM_INVALID', message: 'token claim "scp" must be a space-separated string or an array of strings' });
    }
    // A mistyped scp is refused even when scope is the one read.
    expect(await refusal(await token({ scope: 'a', scp: 7 }))).toMatchObject({ code: 'CLAIM_INVALID' });
  });

  it('classifies a client acting for itself (sub is its client_id or azp) as a machine, anything else as human', async () => {
    const kind = async (claims: Claims) => {
      const outcome = await verifier().verify(await token(claims));
      return outcome.ok ? outcome.principal.kind : outcome.failure.code;
    };
    expect(await kind({ sub: 'demo-agent', client_id: 'demo-agent' })).toBe('machine');
    expect(await kind({ sub: 'demo-agent', client_id: undefined, azp: 'demo-agent' })).toBe('machine');
    expect(await kind({ sub: 'alice', client_id: 'demo-agent' })).toBe('human');
    // No client named: no evidence of a machine (clientId still falls back to sub).
    expect(await kind({ sub: 'demo-agent', client_id: undefined })).toBe('human');
  });

  it('carries the verified claims as canonical JSON, whatever their order and spacing in the token', async () => {
    const outcome = await verifier().verify(await rawToken(`{ "tenant": { "z": 1, "a": [true, null] }, ${VALID_CLAIMS}, "client_id": "demo-agent" }`));
    expect(outcome.ok && JSON.parse(outcome.principal.claimsJson)).toMatchObject({ tenant: { a: [true, null], z: 1 }, client_id: 'demo-agent' });
    expect(outcome.ok && outcome.principal.claimsJson).toMatch(/^\{"aud":"portcullis","client_id":"demo-agent","exp":\d+,"iat":\d+,"iss":/);
  });

  it(`drops claims longer than ${MAX_CLAIMS_BYTES} bytes as canonical JSON to {}, saying how large they were`, async () => {
    // 1e20 is written out in full (21 digits) in canonical JSON: a small token, large claims.
    const claimsOf = (numbers: number) => `{${VALID_CLAIMS},"n":[${Array(numbers).fill('1e20').join(',')}]}`;
    const canonicalBytes = (numbers: number) => Buffer.byteLength(canonicalJson(JSON.parse(claimsOf(numbers))));
    let fits = 1;
    while (canonicalBytes(fits + 1) <= MAX_CLAIMS_BYTES) fits++;

    const atLimit = await verifier().verify(await rawToken(claimsOf(fits)));
    expect(atLimit.ok && Buffer.byteLength(atLimit.principal.claimsJson)).toBe(canonicalBytes(fits));
    expect(atLimit).not.toHaveProperty('droppedClaimsBytes');

    const over = await verifier().verify(await rawToken(claimsOf(fits + 1)));
    expect(over).toMatchObject({ ok: true, principal: { subject: 'agent-1', claimsJson: '{}' }, droppedClaimsBytes: canonicalBytes(fits + 1) });
  });

  it('refuses claims JSON cannot represent', async () => {
    expect(await refusal(await rawToken(`{${VALID_CLAIMS},"huge":1e400}`))).toMatchObject({ code: 'CLAIM_INVALID', message: 'token claims hold a value JSON cannot represent (a number out of range)' });
  });

  it('takes the client id from client_id, else azp, else sub; both must agree', async () => {
    const clientId = async (claims: Claims) => {
      const outcome = await verifier().verify(await token(claims));
      return outcome.ok ? outcome.principal.clientId : outcome.failure.code;
    };
    expect(await clientId({ client_id: 'c', azp: 'c' })).toBe('c');
    expect(await clientId({ client_id: 'c', azp: 'a' })).toBe('CLAIM_INVALID');
    expect(await clientId({ client_id: undefined, azp: 'a' })).toBe('a');
    expect(await clientId({ client_id: undefined })).toBe('agent-1');
    expect(await clientId({ client_id: 42 })).toBe('CLAIM_INVALID');
  });

  it('reads groups from the issuer groupsClaim; missing means none', async () => {
    const groups = async (claims: Claims, key = idpKey.privateKey) => {
      const outcome = await verifier().verify(await token(claims, { key }));
      return outcome.ok ? outcome.principal.groups : outcome.failure.code;
    };
    expect(await groups({ groups: undefined })).toEqual([]);
    expect(await groups({ iss: OTHER, roles: ['ops'], groups: ['ignored'] }, otherKey.privateKey)).toEqual(['ops']);
  });

  it('reads a space-separated groups claim; refuses groups that are neither strings nor arrays of strings', async () => {
    const outcome = await verifier().verify(await token({ groups: 'agents  ops' }));
    expect(outcome.ok && outcome.principal.groups).toEqual(['agents', 'ops']);
    for (const groups of [['agents', 7], { agents: true }, null, 7]) {
      expect(await refusal(await token({ groups }))).toMatchObject({ code: 'CLAIM_INVALID', message: 'token claim "groups" must be an array of strings or a space-separated string', issuer: IDP });
    }
  });

  it('refuses an expired token, allowing the clock tolerance', async () => {
    expect(await refusal(await token({ iat: T - 600, exp: T - 60 }))).toMatchObject({ code: 'TOKEN_EXPIRED', issuer: IDP });
    expect((await verifier().verify(await token({ iat: T - 600, exp: T - 3 }))).ok).toBe(true);
  });

  it('refuses a token that is not valid yet (nbf, or iat in the future)', async () => {
    expect(await refusal(await token({ nbf: T + 60 }))).toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
    expect(await refusal(await token({ iat: T + 600, exp: T + 900 }))).toMatchObject({ code: 'TOKEN_NOT_YET_VALID' });
    expect((await verifier().verify(await token({ nbf: T + 3, iat: T + 3 }))).ok).toBe(true);
  });

  it('refuses a token for another audience, or for none', async () => {
    expect(await refusal(await token({ aud: 'someone-else' }))).toMatchObject({ code: 'AUDIENCE_MISMATCH', message: 'token audience does not include "portcullis"' });
    expect(await refusal(await token({ aud: undefined }))).toMatchObject({ code: 'AUDIENCE_MISMATCH' });
    expect((await verifier().verify(await token({ aud: ['x', 'portcullis'] }))).ok).toBe(true);
  });

  it('refuses an unknown issuer without fetching any keys, matching issuers exactly', async () => {
    const keys = localKeys();
    const v = verifier(keys);
    expect(await refusal(await token({ iss: 'https://evil.example' }), v)).toMatchObject({ code: 'ISSUER_UNTRUSTED', issuer: 'https://evil.example' });
    expect(await refusal(await token({ iss: `${IDP}/` }), v)).toMatchObject({ code: 'ISSUER_UNTRUSTED' });
    expect(await refusal(await token({ iss: undefined }), v)).toMatchObject({ code: 'ISSUER_UNTRUSTED', message: 'token names no issuer (iss)' });
    expect(keys.keysFor).not.toHaveBeenCalled();
  });

  it("checks a token claiming a trusted issuer against that issuer's keys (wrong iss)", async () => {
    // Signed by IDP's key but claiming OTHER: OTHER's key (same kid) must not verify it.
    expect(await refusal(await token({ iss: OTHER }))).toMatchObject({ code: 'SIGNATURE_INVALID', issuer: OTHER });
  });

  it('refuses a forged token: another key under the same kid, or an unknown kid', async () => {
    expect(await refusal(await token({}, { key: attackerKey.privateKey }))).toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(await refusal(await token({}, { key: attackerKey.privateKey, header: { kid: 'k2' } }))).toMatchObject({ code: 'SIGNATURE_INVALID' });
    const [header, payload] = (await token()).split('.');
    const [, , foreignSignature] = (await token({ sub: 'someone-else' })).split('.');
    expect(await refusal(`${header}.${payload}.${foreignSignature}`)).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('refuses alg none, HMAC and algorithms the issuer does not allow, before looking up keys', async () => {
    const keys = localKeys();
    const v = verifier(keys);
    const claims = { iss: IDP, aud: 'portcullis', sub: 'agent-1', iat: T - 10, exp: T + 290 };
    expect(await refusal(unsigned(claims), v)).toMatchObject({ code: 'ALGORITHM_NOT_ALLOWED', message: 'token signing algorithm "none" is not allowed for this issuer (allowed: ES256, RS256)' });
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(await generateSecret('HS256'));
    expect(await refusal(hs256, v)).toMatchObject({ code: 'ALGORITHM_NOT_ALLOWED' });
    const es384Key = await generateKeyPair('ES384');
    const es384 = await new SignJWT({ ...claims, iss: OTHER }).setProtectedHeader({ alg: 'ES384', kid: 'k1' }).sign(es384Key.privateKey);
    expect(await refusal(es384, v)).toMatchObject({ code: 'ALGORITHM_NOT_ALLOWED', issuer: OTHER });
    expect(keys.keysFor).not.toHaveBeenCalled();
  });

  it('refuses a lifetime (exp - iat) longer than the issuer allows', async () => {
    expect(await refusal(await token({ iat: T - 10, exp: T - 10 + 7200 }))).toMatchObject({
      code: 'LIFETIME_TOO_LONG',
      message: 'token lifetime (exp - iat) of 7200 s exceeds the 3600 s this issuer allows',
    });
    expect((await verifier().verify(await token({ iat: T - 10, exp: T - 10 + 3600 }))).ok).toBe(true);
  });

  it('refuses missing or mistyped required claims', async () => {
    expect(await refusal(await token({ sub: undefined }))).toMatchObject({ code: 'CLAIM_INVALID', message: 'token lacks the required "sub" claim' });
    expect(await refusal(await token({ exp: undefined }))).toMatchObject({ code: 'CLAIM_INVALID', message: 'token lacks the required "exp" claim' });
    expect(await refusal(await token({ iat: undefined }))).toMatchObject({ code: 'CLAIM_INVALID', message: 'token lacks the required "iat" claim' });
    expect(await refusal(await token({ sub: 7 }))).toMatchObject({ code: 'CLAIM_INVALID' });
    expect(await refusal(await token({ exp: 'soon' }))).toMatchObject({ code: 'CLAIM_INVALID' });
  });

  it('refuses strings that are not JWTs', async () => {
    const valid = await token();
    const [, payload, signature] = valid.split('.');
    const cases = ['', 'abc', 'a.b.c', 'a.b', `${valid}.x`, 'x'.repeat(20 * 1024), `${valid}${'A'.repeat(16 * 1024)}`, `${base64url.encode('not json')}.${payload}.${signature}`, `${valid.split('.')[0]}.${base64url.encode('[1]')}.${signature}`];
    for (const jwt of cases) expect((await refusal(jwt)).code, jwt.slice(0, 40)).toBe('TOKEN_MALFORMED');
  });

  it('answers IDP_UNAVAILABLE when the keys cannot be fetched, with the cause only in detail', async () => {
    const down: KeyResolver = { keysFor: async () => Promise.reject(new Error('discovery request to https://idp.example failed: ECONNREFUSED')) };
    expect(await refusal(await token(), verifier(down))).toEqual({
      code: 'IDP_UNAVAILABLE',
      message: 'keys of issuer "https://idp.example" cannot be fetched right now; try again shortly',
      issuer: IDP,
      detail: 'discovery request to https://idp.example failed: ECONNREFUSED',
    });
    // A refetch that fails inside the key lookup (unknown kid while the IdP is down) is the same.
    const refetchFails: KeyResolver = { keysFor: async () => async () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })) };
    expect(await refusal(await token(), verifier(refetchFails))).toMatchObject({ code: 'IDP_UNAVAILABLE', detail: 'fetch failed: ECONNREFUSED' });
  });

  it('tries each published key when several fit a token without kid', async () => {
    const keys: KeyResolver = {
      keysFor: async () => createLocalJWKSet({ keys: [await publicJwk(attackerKey.publicKey), await publicJwk(idpKey.publicKey)] }),
    };
    const noKid = await token({}, { header: { kid: undefined } });
    expect((await verifier(keys).verify(noKid)).ok).toBe(true);
    const forged = await token({}, { key: otherKey.privateKey, header: { kid: undefined } });
    expect(await refusal(forged, verifier(keys))).toMatchObject({ code: 'SIGNATURE_INVALID' });
  });

  it('lets a bug (a key of the wrong type) propagate instead of calling it a bad token', async () => {
    const rsa = await generateKeyPair('RS256');
    const broken: KeyResolver = { keysFor: async () => async () => rsa.publicKey };
    await expect(verifier(broken).verify(await token())).rejects.toThrow(TypeError);
  });
});

describe('TokenVerifier, by the book (RFC 8725, RFC 9068)', () => {
  it('accepts only the issuer\'s access-token types: an ID token, a logout token or a plain JWT is no credential', async () => {
    for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt']) expect((await verifier().verify(await token({}, { header: { typ } }))).ok).toBe(true);
    for (const typ of ['JWT', 'logout+jwt', 'application/jwt', 'id_token']) {
      expect(await refusal(await token({}, { header: { typ } }))).toMatchObject({ code: 'TOKEN_TYPE_INVALID', issuer: IDP });
    }
    // An ID token: signed by the same IdP for the same audience, with no typ at all.
    const idToken = await new SignJWT({ iss: IDP, aud: 'portcullis', sub: 'agent-1', azp: 'demo-agent', nonce: 'n', auth_time: T - 20, iat: T - 10, exp: T + 290 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(idpKey.privateKey);
    expect(await refusal(idToken)).toMatchObject({ code: 'TOKEN_TYPE_INVALID', message: expect.stringContaining('no "typ"') });
  });

  it('refuses headers that name their own key (jku, jwk, x5u, x5c), critical extensions and b64, before fetching keys', async () => {
    const keys = localKeys();
    const attackerJwk = await exportJWK(attackerKey.publicKey);
    const headers = [{ jku: 'https://attacker.example/jwks.json' }, { jwk: attackerJwk }, { x5u: 'https://attacker.example/cert.pem' }, { x5c: ['MIIB'] }];
    for (const header of headers) {
      expect(await refusal(await token({}, { header, key: attackerKey.privateKey }), verifier(keys))).toMatchObject({ code: 'TOKEN_HEADER_REFUSED', message: expect.stringContaining(Object.keys(header)[0]!) });
    }
    // jose will not sign an extension it does not know: sign by hand, as an attacker would.
    const signingInput = `${base64url.encode(JSON.stringify({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', crit: ['urn:example:must-understand'], 'urn:example:must-understand': true }))}.${base64url.encode(JSON.stringify({ iss: IDP, aud: 'portcullis', sub: 'a', iat: T - 1, exp: T + 60 }))}`;
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, idpKey.privateKey, new TextEncoder().encode(signingInput));
    const crit = `${signingInput}.${base64url.encode(new Uint8Array(signature))}`;
    expect(await refusal(crit, verifier(keys))).toMatchObject({ code: 'TOKEN_HEADER_REFUSED', message: expect.stringContaining('crit') });
    expect(keys.keysFor).not.toHaveBeenCalled();
  });

  it('maps claims per issuer: nested groups, scope as groups, the workload claim and the machine rule', async () => {
    const mapped = parsePortcullisConfig(`
issuers:
  - issuer: "${OTHER}"
    audience: [portcullis, account]
    claims: { groups: [realm_access.roles, scope, ["https://example.com/roles"]], clientId: [azp], kind: { claim: idtyp, equals: app } }
`).issuers as OidcIssuerConfig[];
    const v = new TokenVerifier(mapped, localKeys(), () => NOW);
    const jwt = await new SignJWT({ iss: OTHER, aud: ['account'], sub: 'f1d2', azp: 'ci-bot', idtyp: 'app', jti: 'tok-1', scope: 'deploy', realm_access: { roles: ['agents', 'ops'] }, 'https://example.com/roles': ['ops', 'eu'], iat: T - 1, exp: T + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .sign(otherKey.privateKey);
    expect(await v.verify(jwt)).toMatchObject({ ok: true, principal: { subject: 'f1d2', clientId: 'ci-bot', groups: ['agents', 'ops', 'deploy', 'eu'], kind: 'machine', tokenId: 'tok-1', scopes: ['deploy'] } });
    const human = await new SignJWT({ iss: OTHER, aud: 'portcullis', sub: 'f1d2', azp: 'ci-bot', idtyp: 'user', iat: T - 1, exp: T + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).sign(otherKey.privateKey);
    expect(await v.verify(human)).toMatchObject({ ok: true, principal: { kind: 'human', groups: [] } });
    const wrongAud = await new SignJWT({ iss: OTHER, aud: 'elsewhere', sub: 'x', iat: T - 1, exp: T + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }).sign(otherKey.privateKey);
    expect(failureOf(await v.verify(wrongAud))).toMatchObject({ code: 'AUDIENCE_MISMATCH', message: 'token audience does not include one of "portcullis", "account"' });
  });

  it('carries the jti as the token id, and refuses one that is not a bounded string', async () => {
    const outcome = await verifier().verify(await token({ jti: 'abc-123' }));
    expect(outcome.ok && outcome.principal.tokenId).toBe('abc-123');
    expect(await refusal(await token({ jti: 7 }))).toMatchObject({ code: 'CLAIM_INVALID' });
    expect(await refusal(await token({ jti: 'x'.repeat(513) }))).toMatchObject({ code: 'CLAIM_INVALID' });
  });
});
