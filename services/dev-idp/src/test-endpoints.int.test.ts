import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compactVerify,
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { JSONWebKeySet } from 'jose';
import { createDevIdp } from './app.js';
import type { DevIdp, DevIdpOptions } from './app.js';

// /test/mint and /test/rotate-keys against a started IdP, checked with jose against the JWKS it
// serves. A fresh remote JWKS per check after a rotation: jose's cache (and its 30 s refetch
// cooldown) is not what is under test.

const DEMO = { clientId: 'demo-agent', clientSecret: 'demo-agent-secret', groups: ['agents'] } as const;
const KC = { clientId: 'kc-agent', clientSecret: 'kc-agent-secret', groups: ['agents', 'kc'] } as const;

interface LogEntry {
  readonly obj: object;
  readonly msg: string | undefined;
}

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

function options(logs: LogEntry[], extra: Partial<DevIdpOptions> = {}): DevIdpOptions {
  return {
    issuer: '',
    host: '127.0.0.1',
    port: 0,
    clients: [DEMO],
    nested: { clients: [KC] },
    defaultAudience: 'portcullis',
    defaultTokenTtlSeconds: 300,
    testEndpoints: true,
    logger: {
      info: (obj, msg) => logs.push({ obj, msg }),
      warn: (obj, msg) => logs.push({ obj, msg }),
    },
    ...extra,
  };
}

async function postJson(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function accessToken(issuer: string, client: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic(client.clientId, client.clientSecret) },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function publishedKids(issuer: string): Promise<string[]> {
  const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as JSONWebKeySet;
  return jwks.keys.map((k) => k.kid!);
}

const remoteJwks = (issuer: string) => createRemoteJWKSet(new URL(`${issuer}/jwks`));

describe('dev-idp POST /test/mint', () => {
  const logs: LogEntry[] = [];
  const minted: string[] = [];
  let idp: DevIdp;

  async function mint(issuer: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await postJson(`${issuer}/test/mint`, body);
    if (typeof res.body.token === 'string') minted.push(res.body.token);
    return res;
  }

  beforeAll(async () => {
    idp = createDevIdp(options(logs));
    await idp.start();
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('signs the claims verbatim with the current key, under { alg: ES256, typ: at+jwt, kid }', async () => {
    const claims = { iss: idp.issuer, aud: 'portcullis', sub: 'anyone', exp: Math.floor(Date.now() / 1000) + 60, custom: { a: [1, 2] } };
    const { status, body } = await mint(idp.issuer, { claims });
    expect(status).toBe(200);
    const token = body.token as string;

    const [currentKid] = await publishedKids(idp.issuer);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: currentKid });
    // Nothing added: no iat, jti or nbf.
    expect(decodeJwt(token)).toEqual(claims);

    const { payload } = await jwtVerify(token, remoteJwks(idp.issuer), {
      issuer: idp.issuer,
      audience: 'portcullis',
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(payload.custom).toEqual({ a: [1, 2] });
  });

  it('merges header fields over the defaults and drops the kid when it is null', async () => {
    const { status, body } = await mint(idp.issuer, {
      header: { typ: 'JWT', jku: 'https://attacker.example/jwks', kid: null },
      claims: { iss: idp.issuer, aud: 'portcullis' },
    });
    expect(status).toBe(200);
    const token = body.token as string;
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'JWT', jku: 'https://attacker.example/jwks' });

    // Still the real key's signature (verified with the served public key directly: there is no kid to select by).
    const jwks = (await (await fetch(`${idp.issuer}/jwks`)).json()) as JSONWebKeySet;
    await expect(compactVerify(token, createLocalJWKSet(jwks))).resolves.toBeDefined();
    // ...and a verifier that insists on at+jwt refuses it.
    await expect(jwtVerify(token, createLocalJWKSet(jwks), { typ: 'at+jwt' })).rejects.toBeInstanceOf(
      joseErrors.JWTClaimValidationFailed,
    );
  });

  it('keeps a "__proto__" header field as a field', async () => {
    const { status, body } = await mint(idp.issuer, { header: JSON.parse('{"__proto__":{"polluted":true}}'), claims: {} });
    expect(status).toBe(200);
    const header = JSON.parse(Buffer.from((body.token as string).split('.')[0]!, 'base64url').toString('utf8'));
    expect(Object.keys(header)).toContain('__proto__');
  });

  it('signs an unknown critical header that verifiers must refuse', async () => {
    const { status, body } = await mint(idp.issuer, {
      header: { crit: ['urn:example:unknown'], 'urn:example:unknown': true },
      claims: { iss: idp.issuer, aud: 'portcullis' },
    });
    expect(status).toBe(200);
    await expect(jwtVerify(body.token as string, remoteJwks(idp.issuer))).rejects.toBeInstanceOf(joseErrors.JOSENotSupported);
  });

  it('makes expired tokens that verify by signature and fail on exp', async () => {
    const exp = Math.floor(Date.now() / 1000) - 3600;
    const { body } = await mint(idp.issuer, { claims: { iss: idp.issuer, aud: 'portcullis', iat: exp - 300, exp } });
    await expect(jwtVerify(body.token as string, remoteJwks(idp.issuer), { issuer: idp.issuer })).rejects.toBeInstanceOf(
      joseErrors.JWTExpired,
    );
  });

  it('signs with the nested issuer\'s own key at /nested/test/mint', async () => {
    const nested = idp.nestedIssuer!;
    const { status, body } = await mint(nested, { claims: { iss: nested, aud: 'portcullis' } });
    expect(status).toBe(200);
    const token = body.token as string;
    const [nestedKid] = await publishedKids(nested);
    expect(decodeProtectedHeader(token).kid).toBe(nestedKid);
    expect(await publishedKids(idp.issuer)).not.toContain(nestedKid);
    await expect(jwtVerify(token, remoteJwks(nested), { issuer: nested })).resolves.toBeDefined();
    await expect(jwtVerify(token, remoteJwks(idp.issuer))).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
  });

  it('refuses what the key cannot sign or a body that is not a mint request', async () => {
    expect((await mint(idp.issuer, { header: { alg: 'RS256' }, claims: {} })).body.error).toBe('invalid_request');
    expect((await mint(idp.issuer, { header: { alg: null }, claims: {} })).status).toBe(400);
    expect((await mint(idp.issuer, { header: { crit: ['missing-param'] }, claims: {} })).status).toBe(400);
    expect((await mint(idp.issuer, { header: [], claims: {} })).status).toBe(400);
    expect((await mint(idp.issuer, { claims: [1] })).status).toBe(400);
    expect((await mint(idp.issuer, {})).status).toBe(400);

    const notJson = await fetch(`${idp.issuer}/test/mint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toBe('invalid_request');

    // Any content type: a bare fetch body is text/plain.
    const plain = await fetch(`${idp.issuer}/test/mint`, { method: 'POST', body: JSON.stringify({ claims: { a: 1 } }) });
    expect(plain.status).toBe(200);
    minted.push(((await plain.json()) as { token: string }).token);

    const get = await fetch(`${idp.issuer}/test/mint`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('never logs minted tokens', () => {
    expect(minted.length).toBeGreaterThan(0);
    expect(logs.some((l) => l.msg === 'minted test token')).toBe(true);
    const text = JSON.stringify(logs);
    for (const token of minted) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(token.split('.')[2]);
    }
  });
});

describe('dev-idp POST /test/rotate-keys', () => {
  const logs: LogEntry[] = [];
  let idp: DevIdp;

  beforeAll(async () => {
    idp = createDevIdp(options(logs));
    await idp.start();
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('signs tokens and mints with the new key, publishing it first and keeping the previous one', async () => {
    const port = idp.port;
    const [firstKid] = await publishedKids(idp.issuer);
    const before = await accessToken(idp.issuer, DEMO);
    expect(decodeProtectedHeader(before).kid).toBe(firstKid);

    const { status, body } = await postJson(`${idp.issuer}/test/rotate-keys`);
    expect(status).toBe(200);
    const newKid = body.kid as string;
    expect(newKid).not.toBe(firstKid);
    expect(body.published).toEqual([newKid, firstKid]);
    expect(await publishedKids(idp.issuer)).toEqual([newKid, firstKid]);
    expect(idp.port).toBe(port);

    const after = await accessToken(idp.issuer, DEMO);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    const minted = (await postJson(`${idp.issuer}/test/mint`, { claims: { iss: idp.issuer, aud: 'portcullis' } })).body.token as string;
    expect(decodeProtectedHeader(minted).kid).toBe(newKid);

    // Both the old and the new token verify against the served JWKS.
    for (const token of [before, after, minted]) {
      await expect(jwtVerify(token, remoteJwks(idp.issuer), { issuer: idp.issuer, audience: 'portcullis' })).resolves.toBeDefined();
    }
    // The rebuilt provider kept its clients, claims and discovery.
    const { payload } = await jwtVerify(after, remoteJwks(idp.issuer), { issuer: idp.issuer, typ: 'at+jwt' });
    expect(payload.groups).toEqual(['agents']);
    expect(payload.client_id).toBe(DEMO.clientId);
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; token_endpoint: string };
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.token_endpoint).toBe(`${idp.issuer}/token`);
    const wrong = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic(DEMO.clientId, 'wrong-secret') },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(wrong.status).toBe(401);
  });

  it('retires every previous key on request: their tokens stop verifying', async () => {
    const old = await accessToken(idp.issuer, DEMO);
    const { body } = await postJson(`${idp.issuer}/test/rotate-keys`, { retirePrevious: true });
    expect(body.published).toEqual([body.kid]);
    expect(await publishedKids(idp.issuer)).toEqual([body.kid]);

    await expect(jwtVerify(old, remoteJwks(idp.issuer))).rejects.toBeInstanceOf(joseErrors.JWKSNoMatchingKey);
    const fresh = await accessToken(idp.issuer, DEMO);
    expect(decodeProtectedHeader(fresh).kid).toBe(body.kid);
    await expect(jwtVerify(fresh, remoteJwks(idp.issuer), { issuer: idp.issuer })).resolves.toBeDefined();
  });

  it('keeps every unretired key across concurrent rotations', async () => {
    const [current] = await publishedKids(idp.issuer);
    const [a, b] = await Promise.all([postJson(`${idp.issuer}/test/rotate-keys`), postJson(`${idp.issuer}/test/rotate-keys`)]);
    const kids = await publishedKids(idp.issuer);
    expect(kids).toHaveLength(3);
    expect(new Set(kids)).toEqual(new Set([a!.body.kid, b!.body.kid, current]));
    expect(decodeProtectedHeader(await accessToken(idp.issuer, DEMO)).kid).toBe(kids[0]);
  });

  it('rotates the nested issuer on its own', async () => {
    const nested = idp.nestedIssuer!;
    const mainBefore = await publishedKids(idp.issuer);
    const [nestedFirst] = await publishedKids(nested);
    const { status, body } = await postJson(`${nested}/test/rotate-keys`, { retirePrevious: false });
    expect(status).toBe(200);
    expect(body.published).toEqual([body.kid, nestedFirst]);
    expect(await publishedKids(idp.issuer)).toEqual(mainBefore);

    const token = await accessToken(nested, KC);
    expect(decodeProtectedHeader(token).kid).toBe(body.kid);
    const { payload } = await jwtVerify(token, remoteJwks(nested), { issuer: nested, typ: 'at+jwt' });
    expect(payload.realm_access).toEqual({ roles: ['agents', 'kc'] });
  });

  it('refuses a retirePrevious that is not a boolean', async () => {
    const { status, body } = await postJson(`${idp.issuer}/test/rotate-keys`, { retirePrevious: 'yes' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_request');
  });

  it('logs the rotation by kid, never a private key', () => {
    const rotations = logs.filter((l) => l.msg === 'rotated signing key');
    expect(rotations.length).toBeGreaterThanOrEqual(4);
    const text = JSON.stringify(logs);
    expect(text).not.toMatch(/"d":"/);
  });
});

describe('dev-idp test endpoints, when not enabled', () => {
  let idp: DevIdp;

  beforeAll(async () => {
    const { testEndpoints: _, ...rest } = options([]);
    idp = createDevIdp(rest);
    await idp.start();
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('answers 404 on every issuer and leaves the keys alone', async () => {
    const kids = await publishedKids(idp.issuer);
    for (const url of [
      `${idp.issuer}/test/mint`,
      `${idp.issuer}/test/rotate-keys`,
      `${idp.issuer}/test/saml/mint`,
      `${idp.nestedIssuer}/test/mint`,
      `${idp.nestedIssuer}/test/rotate-keys`,
    ]) {
      const { status, body } = await postJson(url, { claims: {} });
      expect(status, url).toBe(404);
      expect(body.error).toBe('not_found');
    }
    expect(await publishedKids(idp.issuer)).toEqual(kids);
  });
});
