import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { createDevIdp } from './app.js';
import type { DevIdp } from './app.js';

// The IdP listens on an ephemeral port (port: 0) with an empty issuer, so
// createDevIdp derives the issuer from the bound address: http://127.0.0.1:<port>.

interface LogEntry {
  readonly level: 'info' | 'warn';
  readonly obj: object;
  readonly msg: string | undefined;
}

interface TokenResponse {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly scope?: string;
}

interface Discovery {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly token_endpoint: string;
  readonly grant_types_supported: string[];
}

const DEMO = { clientId: 'demo-agent', clientSecret: 'demo-agent-secret', groups: ['agents', 'demo'] } as const;
const SHORT = {
  clientId: 'short-lived',
  clientSecret: 'short-lived-secret',
  groups: ['ops'],
  audience: 'custom-audience',
  tokenTtlSeconds: 2,
} as const;

const MCP = { clientId: 'mcp-gateway', clientSecret: 'mcp-gateway-secret', groups: [], audience: 'http://127.0.0.1:3001/mcp' } as const;

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe('dev-idp (integration)', () => {
  const logs: LogEntry[] = [];
  let idp: DevIdp;
  let discovery: Discovery;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const issued: string[] = [];

  async function token(
    clientId: string,
    secret: string,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...extra }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    if (typeof body.access_token === 'string') issued.push(body.access_token);
    return { status: res.status, body };
  }

  beforeAll(async () => {
    idp = createDevIdp({
      issuer: '',
      host: '127.0.0.1',
      port: 0,
      clients: [DEMO, SHORT, MCP],
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 300,
      logger: {
        info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
        warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
      },
    });
    await idp.start();
    const res = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    discovery = (await res.json()) as Discovery;
    jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('derives the issuer from the bound ephemeral port and serves discovery under it', () => {
    expect(idp.port).toBeGreaterThan(0);
    expect(idp.issuer).toBe(`http://127.0.0.1:${idp.port}`);
    expect(discovery.issuer).toBe(idp.issuer);
    expect(discovery.jwks_uri).toBe(`${idp.issuer}/jwks`);
    expect(discovery.token_endpoint).toBe(`${idp.issuer}/token`);
    expect(discovery.grant_types_supported).toEqual(['client_credentials']);
  });

  it('issues an ES256 JWT access token for a bare grant_type=client_credentials request', async () => {
    const { status, body } = await token(DEMO.clientId, DEMO.clientSecret);
    expect(status).toBe(200);
    const res = body as unknown as TokenResponse;
    expect(res.token_type).toBe('Bearer');
    expect(res.expires_in).toBe(300);
    expect(res.scope).toBeUndefined();

    const { payload, protectedHeader } = await jwtVerify(res.access_token, jwks, {
      issuer: idp.issuer,
      audience: 'portcullis',
      algorithms: ['ES256'],
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(typeof protectedHeader.kid).toBe('string');

    expect(payload.iss).toBe(idp.issuer);
    expect(payload.aud).toBe('portcullis');
    expect(payload.sub).toBe(DEMO.clientId);
    expect(payload.client_id).toBe(DEMO.clientId);
    expect(payload.groups).toEqual(['agents', 'demo']);
    expect(typeof payload.jti).toBe('string');
    expect(typeof payload.iat).toBe('number');
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.scope).toBeUndefined();
  });

  it('accepts client_secret_post too', async () => {
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: DEMO.clientId,
        client_secret: DEMO.clientSecret,
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TokenResponse;
    issued.push(body.access_token);
    const { payload } = await jwtVerify(body.access_token, jwks, { issuer: idp.issuer, audience: 'portcullis' });
    expect(payload.client_id).toBe(DEMO.clientId);
  });

  it('gives a client with a custom audience and TTL its own audience and lifetime', async () => {
    const { status, body } = await token(SHORT.clientId, SHORT.clientSecret);
    expect(status).toBe(200);
    const res = body as unknown as TokenResponse;
    expect(res.expires_in).toBe(2);
    expect(decodeProtectedHeader(res.access_token).alg).toBe('ES256');

    const { payload } = await jwtVerify(res.access_token, jwks, {
      issuer: idp.issuer,
      audience: 'custom-audience',
      algorithms: ['ES256'],
    });
    expect(payload.aud).toBe('custom-audience');
    expect(payload.client_id).toBe(SHORT.clientId);
    expect(payload.groups).toEqual(['ops']);
    expect(payload.exp! - payload.iat!).toBe(2);

    // Not valid for the default audience, and expired after its 2-second TTL.
    await expect(
      jwtVerify(res.access_token, jwks, { issuer: idp.issuer, audience: 'portcullis' }),
    ).rejects.toBeInstanceOf(joseErrors.JWTClaimValidationFailed);
    await expect(
      jwtVerify(res.access_token, jwks, { issuer: idp.issuer, currentDate: new Date((payload.exp! + 1) * 1000) }),
    ).rejects.toBeInstanceOf(joseErrors.JWTExpired);
  });

  it('rejects a wrong secret with 401 invalid_client', async () => {
    const { status, body } = await token(DEMO.clientId, 'not-the-secret');
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.access_token).toBeUndefined();
  });

  it('rejects an unknown client with 401 invalid_client', async () => {
    const { status, body } = await token('nobody', 'whatever');
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('accepts the client\'s audience as a resource indicator when it is a URI, and sets aud to it', async () => {
    const { status, body } = await token(MCP.clientId, MCP.clientSecret, { resource: MCP.audience });
    expect(status).toBe(200);
    const { payload } = await jwtVerify((body as unknown as TokenResponse).access_token, jwks, { issuer: idp.issuer, audience: MCP.audience });
    expect(payload.aud).toBe(MCP.audience);
    // Another client's audience is still another resource.
    expect((await token(DEMO.clientId, DEMO.clientSecret, { resource: MCP.audience })).body.error).toBe('invalid_target');
  });

  it('rejects a resource indicator other than the client\'s own with invalid_target', async () => {
    const { status, body } = await token(DEMO.clientId, DEMO.clientSecret, { resource: 'https://elsewhere.example' });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_target');
  });

  it('never logs client secrets or tokens', () => {
    expect(issued.length).toBeGreaterThan(0);
    const text = JSON.stringify(logs);
    expect(logs.some((l) => l.msg === 'issued access token')).toBe(true);
    for (const secret of [DEMO.clientSecret, SHORT.clientSecret, MCP.clientSecret, 'not-the-secret']) {
      expect(text).not.toContain(secret);
    }
    for (const accessToken of issued) {
      expect(text).not.toContain(accessToken);
      expect(text).not.toContain(accessToken.split('.')[2]);
    }
  });
});

describe('dev-idp lifecycle', () => {
  it('stops promptly even with an idle keep-alive connection open', async () => {
    const idp = createDevIdp({
      issuer: '',
      host: '127.0.0.1',
      port: 0,
      clients: [DEMO],
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 60,
    });
    await idp.start();
    const issuer = idp.issuer;
    // fetch (undici) keeps the connection alive after this request.
    const res = await fetch(`${issuer}/jwks`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    const t0 = Date.now();
    await idp.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(fetch(`${issuer}/jwks`)).rejects.toThrow();
    await idp.stop(); // idempotent
  });

  it('validates options up front', () => {
    const base = {
      issuer: '',
      host: '127.0.0.1',
      port: 0,
      defaultAudience: 'portcullis',
      defaultTokenTtlSeconds: 300,
    };
    expect(() => createDevIdp({ ...base, clients: [DEMO, DEMO] })).toThrow(/duplicate clientId/);
    expect(() => createDevIdp({ ...base, clients: [{ ...DEMO, tokenTtlSeconds: 0 }] })).toThrow(/tokenTtlSeconds/);
    expect(() => createDevIdp({ ...base, issuer: 'http://127.0.0.1:7400/', clients: [] })).toThrow(/trailing slash/);
  });
});
