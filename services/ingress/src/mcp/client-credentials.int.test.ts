import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevIdp, type DevIdp } from '@portcullis/dev-idp';
import { ClientCredentialsTokenSource, type ClientCredentials, type TokenSourceError } from './client-credentials.js';

// The real dev IdP, in-process on an ephemeral port (an empty issuer is derived from the bound port).

const UPSTREAM = 'http://127.0.0.1:9/upstream/mcp';
const GATEWAY = { clientId: 'mcp-gateway', clientSecret: 'mcp-gateway-secret', groups: ['gateways'], audience: UPSTREAM };
const PLAIN = { clientId: 'plain-client', clientSecret: 'plain-client-secret', groups: ['agents'] };

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

async function failure(promise: Promise<unknown>): Promise<TokenSourceError> {
  try {
    await promise;
  } catch (err) {
    return err as TokenSourceError;
  }
  throw new Error('expected a rejection');
}

describe('ClientCredentialsTokenSource against the dev IdP (integration)', () => {
  let idp: DevIdp;
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const source = (client: { clientId: string; clientSecret: string }, extra: Partial<ClientCredentials> = {}) =>
    new ClientCredentialsTokenSource({ tokenUrl: `${idp.issuer}/token`, clientId: client.clientId, clientSecret: client.clientSecret, ...extra }, { fetch: counting });

  beforeAll(async () => {
    idp = createDevIdp({ issuer: '', host: '127.0.0.1', port: 0, clients: [GATEWAY, PLAIN], defaultAudience: 'portcullis', defaultTokenTtlSeconds: 300 });
    await idp.start();
  });

  afterAll(async () => {
    await idp?.stop();
  });

  it('obtains a real access token and reuses it, one request for concurrent callers', async () => {
    const tokens = source(PLAIN);
    requests = 0;
    const [a, b] = await Promise.all([tokens.token(), tokens.token()]);
    expect(a).toBe(b);
    expect(await tokens.token()).toBe(a);
    expect(requests).toBe(1);
    const payload = claims(a);
    expect(payload.iss).toBe(idp.issuer);
    expect(payload.aud).toBe('portcullis');
    expect(payload.client_id).toBe(PLAIN.clientId);
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  it('after invalidate() fetches a new token', async () => {
    const tokens = source(PLAIN);
    const first = await tokens.token();
    tokens.invalidate();
    const second = await tokens.token();
    expect(claims(second).jti).not.toBe(claims(first).jti);
  });

  it('a resource indicator naming the upstream yields a token whose aud is that resource', async () => {
    const token = await source(GATEWAY, { resource: UPSTREAM }).token();
    expect(claims(token).aud).toBe(UPSTREAM);
  });

  it('a resource the IdP does not serve this client is refused as invalid_target', async () => {
    const err = await failure(source(PLAIN, { resource: UPSTREAM }).token());
    expect(err.code).toBe('TOKEN_REQUEST_REFUSED');
    expect(err.message).toBe(`token endpoint ${idp.issuer}/token answered HTTP 400 (invalid_target)`);
  });

  it('a wrong secret is refused as invalid_client, and the message does not carry it', async () => {
    const err = await failure(source({ clientId: PLAIN.clientId, clientSecret: 'not-the-secret' }).token());
    expect(err.code).toBe('TOKEN_REQUEST_REFUSED');
    expect(err.message).toBe(`token endpoint ${idp.issuer}/token answered HTTP 401 (invalid_client)`);
  });

  it('an IdP that is not listening is reported as unreachable', async () => {
    const gone = createDevIdp({ issuer: '', host: '127.0.0.1', port: 0, clients: [PLAIN], defaultAudience: 'portcullis', defaultTokenTtlSeconds: 60 });
    await gone.start();
    const tokenUrl = `${gone.issuer}/token`;
    await gone.stop();
    const err = await failure(new ClientCredentialsTokenSource({ tokenUrl, clientId: PLAIN.clientId, clientSecret: PLAIN.clientSecret }).token());
    expect(err.code).toBe('TOKEN_ENDPOINT_UNREACHABLE');
    expect(err.message).toBe(`token request to ${tokenUrl} failed (ECONNREFUSED)`);
  });
});
