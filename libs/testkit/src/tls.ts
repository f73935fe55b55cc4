import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { ensureDevPki, type DevPki } from '@portcullis/dev-pki';
import { clientCredentials, type Peer, type TlsMaterial } from '@portcullis/service-kit';

let shared: Promise<DevPki> | undefined;

/** This test process's dev PKI: a CA and every peer's certificate in a temporary directory, made once. */
export function testPki(): Promise<DevPki> {
  if (!shared) {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-pki-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    shared = ensureDevPki(dir);
  }
  return shared;
}

/** The PORTCULLIS_TLS_* variables of `peer`, for a service's loadConfig(env) or a CLI process. */
export async function testTlsEnv(peer: Peer): Promise<Record<'PORTCULLIS_TLS_CA' | 'PORTCULLIS_TLS_CERT' | 'PORTCULLIS_TLS_KEY', string>> {
  return (await testPki()).env(peer);
}

/** `peer`'s TLS material, read: for a GrpcServer or a config object built by hand. */
export async function testTls(peer: Peer): Promise<TlsMaterial> {
  return (await testPki()).material(peer);
}

/** Channel credentials of a client acting as `peer` and calling `server` (mutual TLS, as the services do). */
export async function testClientCredentials(peer: Peer, server: Peer): Promise<grpc.ChannelCredentials> {
  return clientCredentials(await testTls(peer), server);
}
