import { describe, expect, it, vi } from 'vitest';
import { parsePortcullisConfig } from '@portcullis/config';
import { createLogger } from '@portcullis/service-kit';
import { OidcKeyResolver } from './oidc-key-resolver.js';

// Discovery only: the fake fetch answers the discovery document. jose's remote JWKS fetches nothing
// until a key is asked for, which the integration test does against a real HTTP server.
const { issuers } = parsePortcullisConfig(`
issuers:
  - { issuer: "https://idp.example", audience: portcullis }
  - { issuer: "http://127.0.0.1:7400/", audience: portcullis }
`);
const [https, local] = issuers as [(typeof issuers)[number], (typeof issuers)[number]];
const logger = createLogger('identity-test', 'silent');

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function resolverWith(answer: (url: string) => Response | Promise<Response>) {
  let now = 0;
  const fetch = vi.fn(async (input: string | URL | Request) => answer(String(input)));
  const resolver = new OidcKeyResolver(logger, { fetch: fetch as unknown as typeof globalThis.fetch, now: () => now, retryAfterMs: 1000 });
  return { resolver, fetch, advance: (ms: number) => (now += ms) };
}

describe('OidcKeyResolver', () => {
  it('discovers once per issuer, sharing concurrent first lookups', async () => {
    const { resolver, fetch } = resolverWith(() => json({ issuer: https.issuer, jwks_uri: 'https://idp.example/jwks' }));
    const [a, b] = await Promise.all([resolver.keysFor(https), resolver.keysFor(https)]);
    expect(a).toBe(b);
    expect(await resolver.keysFor(https)).toBe(a);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0]).toBe('https://idp.example/.well-known/openid-configuration');
  });

  it('drops a trailing slash of the issuer to build the discovery URL, but compares issuers exactly', async () => {
    const { resolver, fetch } = resolverWith(() => json({ issuer: local.issuer, jwks_uri: 'http://127.0.0.1:7400/jwks' }));
    await resolver.keysFor(local);
    expect(fetch.mock.calls[0]?.[0]).toBe('http://127.0.0.1:7400/.well-known/openid-configuration');

    const strict = resolverWith(() => json({ issuer: 'http://127.0.0.1:7400', jwks_uri: 'http://127.0.0.1:7400/jwks' }));
    await expect(strict.resolver.keysFor(local)).rejects.toThrow('names issuer "http://127.0.0.1:7400", not the configured "http://127.0.0.1:7400/"');
  });

  it('refuses discovery documents it cannot trust', async () => {
    const cases: [Response, string][] = [
      [json({ issuer: 'https://evil.example', jwks_uri: 'https://idp.example/jwks' }), 'names issuer "https://evil.example"'],
      [json({ issuer: https.issuer }), 'has no jwks_uri'],
      [json({ issuer: https.issuer, jwks_uri: '/jwks' }), 'has an invalid jwks_uri'],
      [json({ issuer: https.issuer, jwks_uri: 'http://idp.example/jwks' }), 'does not use https:'],
      [json({ error: 'nope' }, 404), 'answered HTTP 404'],
      [new Response('<html>', { status: 200 }), 'could not be read as JSON'],
      [json(['not', 'an', 'object']), 'is not a JSON object'],
    ];
    for (const [response, message] of cases) {
      const { resolver } = resolverWith(() => response);
      await expect(resolver.keysFor(https)).rejects.toThrow(message);
    }
  });

  it('fails fast while a failed discovery is fresh, then tries again', async () => {
    let up = false;
    const { resolver, fetch, advance } = resolverWith(() => {
      if (!up) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      return json({ issuer: https.issuer, jwks_uri: 'https://idp.example/jwks' });
    });
    await expect(resolver.keysFor(https)).rejects.toThrow('discovery request to https://idp.example/.well-known/openid-configuration failed: fetch failed: ECONNREFUSED');
    up = true;
    advance(500);
    await expect(resolver.keysFor(https)).rejects.toThrow('ECONNREFUSED');
    expect(fetch).toHaveBeenCalledTimes(1);
    advance(500);
    await expect(resolver.keysFor(https)).resolves.toBeTypeOf('function');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('bounds the discovery request with a timeout', async () => {
    const resolver = new OidcKeyResolver(logger, {
      discoveryTimeoutMs: 50,
      fetch: ((_: string, init: RequestInit) =>
        new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as unknown as typeof fetch,
    });
    await expect(resolver.keysFor(https)).rejects.toThrow('timed out after 50 ms');
  });
});
