import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { identityV1 } from '@portcullis/proto-gen';
import { serverCredentials } from '@portcullis/service-kit';
import { testClientCredentials, testTls } from '@portcullis/testkit';
import { IdentityClient } from './identity-client.js';

// The client's cache against a real gRPC server playing identity: it counts the tokens it is asked
// to verify and answers per token. The clock is the client's injected one: no sleeping.

const NOW = Date.parse('2026-12-02T00:00:00Z');
const asked: string[] = [];
const answers: Record<string, identityV1.VerifyResponse> = {
  long: {
    result: {
      $case: 'principal',
      value: { subject: 'a', clientId: 'a', groups: ['agents'], issuer: 'i', expiresAt: new Date(NOW + 3_600_000), scopes: ['orders:read'], kind: 'machine', claimsJson: '{"sub":"a","tenant":"acme"}' },
    },
  },
  short: { result: { $case: 'principal', value: { subject: 'b', clientId: 'b', groups: [], issuer: 'i', expiresAt: new Date(NOW + 5_000), scopes: [], kind: 'human', claimsJson: '{"sub":"b"}' } } },
  // What an identity service older than scopes, kinds and claims answers.
  older: { result: { $case: 'principal', value: { subject: 'c', clientId: 'c', groups: [], issuer: 'i', expiresAt: new Date(NOW + 5_000), scopes: [], kind: '', claimsJson: '' } } },
  bad: { result: { $case: 'failure', value: { code: 'SIGNATURE_INVALID', message: 'bad signature', issuer: '' } } },
  newer: { result: { $case: 'failure', value: { code: 'SOMETHING_NEW', message: 'a code from a newer identity service', issuer: '' } } },
};
let server: grpc.Server;
let address: string;
let credentials: grpc.ChannelCredentials;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(identityV1.IdentityServiceService, {
    verify: (call: grpc.ServerUnaryCall<identityV1.VerifyRequest, identityV1.VerifyResponse>, cb: grpc.sendUnaryData<identityV1.VerifyResponse>) => {
      asked.push(call.request.token);
      cb(null, answers[call.request.token] ?? { result: undefined });
    },
  });
  const tls = serverCredentials(await testTls('identity'));
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', tls, (err, p) => (err ? reject(err) : resolve(p))));
  address = `127.0.0.1:${port}`;
  credentials = await testClientCredentials('ingress', 'identity');
});

afterAll(() => server?.forceShutdown());

function client(options: { ttl?: number; size?: number } = {}) {
  const clock = { now: NOW };
  const c = new IdentityClient({ address, credentials, cacheTtlMs: options.ttl ?? 60_000, cacheSize: options.size ?? 100, now: () => clock.now });
  return { clock, c };
}

const count = (token: string) => asked.filter((t) => t === token).length;

describe('IdentityClient cache', () => {
  it('verifies a token once and serves the principal from the cache until the TTL', async () => {
    const { c, clock } = client({ ttl: 60_000 });
    const before = count('long');
    expect(await c.verify('long')).toMatchObject({ ok: true, principal: { subject: 'a' } });
    expect(await c.verify('long')).toMatchObject({ ok: true });
    expect(count('long') - before).toBe(1);
    clock.now += 60_000;
    await c.verify('long');
    expect(count('long') - before).toBe(2);
    c.close();
  });

  it('keeps scopes, kind and claims in the cached principal', async () => {
    const { c } = client();
    const expected = { subject: 'a', scopes: ['orders:read'], kind: 'machine', claimsJson: '{"sub":"a","tenant":"acme"}' };
    expect(await c.verify('long')).toMatchObject({ ok: true, principal: expected });
    const before = count('long');
    expect(await c.verify('long')).toMatchObject({ ok: true, principal: expected });
    expect(count('long')).toBe(before);
    c.close();
  });

  it('reads a principal without a kind or claims as a human with none', async () => {
    const { c } = client();
    expect(await c.verify('older')).toMatchObject({ ok: true, principal: { subject: 'c', scopes: [], kind: 'human', claimsJson: '{}' } });
    c.close();
  });

  it('never serves a principal past its token’s expiry, whatever the TTL', async () => {
    const { c, clock } = client({ ttl: 600_000 });
    const before = count('short');
    await c.verify('short');
    clock.now += 4_999;
    await c.verify('short');
    expect(count('short') - before).toBe(1);
    clock.now += 1;
    await c.verify('short');
    expect(count('short') - before).toBe(2);
    c.close();
  });

  it('never caches a refusal, and treats a code it does not know as a malformed token', async () => {
    const { c } = client();
    const before = count('bad');
    expect(await c.verify('bad')).toEqual({ ok: false, code: 'SIGNATURE_INVALID', message: 'bad signature' });
    await c.verify('bad');
    expect(count('bad') - before).toBe(2);
    expect(await c.verify('newer')).toMatchObject({ ok: false, code: 'TOKEN_MALFORMED' });
    expect(await c.verify('empty')).toMatchObject({ ok: false, code: 'IDENTITY_UNAVAILABLE' });
    c.close();
  });

  it('is bounded: the oldest entry makes room', async () => {
    const { c } = client({ size: 1 });
    const before = count('long');
    await c.verify('long');
    await c.verify('short');
    await c.verify('long');
    expect(count('long') - before).toBe(2);
    c.close();
  });

  it('fails closed when identity cannot be reached', async () => {
    const c = new IdentityClient({ address: '127.0.0.1:1', credentials, deadlineMs: 500 });
    expect(await c.verify('long')).toMatchObject({ ok: false, code: 'IDENTITY_UNAVAILABLE' });
    c.close();
  });
});
