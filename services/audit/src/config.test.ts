import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testTlsEnv } from '@portcullis/testkit';
import { loadConfig } from './config.js';

// Every service needs its mutual TLS material to start; these tests give it a real one.
const tls = await testTlsEnv('audit');

const dir = mkdtempSync(join(tmpdir(), 'audit-config-'));
const file = join(dir, 'portcullis.yaml');
writeFileSync(file, 'audit:\n  readerGroups: [auditors]\n');

describe('loadConfig', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the documented defaults and the reader groups of portcullis.yaml', () => {
    const config = loadConfig({ ...tls, PORTCULLIS_CONFIG: file, AUDIT_INSTANCE_ID: 'a' });
    expect(config).toEqual({
      tls: { ca: expect.any(Buffer), cert: expect.any(Buffer), key: expect.any(Buffer) },
      grpcAddress: { host: '127.0.0.1', port: 50055 },
      httpAddress: { host: '127.0.0.1', port: 9465 },
      eventsRetainMs: 3_600_000,
      streamWatchMs: 5000,
      lagAlertSeconds: 60,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/portcullis',
      natsUrl: 'nats://127.0.0.1:4222',
      natsCredentials: undefined,
      eventsMaxBytes: 1024 ** 3,
      namespace: 'portcullis',
      identityAddress: '127.0.0.1:50051',
      instanceId: 'a',
      logLevel: 'info',
      readerGroups: ['auditors'],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad variable at once', () => {
    expect(() => loadConfig({ ...tls, PORTCULLIS_CONFIG: file, AUDIT_GRPC_ADDR: 'nope', DATABASE_URL: 'http://x', IDENTITY_GRPC_ADDR: '[::1]:99999' })).toThrow(
      /AUDIT_GRPC_ADDR[\s\S]*DATABASE_URL[\s\S]*IDENTITY_GRPC_ADDR/,
    );
  });

  it('brackets an IPv6 identity address', () => {
    expect(loadConfig({ ...tls, PORTCULLIS_CONFIG: file, IDENTITY_GRPC_ADDR: '[::1]:50051' }).identityAddress).toBe('[::1]:50051');
  });
});
