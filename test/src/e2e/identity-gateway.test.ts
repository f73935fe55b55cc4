// Identity at the gateway, end to end: tokens and assertions from the real dev IdP (its main issuer,
// a second issuer shaped like Keycloak's, its SAML IdP, and its test endpoint that signs any header
// and claims with the real key), and a second, untrusted dev IdP; every hostile credential refused
// at ingress with its own code, recorded as AuthenticationFailed, and never logged.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { base64url, decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevIdp, type DevIdp } from '@portcullis/dev-idp';
import { freePorts } from '@portcullis/stack';
import { eventually } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
let untrusted: DevIdp;
let issuer: string;

beforeAll(async () => {
  await env.start({
    demoMcp: true,
    connections: [{ name: 'demo-mcp', type: 'mcp', upstream: 'DEMO_MCP_URL', credential: { header: 'authorization', scheme: 'Bearer', secret: { env: 'DEMO_MCP_TOKEN' } } }],
    policies: [{ id: 'agents-use-demo-mcp', effect: 'allow', match: { groups: ['agents'], connections: ['demo-mcp'] } }],
    mcp: { resource: 'http://127.0.0.1:8080/mcp', sessionKey: { env: 'PORTCULLIS_MCP_SESSION_KEY' } },
  });
  issuer = env.stack.issuerUrl;
  // A real OpenID provider the gateway does not trust, with a client of the same name.
  const [port] = await freePorts(1);
  untrusted = createDevIdp({ issuer: '', host: '127.0.0.1', port: port!, defaultAudience: 'portcullis', defaultTokenTtlSeconds: 300, clients: [{ clientId: 'demo-agent', clientSecret: 'demo-agent-secret', groups: ['agents'] }] });
  await untrusted.start();
});
afterAll(async () => {
  await untrusted?.stop();
  await env.stop();
});

const now = () => Math.floor(Date.now() / 1000);
/** Claims of a valid access token from the main issuer. */
const valid = (extra: Record<string, unknown> = {}) => ({ iss: issuer, aud: 'portcullis', sub: 'demo-agent', client_id: 'demo-agent', groups: ['agents'], jti: `j-${Math.random()}`, iat: now(), exp: now() + 300, ...extra });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; requestId: string } }).error;

async function refusedCode(init: { token?: string; saml?: string }): Promise<string> {
  const res = await env.gateway('/http/demo-http/echo', init);
  if (res.status === 200) return 'ALLOWED';
  expect(res.status).toBe(401);
  return (await errorOf(res)).code;
}

async function samlMint(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${issuer}/test/saml/mint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`saml mint answered ${res.status}`);
  const assertion = ((await res.json()) as { assertion: string }).assertion;
  env.tokens.push(assertion);
  return assertion;
}

/** A classic signature-wrapping attack: a forged assertion as the root, the signed original inside it. */
function wrapped(assertion: string): string {
  const xml = Buffer.from(assertion, 'base64').toString('utf8');
  const forged = xml
    .replace(/ID="([^"]+)"/, 'ID="_forged"')
    .replace(/<saml:NameID([^>]*)>[^<]*<\/saml:NameID>/, '<saml:NameID$1>demo-admin</saml:NameID>')
    .replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
  const signed = xml.replace(/^<\?xml[^>]*>/, '');
  return Buffer.from(forged.replace('</saml:Assertion>', `<saml:Advice>${signed}</saml:Advice></saml:Assertion>`)).toString('base64');
}

describe('credentials that pass', () => {
  it('accepts tokens from two differently shaped issuers and a SAML IdP, mapping each to the same groups', async () => {
    const main = await env.token(CLIENTS.agent);
    const nested = await env.token(CLIENTS.nestedAgent, '/nested');
    expect(decodeJwt(nested)).toMatchObject({ iss: `${issuer}/nested`, azp: 'nested-agent', realm_access: { roles: ['agents'] } });
    expect(decodeJwt(nested).groups).toBeUndefined();
    expect(await refusedCode({ token: main })).toBe('ALLOWED');
    expect(await refusedCode({ token: nested })).toBe('ALLOWED');
    expect(await refusedCode({ saml: await env.samlAssertion(CLIENTS.agent) })).toBe('ALLOWED');
  });

  it('opens an MCP session with a SAML assertion and continues it with the same assertion', async () => {
    const assertion = await env.samlAssertion(CLIENTS.agent);
    const client = new ClientV1({ name: 'saml-agent', version: '1.0.0' });
    await client.connect(new TransportV1(new URL(`${env.stack.ingressUrl}/mcp/demo-mcp`), { requestInit: { headers: { authorization: `SAML ${assertion}` } } }));
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    expect(JSON.stringify(await client.callTool({ name: 'echo', arguments: { text: 'over saml' } }))).toContain('over saml');
    await client.close();
  });

  it('keeps new tokens working when the IdP rotates its signing key, without restarting anything', async () => {
    const before = await env.token(CLIENTS.agent);
    const rotated = await fetch(`${issuer}/test/rotate-keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ retirePrevious: true }) });
    const { kid } = (await rotated.json()) as { kid: string };
    const after = await env.token(CLIENTS.agent);
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    // Identity refetches the key set for the unknown kid (at most once per cooldown): no restart.
    expect(await eventually(async () => ((await refusedCode({ token: after })) === 'ALLOWED' ? true : undefined), 15_000, 'a token signed with the new key')).toBe(true);
    // The retired key no longer verifies anything once the set is refetched.
    expect(await refusedCode({ token: await env.mint(valid(), { kid: decodeProtectedHeader(before).kid }) })).toBe('SIGNATURE_INVALID');
  });
});

describe('hostile credentials, each refused at the gateway with its code', () => {
  const cases: [string, () => Promise<{ token?: string; saml?: string }>, string][] = [
    ['alg none', async () => ({ token: `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${base64url.encode(JSON.stringify(valid()))}.` }), 'ALGORITHM_NOT_ALLOWED'],
    [
      'HS256 signed with the issuer’s public key',
      async () => {
        const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
        const secret = new TextEncoder().encode(JSON.stringify(jwks.keys[0]));
        return { token: await new SignJWT(valid()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: jwks.keys[0]!.kid }).sign(secret) };
      },
      'ALGORITHM_NOT_ALLOWED',
    ],
    ['expired', async () => ({ token: await env.mint(valid({ iat: now() - 600, exp: now() - 60 })) }), 'TOKEN_EXPIRED'],
    ['not yet valid (nbf)', async () => ({ token: await env.mint(valid({ nbf: now() + 600 })) }), 'TOKEN_NOT_YET_VALID'],
    ['issued in the future (iat)', async () => ({ token: await env.mint(valid({ iat: now() + 600, exp: now() + 900 })) }), 'TOKEN_NOT_YET_VALID'],
    ['wrong issuer', async () => ({ token: await env.mint(valid({ iss: 'https://idp.attacker.example' })) }), 'ISSUER_UNTRUSTED'],
    ['a trusted issuer’s name with another trusted issuer’s key', async () => ({ token: await env.mint(valid({ iss: `${issuer}/nested` })) }), 'SIGNATURE_INVALID'],
    ['wrong audience', async () => ({ token: await env.mint(valid({ aud: 'another-api' })) }), 'AUDIENCE_MISMATCH'],
    ['an ID token (no typ, nonce, azp)', async () => ({ token: await env.mint({ ...valid(), client_id: undefined, azp: 'demo-agent', nonce: 'n-1', auth_time: now() }, { typ: null }) }), 'TOKEN_TYPE_INVALID'],
    ['a plain JWT from the same IdP', async () => ({ token: await env.mint(valid(), { typ: 'JWT' }) }), 'TOKEN_TYPE_INVALID'],
    ['a logout token', async () => ({ token: await env.mint({ ...valid(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }, { typ: 'logout+jwt' }) }), 'TOKEN_TYPE_INVALID'],
    ['unknown kid', async () => ({ token: await env.mint(valid(), { kid: 'no-such-key' }) }), 'SIGNATURE_INVALID'],
    ['jku injection', async () => ({ token: await env.mint(valid(), { jku: 'https://attacker.example/jwks.json' }) }), 'TOKEN_HEADER_REFUSED'],
    ['x5u injection', async () => ({ token: await env.mint(valid(), { x5u: 'https://attacker.example/cert.pem' }) }), 'TOKEN_HEADER_REFUSED'],
    ['embedded jwk', async () => ({ token: await env.mint(valid(), { jwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' } }) }), 'TOKEN_HEADER_REFUSED'],
    ['unknown crit', async () => ({ token: await env.mint(valid(), { crit: ['urn:attacker:ext'], 'urn:attacker:ext': true }) }), 'TOKEN_HEADER_REFUSED'],
    ['lifetime over the maximum', async () => ({ token: await env.mint(valid({ exp: now() + 7200 })) }), 'LIFETIME_TOO_LONG'],
    ['client_id and azp naming different clients', async () => ({ token: await env.mint(valid({ azp: 'demo-admin' })) }), 'CLAIM_INVALID'],
    [
      'tampered payload',
      async () => {
        const [header, , signature] = (await env.token(CLIENTS.agent)).split('.');
        return { token: `${header}.${base64url.encode(JSON.stringify(valid({ groups: ['admins'] })))}.${signature}` };
      },
      'SIGNATURE_INVALID',
    ],
    ['truncated signature', async () => ({ token: (await env.token(CLIENTS.agent)).slice(0, -10) }), 'SIGNATURE_INVALID'],
    ['truncated to two parts', async () => ({ token: (await env.token(CLIENTS.agent)).split('.').slice(0, 2).join('.') }), 'TOKEN_MALFORMED'],
    ['oversized', async () => ({ token: `${(await env.token(CLIENTS.agent)).split('.')[0]}.${'A'.repeat(12_000)}.x` }), 'TOKEN_MALFORMED'],
    ['payload not JSON', async () => ({ token: `${base64url.encode(JSON.stringify({ alg: 'ES256', typ: 'at+jwt' }))}.${base64url.encode('not json')}.sig` }), 'TOKEN_MALFORMED'],
    [
      'a valid token from an untrusted IdP',
      async () => {
        const res = await fetch(`${untrusted.issuer}/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from('demo-agent:demo-agent-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
        return { token: ((await res.json()) as { access_token: string }).access_token };
      },
      'ISSUER_UNTRUSTED',
    ],
    ['a SAML assertion, wrapped', async () => ({ saml: wrapped(await env.samlAssertion(CLIENTS.agent)) }), 'ASSERTION_INVALID'],
    ['a SAML assertion, unsigned', async () => ({ saml: await samlMint({ clientId: 'demo-agent', sign: false }) }), 'SIGNATURE_INVALID'],
    ['a SAML assertion, expired', async () => ({ saml: await samlMint({ clientId: 'demo-agent', issueInstant: new Date(Date.now() - 600_000).toISOString(), notBefore: new Date(Date.now() - 600_000).toISOString(), notOnOrAfter: new Date(Date.now() - 60_000).toISOString() }) }), 'TOKEN_EXPIRED'],
    ['a SAML assertion for another audience', async () => ({ saml: await samlMint({ clientId: 'demo-agent', audience: 'urn:elsewhere' }) }), 'AUDIENCE_MISMATCH'],
    ['a SAML assertion from an untrusted IdP', async () => ({ saml: await samlMint({ clientId: 'demo-agent', issuer: 'urn:attacker:idp' }) }), 'ISSUER_UNTRUSTED'],
    ['a JWT presented as SAML', async () => ({ saml: await env.token(CLIENTS.agent) }), 'TOKEN_MALFORMED'],
  ];

  it.each(cases)('%s', async (_name, make, code) => {
    expect(await refusedCode(await make())).toBe(code);
  });

  it('a SAML assertion replayed: accepted once, refused the second time (on a new connection)', async () => {
    const assertion = await env.samlAssertion(CLIENTS.agent);
    expect(await refusedCode({ saml: assertion })).toBe('ALLOWED');
    expect(await refusedCode({ saml: assertion })).toBe('ASSERTION_REPLAYED');
  });

  it('records each refusal as AuthenticationFailed with its code, and never logs or records a credential', async () => {
    const res = await env.gateway('/http/demo-http/echo', { token: await env.mint(valid(), { typ: 'JWT' }) });
    const { requestId } = await errorOf(res);
    const events = await eventually(async () => {
      const rows = await env.auditEvents(requestId);
      return rows.some((r) => r.type === 'request.completed') ? rows : undefined;
    });
    expect(events.map((e) => e.type)).toEqual(['auth.failed', 'request.completed']);
    expect(events[0]!.event_json).toMatchObject({ authenticationFailed: { code: 'TOKEN_TYPE_INVALID', protocol: 'http', credentialType: 'jwt', issuer, target: 'GET /http/demo-http/echo' } });
    // An untrusted issuer is named as it was claimed (bounded), so a SIEM sees which IdP is impersonated.
    const untrustedRes = await env.gateway('/http/demo-http/echo?access_token=should-not-be-recorded', { token: await env.mint(valid({ iss: 'https://idp.attacker.example' })) });
    const untrustedId = (await errorOf(untrustedRes)).requestId;
    const untrustedEvents = await eventually(async () => {
      const rows = await env.auditEvents(untrustedId);
      return rows.some((r) => r.type === 'auth.failed') ? rows : undefined;
    });
    expect(untrustedEvents.find((e) => e.type === 'auth.failed')!.event_json).toMatchObject({ authenticationFailed: { code: 'ISSUER_UNTRUSTED', issuer: 'https://idp.attacker.example', target: 'GET /http/demo-http/echo' } });
    expect(JSON.stringify(untrustedEvents)).not.toContain('should-not-be-recorded');
    const { rows } = await env.sql().query("select count(*)::int as n from audit.events where type = 'auth.failed'");
    expect(rows[0].n).toBeGreaterThanOrEqual(cases.length);
    // Nothing any caller presented appears in any log or in the audit log.
    const logs = readdirSync(env.logDir).map((f) => readFileSync(join(env.logDir, f), 'utf8')).join('\n');
    const audit = JSON.stringify((await env.sql().query('select event_json from audit.events')).rows);
    for (const credential of env.tokens) {
      for (const part of credential.split('.').filter((p) => p.length > 20)) {
        expect(logs.includes(part), 'a credential in a log').toBe(false);
        expect(audit.includes(part), 'a credential in the audit log').toBe(false);
      }
    }
  });
});
