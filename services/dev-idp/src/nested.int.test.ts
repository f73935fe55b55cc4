import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { createDevIdp } from './app.js';
import type { DevIdp } from './app.js';

// The second issuer at <issuer>/nested: a real oidc-provider instance mounted under a path
// prefix on the same server, with Keycloak-shaped access tokens.

const MAIN = { clientId: 'demo-agent', clientSecret: 'demo-agent-secret', groups: ['agents'] } as const;
const KC = { clientId: 'kc-agent', clientSecret: 'kc-agent-secret', groups: ['agents', 'kc-only'] } as const;
const KC_AUD = { clientId: 'kc-other', clientSecret: 'kc-other-secret', groups: [], audience: 'elsewhere', tokenTtlSeconds: 7 } as const;

type Discovery = Record<string, unknown> & { issuer: string; jwks_uri: string; token_endpoint: string; grant_types_supported: string[] };

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function token(endpoint: string, clientId: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Every absolute URL a discovery document advertises. */
function advertisedUrls(discovery: Record<string, unknown>): string[] {
  return Object.values(discovery).filter((v): v is string => typeof v === 'string' && /^https?:\/\//.test(v));
}

describe('dev-idp nested issuer (integration)', () => {
  const logged: string[] = [];
  let idp: DevIdp;
  let nested: string;
  let discovery: Discovery;

  beforeAll(async () => {
    idp = createDevIdp({
      issuer: '',
      host: '127.0.0.1',
      port: 0,
      clients: [MAIN],
      nested: { clients: [KC, KC_AUD] },
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 300,
      logger: {
        info: (obj, msg) => logged.push(JSON.stringify({ obj, msg })),
        warn: (obj, msg) => logged.push(JSON.stringify({ obj, msg })),
      },
    });
    await idp.start();
    nested = idp.nestedIssuer!;
    const res = await fetch(`${nested}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    discovery = (await res.json()) as Discovery;
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('serves discovery naming exactly <issuer>/nested, with every URL under /nested', async () => {
    expect(nested).toBe(`${idp.issuer}/nested`);
    expect(discovery.issuer).toBe(nested);
    expect(discovery.jwks_uri).toBe(`${nested}/jwks`);
    expect(discovery.token_endpoint).toBe(`${nested}/token`);
    expect(discovery.grant_types_supported).toEqual(['client_credentials']);
    const urls = advertisedUrls(discovery);
    expect(urls.length).toBeGreaterThan(3);
    for (const url of urls.filter((u) => u !== nested)) expect(url.startsWith(`${nested}/`), url).toBe(true);

    // The main issuer's discovery is untouched by the mount.
    const main = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Discovery;
    expect(main.issuer).toBe(idp.issuer);
    for (const url of advertisedUrls(main)) expect(url, url).not.toContain('/nested');
  });

  it('has its own signing key, not published by the main issuer', async () => {
    const ownKeys = (await (await fetch(discovery.jwks_uri)).json()) as JSONWebKeySet;
    const mainKeys = (await (await fetch(`${idp.issuer}/jwks`)).json()) as JSONWebKeySet;
    expect(ownKeys.keys).toHaveLength(1);
    expect(ownKeys.keys[0]).not.toHaveProperty('d');
    expect(mainKeys.keys.map((k) => k.kid)).not.toContain(ownKeys.keys[0]!.kid);
  });

  it('issues Keycloak-shaped access tokens: realm_access.roles and azp, no groups claim', async () => {
    const { status, body } = await token(discovery.token_endpoint, KC.clientId, KC.clientSecret);
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(300);
    const accessToken = body.access_token as string;
    logged.push('--- tokens issued below must not appear above ---');

    const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: nested,
      audience: 'portcullis',
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload.realm_access).toEqual({ roles: ['agents', 'kc-only'] });
    expect(payload.azp).toBe(KC.clientId);
    expect(payload.sub).toBe(KC.clientId);
    expect(payload).not.toHaveProperty('groups');
    expect(payload.exp! - payload.iat!).toBe(300);

    // Signed by the nested key only: the main JWKS has no key for it.
    await expect(jwtVerify(accessToken, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)))).rejects.toBeInstanceOf(
      joseErrors.JWKSNoMatchingKey,
    );
    expect(logged.join('\n')).not.toContain(accessToken);
  });

  it('applies a nested client\'s own audience and TTL', async () => {
    const { status, body } = await token(discovery.token_endpoint, KC_AUD.clientId, KC_AUD.clientSecret);
    expect(status).toBe(200);
    const { payload } = await jwtVerify(body.access_token as string, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: nested,
      audience: 'elsewhere',
    });
    expect(payload.exp! - payload.iat!).toBe(7);
    expect(payload.realm_access).toEqual({ roles: [] });
  });

  it('keeps the two issuers\' clients apart', async () => {
    expect((await token(discovery.token_endpoint, MAIN.clientId, MAIN.clientSecret)).body.error).toBe('invalid_client');
    expect((await token(`${idp.issuer}/token`, KC.clientId, KC.clientSecret)).body.error).toBe('invalid_client');
    const { status, body } = await token(discovery.token_endpoint, KC.clientId, 'wrong-secret');
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');

    // The main issuer still shapes its tokens its own way.
    const main = await token(`${idp.issuer}/token`, MAIN.clientId, MAIN.clientSecret);
    const { payload } = await jwtVerify(main.body.access_token as string, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
    });
    expect(payload.groups).toEqual(['agents']);
    expect(payload).not.toHaveProperty('realm_access');
    expect(decodeProtectedHeader(main.body.access_token as string).typ).toBe('at+jwt');
  });

  it('never logs nested client secrets', () => {
    const text = logged.join('\n');
    expect(text).toContain('issued access token');
    for (const secret of [KC.clientSecret, KC_AUD.clientSecret, MAIN.clientSecret, 'wrong-secret']) expect(text).not.toContain(secret);
  });
});

describe('dev-idp without a nested issuer', () => {
  it('answers 404 under /nested and has no nestedIssuer', async () => {
    const idp = createDevIdp({
      issuer: '',
      host: '127.0.0.1',
      port: 0,
      clients: [MAIN],
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 300,
    });
    await idp.start();
    try {
      expect(idp.nestedIssuer).toBeUndefined();
      expect((await fetch(`${idp.issuer}/nested/.well-known/openid-configuration`)).status).toBe(404);
      expect((await fetch(`${idp.issuer}/nested/jwks`)).status).toBe(404);
    } finally {
      await idp.stop();
    }
  });

  it('validates nested clients up front', () => {
    const base = { issuer: '', host: '127.0.0.1', port: 0, clients: [MAIN], defaultAudience: 'portcullis', defaultTokenTtlSeconds: 300 };
    expect(() => createDevIdp({ ...base, nested: { clients: [KC, KC] } })).toThrow(/nested\.clients\[1\]: duplicate clientId/);
    expect(() => createDevIdp({ ...base, nested: { clients: [{ ...KC, clientSecret: '' }] } })).toThrow(/clientSecret/);
  });
});
