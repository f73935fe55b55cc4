import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { CompactSign, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { parsePortcullisConfig, type OidcIssuerConfig } from '@portcullis/config';
import { eventsV1, identityV1 } from '@portcullis/proto-gen';
import { createLogger, grpcReason, tlsChannelOptions } from '@portcullis/service-kit';
import { createTestDatabase, deleteStreams, natsUrl, testClientCredentials, testTls, uniqueNamespace, type TestDatabase } from '@portcullis/testkit';
import { createApp } from './app.js';
import type { IdentityConfig } from './config.js';

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

async function eventuallyIs<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
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
  let config: IdentityConfig;
  let database: TestDatabase;
  let nats: NatsConnection;
  let namespace: string;
  const logLines: string[] = [];
  const tokens: string[] = [];
  const logger = createLogger('identity', 'debug', new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));

  const verify = async (token: string): Promise<identityV1.VerifyResponse['result']> => {
    tokens.push(token);
    const response = await new Promise<identityV1.VerifyResponse>((resolve, reject) =>
      client.verify({ token, type: 0, continuing: false }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    return response.result;
  };

  beforeAll(async () => {
    idp = await TinyIdp.start();
    downPort = await freePort();
    const issuers = parsePortcullisConfig(`
issuers:
  - { issuer: "${idp.issuer}", audience: portcullis }
  - { issuer: "http://127.0.0.1:${downPort}", audience: portcullis }
`).issuers as OidcIssuerConfig[];
    database = await createTestDatabase('pc_identity');
    namespace = uniqueNamespace('id');
    nats = await connect({ servers: await natsUrl() });
    config = {
      tls: await testTls('identity'),
      grpcAddress: { host: '127.0.0.1', port: 0 },
      logLevel: 'debug',
      databaseUrl: database.url,
      natsUrl: await natsUrl(),
      namespace,
      instanceId: 'identity-test',
      oidcIssuers: issuers,
      samlIssuers: [],
      adminGroups: ['admins'],
      longestTokenLifetimeMs: 3_610_000,
    };
    app = createApp(config, logger, {
      // No cooldown so the rotation test needs no sleep; a short retry so the recovery test is quick.
      oidc: { jwksCooldownMs: 0, retryAfterMs: 200 },
    });
    await app.start();
    client = new identityV1.IdentityServiceClient(`127.0.0.1:${app.grpcPort()}`, await testClientCredentials('ingress', 'identity'), tlsChannelOptions('identity'));
  });

  afterAll(async () => {
    client?.close();
    await app?.stop();
    await idp?.stop();
    await down?.stop();
    await nats?.close();
    if (namespace) await deleteStreams(await natsUrl(), namespace);
    await database?.drop();
  });

  const admin = async (method: 'revoke' | 'unrevoke' | 'listRevocations', request: object, token?: string): Promise<unknown> => {
    const metadata = new grpc.Metadata();
    if (token) metadata.set('authorization', `Bearer ${token}`);
    return new Promise((resolve, reject) =>
      (client[method] as unknown as (r: object, m: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void).call(client, request, metadata, (err, res) => (err ? reject(err) : resolve(res))),
    );
  };
  const refusedWith = async (call: Promise<unknown>) => call.then(() => 'ok', (err: grpc.ServiceError) => `${grpc.status[err.code]} ${grpcReason(err)}`);

  it('serves grpc.health.v1 as SERVING', async () => {
    const health = new grpc.Client(`127.0.0.1:${app.grpcPort()}`, await testClientCredentials('ingress', 'identity'), tlsChannelOptions('identity'));
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
      value: { subject: 'demo-agent', clientId: 'demo-agent', groups: ['agents'], issuer: idp.issuer, expiresAt: expect.any(Date), scopes: [], kind: 'machine', claimsJson: expect.any(String), tokenId: '' },
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
    expect(result).toEqual({ $case: 'failure', value: { code: 'AUDIENCE_MISMATCH', message: 'token audience does not include "portcullis"', issuer: idp.issuer } });
  });

  describe('revocation', () => {
    const { RevocationKind } = identityV1;
    const byClient = (value: string) => ({ kind: RevocationKind.REVOCATION_KIND_CLIENT_ID, value, issuer: '' });

    it('is for identity admins only: no token, a refused token and a non-admin are refused', async () => {
      expect(await refusedWith(admin('listRevocations', {}))).toBe('UNAUTHENTICATED TOKEN_MISSING');
      expect(await refusedWith(admin('listRevocations', {}, 'not-a-token'))).toBe('UNAUTHENTICATED TOKEN_MALFORMED');
      expect(await refusedWith(admin('revoke', { selector: byClient('x') }, await idp.token({ groups: ['agents'] })))).toBe('PERMISSION_DENIED NOT_IDENTITY_ADMIN');
      const adminToken = await idp.token({ sub: 'ops-admin', client_id: 'ops-admin', groups: ['admins'] });
      expect(await refusedWith(admin('revoke', { selector: { kind: RevocationKind.REVOCATION_KIND_UNSPECIFIED, value: 'x', issuer: '' } }, adminToken))).toBe('INVALID_ARGUMENT BAD_REQUEST');
      expect(await refusedWith(admin('revoke', { selector: byClient('') }, adminToken))).toBe('INVALID_ARGUMENT BAD_REQUEST');
      expect(await refusedWith(admin('revoke', { selector: { kind: RevocationKind.REVOCATION_KIND_TOKEN_ID, value: 'j', issuer: '' }, duration: { seconds: 60n, nanos: 0 } }, adminToken))).toBe('INVALID_ARGUMENT BAD_REQUEST');
    });

    it('refuses every token of a revoked client, fresh ones too, announces it, survives a restart and is lifted by unrevoke', async () => {
      const adminToken = await idp.token({ sub: 'ops-admin', client_id: 'ops-admin', groups: ['admins'] });
      const announced: eventsV1.Event[] = [];
      const sub = nats.subscribe(`${namespace}.evt.identity.>`, { callback: (_err, msg) => announced.push(eventsV1.Event.decode(msg.data)) });
      const before = await idp.token({ sub: 'ci-bot', client_id: 'ci-bot' });
      expect((await verify(before))?.$case).toBe('principal');

      const revoked = (await admin('revoke', { selector: byClient('ci-bot'), reason: 'leaked in a CI log' }, adminToken)) as identityV1.RevokeResponse;
      expect(revoked).toMatchObject({ created: true, revocation: { reason: 'leaked in a CI log', revokedBy: `${idp.issuer} ops-admin`, expiresAt: undefined } });
      expect(await verify(before)).toEqual({ $case: 'failure', value: { code: 'REVOKED', message: 'this identity has been revoked', issuer: idp.issuer } });
      expect(await verify(await idp.token({ sub: 'ci-bot', client_id: 'ci-bot', jti: 'fresh' }))).toMatchObject({ $case: 'failure', value: { code: 'REVOKED' } });
      expect((await verify(await idp.token({ sub: 'other-bot', client_id: 'other-bot' })))?.$case).toBe('principal');
      // Revoking again changes nothing and announces nothing.
      expect(await admin('revoke', { selector: byClient('ci-bot'), reason: 'again' }, adminToken)).toMatchObject({ created: false, revocation: { reason: 'leaked in a CI log' } });

      await eventuallyIs(async () => announced.length, (n) => n >= 1);
      expect(announced.map((e) => e.body?.$case)).toEqual(['identityRevoked']);
      expect(announced[0]!.body).toMatchObject({ value: { revocation: { selector: byClient('ci-bot'), reason: 'leaked in a CI log' } } });

      // A restarted service (here: a second instance on the same database) knows it before its first token.
      const second = createApp(config, logger, { oidc: { jwksCooldownMs: 0 } });
      await second.start();
      const secondClient = new identityV1.IdentityServiceClient(`127.0.0.1:${second.grpcPort()}`, await testClientCredentials('ingress', 'identity'), tlsChannelOptions('identity'));
      const viaSecond = await new Promise<identityV1.VerifyResponse>((resolve, reject) => secondClient.verify({ token: before, type: 0, continuing: false }, (err, res) => (err ? reject(err) : resolve(res))));
      expect(viaSecond.result).toMatchObject({ $case: 'failure', value: { code: 'REVOKED' } });
      expect(((await admin('listRevocations', {}, adminToken)) as identityV1.ListRevocationsResponse).revocations).toEqual([expect.objectContaining({ selector: byClient('ci-bot') })]);

      expect(await admin('unrevoke', { selector: byClient('ci-bot') }, adminToken)).toEqual({ removed: true });
      expect(await admin('unrevoke', { selector: byClient('ci-bot') }, adminToken)).toEqual({ removed: false });
      expect((await verify(before))?.$case).toBe('principal');
      // The other instance picks the lifting up at its next reload (every second).
      const lifted = await eventuallyIs(
        () => new Promise<identityV1.VerifyResponse>((resolve, reject) => secondClient.verify({ token: before, type: 0, continuing: false }, (err, res) => (err ? reject(err) : resolve(res)))),
        (r) => r.result?.$case === 'principal',
      );
      expect(lifted.result?.$case).toBe('principal');
      await eventuallyIs(async () => announced.length, (n) => n >= 2);
      expect(announced.map((e) => e.body?.$case)).toEqual(['identityRevoked', 'identityUnrevoked']);
      secondClient.close();
      await second.stop();
      sub.unsubscribe();
    });

    it('expires a token-id revocation once no token carrying it can be valid; a timed one after its duration', async () => {
      const adminToken = await idp.token({ sub: 'ops-admin', client_id: 'ops-admin', groups: ['admins'] });
      const byJti = { kind: RevocationKind.REVOCATION_KIND_TOKEN_ID, value: 'jti-42', issuer: idp.issuer };
      const stored = (await admin('revoke', { selector: byJti, reason: '' }, adminToken)) as identityV1.RevokeResponse;
      const lifetime = stored.revocation!.expiresAt!.getTime() - stored.revocation!.revokedAt!.getTime();
      expect(lifetime).toBe(3_605_000 + 5_000);
      expect(stored.revocation!.reason).toBe('no reason given');
      expect(await verify(await idp.token({ jti: 'jti-42' }))).toMatchObject({ $case: 'failure', value: { code: 'REVOKED' } });
      expect((await verify(await idp.token({ jti: 'jti-43' })))?.$case).toBe('principal');
      const timed = (await admin('revoke', { selector: { kind: RevocationKind.REVOCATION_KIND_SUBJECT, value: 'temp', issuer: '' }, reason: 'a break', duration: { seconds: 1n, nanos: 0 } }, adminToken)) as identityV1.RevokeResponse;
      expect(timed.revocation!.expiresAt!.getTime() - timed.revocation!.revokedAt!.getTime()).toBe(1000);
      const temp = await idp.token({ sub: 'temp' });
      expect(await verify(temp)).toMatchObject({ $case: 'failure', value: { code: 'REVOKED' } });
      expect((await eventuallyIs(() => verify(temp), (r) => r?.$case === 'principal'))?.$case).toBe('principal');
      // Revoking again lengthens a timed revocation (here: made permanent), never shortens one.
      const bySubject = { kind: RevocationKind.REVOCATION_KIND_SUBJECT, value: 'temp2', issuer: '' };
      await admin('revoke', { selector: bySubject, reason: 'for a minute', duration: { seconds: 60n, nanos: 0 } }, adminToken);
      const permanent = (await admin('revoke', { selector: bySubject, reason: 'for good' }, adminToken)) as identityV1.RevokeResponse;
      expect(permanent).toMatchObject({ created: true, revocation: { reason: 'for a minute', expiresAt: undefined } });
      const shorter = (await admin('revoke', { selector: bySubject, reason: 'x', duration: { seconds: 5n, nanos: 0 } }, adminToken)) as identityV1.RevokeResponse;
      expect(shorter).toMatchObject({ created: false, revocation: { expiresAt: undefined } });
      await admin('unrevoke', { selector: bySubject }, adminToken);
      await admin('unrevoke', { selector: byJti }, adminToken);
    });
  });

  it('picks up new keys when the IdP restarts with a new kid', async () => {
    await idp.rotate('k2');
    expect((await verify(await idp.token()))?.$case).toBe('principal');
  });

  it('answers IDP_UNAVAILABLE while an IdP is down, and recovers once it is up', async () => {
    const unreachable = await new SignJWT({ sub: 'demo-agent' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(`http://127.0.0.1:${downPort}`)
      .setAudience('portcullis')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign((await generateKeyPair('ES256')).privateKey);
    const result = await verify(unreachable);
    expect(result).toMatchObject({ $case: 'failure', value: { code: 'IDP_UNAVAILABLE' } });
    expect(result?.value).toMatchObject({ message: `keys of issuer "http://127.0.0.1:${downPort}" cannot be fetched right now; try again shortly` });

    const restarted = await TinyIdp.start(downPort);
    down = restarted;
    const recovered = await eventuallyIs(async () => verify(await restarted.token()), (r) => r?.$case === 'principal');
    expect(recovered).toMatchObject({ $case: 'principal', value: { issuer: `http://127.0.0.1:${downPort}` } });
  });

  it('keeps verifying with cached keys when the IdP stops; an unknown kid then means IDP_UNAVAILABLE', async () => {
    const known = await idp.token();
    const unknownKid = await idp.token({}, 'k3');
    await idp.stop();
    expect((await verify(known))?.$case).toBe('principal');
    expect(await verify(unknownKid)).toMatchObject({ $case: 'failure', value: { code: 'IDP_UNAVAILABLE' } });
  });

  it('logs one line per refusal with code and issuer, and never a token', () => {
    const refusals = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'token refused');
    expect(refusals).toContainEqual(expect.objectContaining({ code: 'AUDIENCE_MISMATCH', issuer: idp.issuer, level: 30 }));
    expect(refusals).toContainEqual(expect.objectContaining({ code: 'IDP_UNAVAILABLE', issuer: `http://127.0.0.1:${downPort}`, level: 40 }));
    const all = logLines.join('');
    for (const token of tokens) for (const part of token.split('.')) expect(all).not.toContain(part);
  });
});
