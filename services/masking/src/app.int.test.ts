import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { maskingV1 } from '@portcullis/proto-gen';
import { createLogger, grpcReason, tlsChannelOptions } from '@portcullis/service-kit';
import { testClientCredentials, testTls } from '@portcullis/testkit';
import { createApp } from './app.js';

// The masking service over real gRPC.
const app = createApp(
  { tls: await testTls('masking'), grpcAddress: { host: '127.0.0.1', port: 0 }, logLevel: 'silent', profiles: [{ name: 'default', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', '"Payroll".*.iban'] }] },
  createLogger('masking-test', 'silent'),
);
let client: maskingV1.MaskingServiceClient;

const mask = (request: Partial<maskingV1.MaskRequest>) =>
  new Promise<maskingV1.MaskResponse>((resolve, reject) =>
    client.mask({ profile: 'default', contentType: 'application/json', body: Buffer.alloc(0), ...request }, (err, res) => (err ? reject(err) : resolve(res))),
  );

beforeAll(async () => {
  await app.start();
  client = new maskingV1.MaskingServiceClient(`127.0.0.1:${app.grpcPort()}`, await testClientCredentials('ingress', 'masking'), tlsChannelOptions('masking'));
});
afterAll(async () => {
  client?.close();
  await app.stop();
});

describe('masking service', () => {
  it('masks a JSON body and counts what it masked', async () => {
    const res = await mask({ body: Buffer.from('{"email":"ada@example.com","card":"4111-1111-1111-1111","password":"x"}') });
    expect(Buffer.from(res.body).toString()).toBe('{"email":"a***@example.com","card":"****-****-****-1111","password":"[REDACTED]"}');
    expect(res.findings).toEqual({ email: 1, card: 1, field: 1 });
  });

  it('publishes its profiles for the gateway', async () => {
    const res = await new Promise<maskingV1.GetProfilesResponse>((resolve, reject) => client.getProfiles({}, (err, r) => (err ? reject(err) : resolve(r))));
    expect(res.profiles).toEqual([{ name: 'default', detectors: ['email', 'card'], fields: ['password'], columns: ['hr.users.ssn', '"Payroll".*.iban'], styles: {}, fieldStyles: {} }]);
  });

  it.each([
    [{ profile: 'nope', body: Buffer.from('{}') }, grpc.status.NOT_FOUND, 'UNKNOWN_PROFILE'],
    [{ contentType: 'image/png', body: Buffer.from('x') }, grpc.status.INVALID_ARGUMENT, 'UNSUPPORTED_CONTENT_TYPE'],
    [{ body: Buffer.from('{"a":') }, grpc.status.INVALID_ARGUMENT, 'INVALID_JSON'],
    [{ contentType: 'application/json', body: Buffer.from([0xc3, 0x28]) }, grpc.status.INVALID_ARGUMENT, 'INVALID_ENCODING'],
  ])('refuses %j with a status and reason, never the body', async (request, status, reason) => {
    const err = await mask(request).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err?.code).toBe(status);
    expect(grpcReason(err)).toBe(reason);
  });
});
