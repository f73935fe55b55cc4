import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePortcullisConfig } from '@portcullis/config';
import { identityV1 } from '@portcullis/proto-gen';
import { createLogger } from '@portcullis/service-kit';
import { createApp } from './app.js';

/** A minimal OpenID provider: a discovery document and a JWKS that can rotate. */
class TinyIdp {
  private server: Server | undefined;
  private keys: { kid: string; privateKey: CryptoKey; jwk: JWK }[] = [];

  constructor(readonly port: number) {}

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(port = 0): Promise<TinyIdp> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    const idp = new TinyIdp((server.address() as AddressInfo).port);
    idp.server = server;
    server.on('request', (req, res) => {
      const body =
        req.url === '/.well-known/openid-configuration' ? { issuer: idp.issuer, jwks_uri: `${idp.issuer}/jwks` } : req.url === '/jwks' ? { keys: idp.keys.map((k) => k.jwk) } : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? { error: 'not found' }));
    });
    await idp.rotate('k1');
    return idp;
  }

  /** Replaces the signing key, as an IdP restart with fresh keys does. */
  async rotate(kid: string): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    this.keys = [{ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } }];
  }

  async token(claims: Record<string, unknown> = {}, kid = this.keys[0]!.kid): Promise<string> {
    const key = this.keys.find((k) => k.kid === kid)?.privateKey ?? (await generateKeyPair('ES256')).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const defaults = { iss: this.issuer, aud: 'portcullis', sub: 'demo-agent', client_id: 'demo-agent', groups: ['agents'], iat: now, exp: now + 300 };
    return new SignJWT({ ...defaults, ...claims }).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(key);
  }

  /** A token signed over `payload` exactly as written (the caller supplies every claim). */
  async rawToken(payload: string): Promise<string> {
    return new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'ES256', kid: this.keys[0]!.kid, typ: 'at+jwt' }).sign(this.keys[0]!.privateKey);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port nothing listens on (an IdP that is down). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('identity service', () => {
  let idp: TinyIdp;
  let down: TinyIdp | undefined;
  let downPort: number;
  let app: ReturnType<typeof createApp>;
  let client: identityV1.IdentityServiceClient;
  const logLines: string[] = [];
  const tokens: string[] = [];

  const verify = async (token: string): Promise<identityV1.VerifyResponse['result']> => {
    tokens.push(token);
    const response = await new Promise<identityV1.VerifyResponse>((resolve, reject) =>
      client.verify({ token }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    return response.result;
  };

  beforeAll(async () => {
    idp = await TinyIdp.start();
    downPort = await freePort();
    const { issuers } = parsePortcullisConfig(`
issuers:
  - { issuer: "${idp.issuer}", audience: portcullis }
  - { issuer: "http://127.0.0.1:${downPort}", audience: portcullis }
`);
    const logger = createLogger('identity', 'debug', new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
    app = createApp({ grpcAddress: { host: '127.0.0.1', port: 0 }, logLevel: 'debug', issuers }, logger, {
      // No cooldown so the rotation test needs no sleep; a short retry so the recovery test is quick.
      oidc: { jwksCooldownMs: 0, retryAfterMs: 200 },
    });
    await app.start();
    client = new identityV1.IdentityServiceClient(`127.0.0.1:${app.grpcPort()}`, grpc.credentials.createInsecure());
  });

  afterAll(async () => {
    client?.close();
    await app?.stop();
    await idp?.stop();
    await down?.stop();
  });

  it('serves grpc.health.v1 as SERVING', async () => {
    const health = new grpc.Client(`127.0.0.1:${app.grpcPort()}`, grpc.credentials.createInsecure());
    // HealthCheckRequest{service: ""} encodes to nothing; HealthCheckResponse{status: SERVING} to 08 01.
    const response = await new Promise<Buffer>((resolve, reject) =>
      health.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (bytes: Buffer) => bytes, {}, (err, res) => (err ? reject(err) : resolve(res!))),
    );
    health.close();
    expect([...response]).toEqual([0x08, 0x01]);
  });

  it('verifies a token from a discovered issuer into a principal', async () => {
    const result = await verify(await idp.token());
    expect(result).toEqual({
      $case: 'principal',
      value: { subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'], issuer: idp.issuer, expiresAt: expect.any(Date), scopes: [], kind: 'machine', claimsJson: expect.any(String) },
    });
  });

  it('carries scopes, kind and claims to the wire', async () => {
    const result = await verify(await idp.token({ sub: 'alice', scope: 'orders:read orders:write', tenant: 'acme' }));
    expect(result).toMatchObject({ $case: 'principal', value: { subject: 'alice', clientId: 'demo-agent', scopes: ['orders:read', 'orders:write'], kind: 'human' } });
    expect(JSON.parse((result?.value as { claimsJson: string }).claimsJson)).toMatchObject({ sub: 'alice', tenant: 'acme', scope: 'orders:read orders:write' });
  });

  it('drops claims too large to carry, logging their size and never their content', async () => {
    const now = Math.floor(Date.now() / 1000);
    // 1e20 is written out in full in canonical JSON: 1,000 of them are about 22 KB.
    const payload = `{"iss":"${idp.issuer}","aud":"portcullis","sub":"big-claims","iat":${now},"exp":${now + 300},"marker":"do-not-log-me","n":[${Array(1000).fill('1e20').join(',')}]}`;
    const result = await verify(await idp.rawToken(payload));
    expect(result).toMatchObject({ $case: 'principal', value: { subject: 'big-claims', claimsJson: '{}' } });
    const warnings = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.principal === 'big-claims');
    expect(warnings).toEqual([expect.objectContaining({ level: 40, msg: 'token claims too large to carry; the principal has none', claimsBytes: expect.any(Number) })]);
    expect(warnings[0]!.claimsBytes).toBeGreaterThan(16 * 1024);
    expect(logLines.join('')).not.toContain('do-not-log-me');
  });

  it('answers a token for another audience with a failure value, not a gRPC error', async () => {
    const result = await verify(await idp.token({ aud: 'someone-else' }));
    expect(result).toEqual({ $case: 'failure', value: { code: 'AUDIENCE_INVALID', message: 'token audience does not include "portcullis"' } });
  });

  it('picks up new keys when the IdP restarts with a new kid', async () => {
    await idp.rotate('k2');
    expect((await verify(await idp.token()))?.$case).toBe('principal');
  });

  it('answers ISSUER_UNAVAILABLE while an IdP is down, and recovers once it is up', async () => {
    const unreachable = await new SignJWT({ sub: 'demo-agent' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(`http://127.0.0.1:${downPort}`)
      .setAudience('portcullis')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign((await generateKeyPair('ES256')).privateKey);
    const result = await verify(unreachable);
    expect(result).toMatchObject({ $case: 'failure', value: { code: 'ISSUER_UNAVAILABLE' } });
    expect(result?.value).toMatchObject({ message: `keys of issuer "http://127.0.0.1:${downPort}" cannot be fetched right now; try again shortly` });

    const restarted = await TinyIdp.start(downPort);
    down = restarted;
    const recovered = await eventually(async () => verify(await restarted.token()), (r) => r?.$case === 'principal');
    expect(recovered).toMatchObject({ $case: 'principal', value: { issuer: `http://127.0.0.1:${downPort}` } });
  });

  it('keeps verifying with cached keys when the IdP stops; an unknown kid then means ISSUER_UNAVAILABLE', async () => {
    const known = await idp.token();
    const unknownKid = await idp.token({}, 'k3');
    await idp.stop();
    expect((await verify(known))?.$case).toBe('principal');
    expect(await verify(unknownKid)).toMatchObject({ $case: 'failure', value: { code: 'ISSUER_UNAVAILABLE' } });
  });

  it('logs one line per refusal with code and issuer, and never a token', () => {
    const refusals = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'token refused');
    expect(refusals).toContainEqual(expect.objectContaining({ code: 'AUDIENCE_INVALID', issuer: idp.issuer, level: 30 }));
    expect(refusals).toContainEqual(expect.objectContaining({ code: 'ISSUER_UNAVAILABLE', issuer: `http://127.0.0.1:${downPort}`, level: 40 }));
    const all = logLines.join('');
    for (const token of tokens) for (const part of token.split('.')) expect(all).not.toContain(part);
  });
});
