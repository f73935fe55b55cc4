// Internal gRPC is mutual TLS, end to end: every service port of a running stack refuses a
// plaintext client, a TLS client without a certificate and one whose certificate another CA
// issued; a verified client of the wrong service is refused per method (PERMISSION_DENIED naming
// the method and the caller); and the stack's own paths (ingress to identity, masking, approvals;
// the CLI to approvals and identity) work.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ensureDevPki, type DevPki } from '@portcullis/dev-pki';
import { approvalsV1, identityV1, maskingV1, policyV1 } from '@portcullis/proto-gen';
import { callUnary, clientCredentials, grpcReason, tlsChannelOptions, type Peer } from '@portcullis/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
let foreign: DevPki;
const clients: grpc.Client[] = [];

beforeAll(async () => {
  await env.start();
  foreign = await ensureDevPki(mkdtempSync(join(tmpdir(), 'pc-foreign-pki-')));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await env.stop();
});

const SERVICES = ['identity', 'policy', 'approvals', 'masking', 'audit'] as const satisfies readonly Peer[];
const addressOf = (service: (typeof SERVICES)[number]) => `127.0.0.1:${env.stack.ports[service]}`;
const tracked = <C extends grpc.Client>(client: C): C => (clients.push(client), client);

/** grpc.health.v1 Check with the given credentials: undefined when it answered, else the status name. */
async function healthCheck(address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions = {}): Promise<string | undefined> {
  const client = tracked(new grpc.Client(address, credentials, options));
  try {
    await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (b: Buffer) => b, {}, new grpc.Metadata(), { deadline: Date.now() + 3000 }, (err, res) => (err ? reject(err) : resolve(res!))),
    );
    return undefined;
  } catch (err) {
    return grpc.status[(err as grpc.ServiceError).code];
  }
}

/** A call's failure as { code, reason, details }, or "ok". */
const outcome = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (err: grpc.ServiceError) => ({ code: grpc.status[err.code], reason: grpcReason(err), details: err.details }),
  );

const as = (peer: Peer, server: Peer) => clientCredentials(env.stack.tls.material(peer), server);
const deadline = () => ({ deadline: Date.now() + 5000 });

describe('every service port is mutual TLS only', () => {
  it.each(SERVICES)('%s: serves health to a verified peer, refuses plaintext, certificate-less and foreign clients', async (service) => {
    const address = addressOf(service);
    const ca = env.stack.tls.material('cli').ca;
    expect(await healthCheck(address, as('cli', service), tlsChannelOptions(service))).toBeUndefined();
    expect(await healthCheck(address, grpc.credentials.createInsecure())).toBe('UNAVAILABLE');
    expect(await healthCheck(address, grpc.credentials.createSsl(ca), tlsChannelOptions(service))).toBe('UNAVAILABLE');
    // Trusts the right CA, but presents a certificate another CA issued (for the same name).
    expect(await healthCheck(address, clientCredentials({ ...foreign.material('ingress'), ca }, service), tlsChannelOptions(service))).toBe('UNAVAILABLE');
  });

  it('a client does not accept a server that is not the service it dials for', async () => {
    // The approvals port answered by approvals, but the client expects identity there.
    expect(await healthCheck(addressOf('approvals'), as('ingress', 'identity'), tlsChannelOptions('identity'))).toBe('UNAVAILABLE');
  });
});

describe('each method checks the calling service', () => {
  const approvals = (peer: Peer) => tracked(new approvalsV1.ApprovalsServiceClient(addressOf('approvals'), as(peer, 'approvals'), tlsChannelOptions('approvals')));
  const denied = (method: string, caller: Peer, allowed: string) => ({ code: 'PERMISSION_DENIED', reason: 'CALLER_NOT_ALLOWED', details: `${method} may be called only by ${allowed}, not by ${caller}` });

  it.each(['policy', 'cli'] as const)('approvals: CreateHold, GetHold, CancelHold and ReportRelease refuse %s', async (peer) => {
    const client = approvals(peer);
    const request = approvalsV1.CreateHoldRequest.fromPartial({});
    expect(await outcome(callUnary((cb) => client.createHold(request, new grpc.Metadata(), deadline(), cb)))).toEqual(denied('ApprovalsService/CreateHold', peer, 'ingress'));
    expect(await outcome(callUnary((cb) => client.getHold({ id: 'h-1' }, new grpc.Metadata(), deadline(), cb)))).toEqual(denied('ApprovalsService/GetHold', peer, 'ingress'));
    expect(await outcome(callUnary((cb) => client.reportRelease({ holdId: 'h-1', forwarded: true, code: '', message: '' }, new grpc.Metadata(), deadline(), cb)))).toEqual(denied('ApprovalsService/ReportRelease', peer, 'ingress'));
    // Cancelling someone's held request (to hide it from approvers) is the gateway's alone too.
    expect(await outcome(callUnary((cb) => client.cancelHold({ id: 'h-1', reason: 'x' }, new grpc.Metadata(), deadline(), cb)))).toEqual(denied('ApprovalsService/CancelHold', peer, 'ingress'));
  });

  it("approvals: an approver's method is open to any peer and then needs the token", async () => {
    expect(await outcome(callUnary((cb) => approvals('cli').listHolds(approvalsV1.ListHoldsRequest.fromPartial({ includeResolved: false }), new grpc.Metadata(), deadline(), cb)))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_MISSING' });
  });

  it('masking: GetProfiles and Mask serve ingress only', async () => {
    const masking = (peer: Peer) => tracked(new maskingV1.MaskingServiceClient(addressOf('masking'), as(peer, 'masking'), tlsChannelOptions('masking')));
    expect(await outcome(callUnary((cb) => masking('ingress').getProfiles({}, new grpc.Metadata(), deadline(), cb)))).toBe('ok');
    expect(await outcome(callUnary((cb) => masking('policy').getProfiles({}, new grpc.Metadata(), deadline(), cb)))).toEqual(denied('MaskingService/GetProfiles', 'policy', 'ingress'));
    expect(await outcome(callUnary((cb) => masking('cli').mask({ profile: 'default', contentType: 'text/plain', body: Buffer.from('x') }, new grpc.Metadata(), deadline(), cb)))).toEqual(denied('MaskingService/Mask', 'cli', 'ingress'));
  });

  it('identity: Verify refuses the CLI, and only ingress may verify with continuing', async () => {
    const identity = (peer: Peer) => tracked(new identityV1.IdentityServiceClient(addressOf('identity'), as(peer, 'identity'), tlsChannelOptions('identity')));
    const verify = (peer: Peer, continuing: boolean) => callUnary<identityV1.VerifyResponse>((cb) => identity(peer).verify({ token: 'not-a-token', type: identityV1.CredentialType.CREDENTIAL_TYPE_JWT, continuing }, new grpc.Metadata(), deadline(), cb));
    expect(await outcome(verify('cli', false))).toEqual(denied('IdentityService/Verify', 'cli', 'ingress or approvals or policy or audit'));
    expect(await outcome(verify('approvals', true))).toEqual(denied('IdentityService/Verify with continuing', 'approvals', 'ingress'));
    expect(await outcome(verify('policy', true))).toEqual(denied('IdentityService/Verify with continuing', 'policy', 'ingress'));
    // Allowed callers get an answer (a refusal value for a non-token), not a gRPC error.
    expect((await verify('approvals', false)).result).toMatchObject({ $case: 'failure', value: { code: 'TOKEN_MALFORMED' } });
    expect((await verify('ingress', true)).result).toMatchObject({ $case: 'failure' });
  });

  it('policy: Decide serves ingress only', async () => {
    const policy = tracked(new policyV1.PolicyServiceClient(addressOf('policy'), as('cli', 'policy'), tlsChannelOptions('policy')));
    expect(await outcome(callUnary((cb) => policy.decide(policyV1.DecideRequest.fromPartial({}), new grpc.Metadata(), deadline(), cb)))).toEqual(denied('PolicyService/Decide', 'cli', 'ingress'));
  });
});

describe("the stack's own paths work over mutual TLS", () => {
  it('the gateway verifies, decides, masks and forwards', async () => {
    const res = await env.gateway('/http/demo-http/customers', { token: await env.token(CLIENTS.agent) });
    expect(res.status).toBe(200);
  });

  it('the CLI reaches approvals and identity with its certificate, and warns about --token', async () => {
    const approver = await env.token(CLIENTS.approver);
    const listed = await env.cli(['approvals', 'list'], approver);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    const admin = await env.token(CLIENTS.admin);
    expect(await env.cli(['identity', 'revocations'], admin)).toMatchObject({ code: 0, stderr: '' });
    const argv = await env.cli(['approvals', 'list', '--token', approver], '');
    expect(argv.code).toBe(0);
    expect(argv.stderr).toContain('warning: --token puts the token on the command line');
    expect(argv.stderr).not.toContain(approver);
  });
});
