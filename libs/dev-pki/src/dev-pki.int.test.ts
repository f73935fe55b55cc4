// The dev PKI with the real openssl CLI, and its certificates with the service-kit gRPC server and
// clients over real TLS: the whole of what "internal gRPC is mutual TLS" rests on.
import { mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { approvalsV1 } from '@portcullis/proto-gen';
import { callUnary, clientCredentials, createLogger, tlsChannelOptions, grpcReason, GrpcServer, PEERS, tlsProblems, type GrpcServiceBinding } from '@portcullis/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevPki, type DevPki } from './dev-pki.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'pc-pki-'));

describe('ensureDevPki', () => {
  it('makes a CA and, for every peer, a certificate naming it, keys readable by the owner only', async () => {
    const pki = await ensureDevPki(fresh());
    for (const peer of PEERS) {
      expect(tlsProblems(pki.material(peer), peer), peer).toEqual([]);
      expect(statSync(pki.files(peer).keyFile).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(pki.dir, 'ca.key')).mode & 0o777).toBe(0o600);
    // A certificate is its own peer's only: approvals' names approvals, not ingress.
    expect(tlsProblems(pki.material('approvals'), 'ingress')).toEqual([expect.stringContaining('must name this service with the URI spiffe://portcullis/ingress (it names approvals)')]);
  });

  it('reuses what is good, and makes again what is missing, broken or from another CA', async () => {
    const dir = fresh();
    const pki = await ensureDevPki(dir);
    const before = Object.fromEntries(PEERS.map((p) => [p, readFileSync(pki.files(p).certFile, 'utf8')]));
    const ca = readFileSync(pki.caFile, 'utf8');
    await ensureDevPki(dir);
    expect(readFileSync(pki.caFile, 'utf8')).toBe(ca);
    for (const p of PEERS) expect(readFileSync(pki.files(p).certFile, 'utf8')).toBe(before[p]);

    writeFileSync(pki.files('ingress').certFile, 'not a certificate');
    unlinkSync(pki.files('cli').keyFile);
    await ensureDevPki(dir);
    expect(tlsProblems(pki.material('ingress'), 'ingress')).toEqual([]);
    expect(tlsProblems(pki.material('cli'), 'cli')).toEqual([]);
    expect(readFileSync(pki.files('audit').certFile, 'utf8')).toBe(before.audit);

    // A new CA (its key lost): every certificate is issued again by it.
    unlinkSync(join(dir, 'ca.key'));
    await ensureDevPki(dir);
    expect(readFileSync(pki.caFile, 'utf8')).not.toBe(ca);
    for (const p of PEERS) expect(tlsProblems(pki.material(p), p), p).toEqual([]);
  });

  it('names what is wrong with material that does not belong together', async () => {
    const [a, b] = await Promise.all([ensureDevPki(fresh()), ensureDevPki(fresh())]);
    const mixed = { ca: a.material('policy').ca, cert: b.material('policy').cert, key: a.material('policy').key };
    expect(tlsProblems(mixed, 'policy')).toEqual(['PORTCULLIS_TLS_KEY: is not the key of PORTCULLIS_TLS_CERT', 'PORTCULLIS_TLS_CERT: is not issued by a CA in PORTCULLIS_TLS_CA']);
    expect(tlsProblems({ ...a.material('policy'), cert: Buffer.from('junk') }, 'policy')[0]).toMatch(/^PORTCULLIS_TLS_CERT: not a readable X.509 certificate/);
  });
});

describe('GrpcServer over mutual TLS', () => {
  let pki: DevPki;
  let foreign: DevPki;
  let server: GrpcServer;
  let address: string;
  const clients: grpc.Client[] = [];

  beforeAll(async () => {
    [pki, foreign] = await Promise.all([ensureDevPki(fresh()), ensureDevPki(fresh())]);
    const unimplemented = async () => {
      throw new Error('not in this test');
    };
    const implementation = Object.fromEntries(Object.keys(approvalsV1.ApprovalsServiceService).map((k) => [k, unimplemented])) as unknown as approvalsV1.ApprovalsServiceServer;
    implementation.getHold = (call, callback) => callback(null, { hold: approvalsV1.Hold.fromPartial({ id: call.request.id }) });
    implementation.listHolds = (_call, callback) => callback(null, approvalsV1.ListHoldsResponse.fromPartial({ holds: [] }));
    const callers = Object.fromEntries(Object.keys(approvalsV1.ApprovalsServiceService).map((k) => [k, ['ingress'] as const]));
    const binding: GrpcServiceBinding = { definition: approvalsV1.ApprovalsServiceService, implementation: implementation as unknown as grpc.UntypedServiceImplementation, callers: { ...callers, listHolds: 'any-peer' } };
    server = new GrpcServer({ host: '127.0.0.1', port: 0 }, [binding], pki.material('approvals'), createLogger('test', 'silent'));
    address = `127.0.0.1:${await server.listen()}`;
    server.setServing(true);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.drain(100);
  });

  const client = (credentials: grpc.ChannelCredentials) => {
    const c = new approvalsV1.ApprovalsServiceClient(address, credentials, tlsChannelOptions('approvals'));
    clients.push(c);
    return c;
  };
  const getHold = (c: approvalsV1.ApprovalsServiceClient) => callUnary<approvalsV1.GetHoldResponse>((cb) => c.getHold({ id: 'h1' }, new grpc.Metadata(), { deadline: Date.now() + 3000 }, cb));
  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (err: grpc.ServiceError) => ({ code: grpc.status[err.code], reason: grpcReason(err), details: err.details }));

  it('serves the peer the table names', async () => {
    expect((await getHold(client(clientCredentials(pki.material('ingress'), 'approvals')))).hold?.id).toBe('h1');
  });

  it('refuses another verified peer with PERMISSION_DENIED naming the method and the caller', async () => {
    expect(await failure(getHold(client(clientCredentials(pki.material('policy'), 'approvals'))))).toEqual({ code: 'PERMISSION_DENIED', reason: 'CALLER_NOT_ALLOWED', details: 'ApprovalsService/GetHold may be called only by ingress, not by policy' });
    const cli = client(clientCredentials(pki.material('cli'), 'approvals'));
    expect(await callUnary<approvalsV1.ListHoldsResponse>((cb) => cli.listHolds(approvalsV1.ListHoldsRequest.fromPartial({ includeResolved: false }), cb))).toMatchObject({ holds: [] });
  });

  it('lets no plaintext, certificate-less or foreign client in', async () => {
    const ca = pki.material('ingress').ca;
    for (const credentials of [grpc.credentials.createInsecure(), grpc.credentials.createSsl(ca), clientCredentials({ ...foreign.material('ingress'), ca }, 'approvals')]) {
      expect(await failure(getHold(client(credentials)))).toMatchObject({ code: 'UNAVAILABLE' });
    }
  });

  it('does not talk to a server that is not the service it meant to call', async () => {
    expect(await failure(getHold(client(clientCredentials(pki.material('ingress'), 'identity'))))).toMatchObject({ code: 'UNAVAILABLE', details: expect.stringContaining('the server is approvals, not identity') });
  });

  it('serves grpc.health.v1 to verified clients', async () => {
    const { probe } = (await import(join(__dirname, '../../../deploy/health-probe.mjs'))) as { probe: (t: string, env: Record<string, string>) => Promise<void> };
    await probe(`grpc://${address}`, pki.env('ingress'));
    await expect(probe(`grpc://${address}`, foreign.env('ingress'))).rejects.toThrow();
  });
});
