#!/usr/bin/env node
// Container health probe for the images' HEALTHCHECK and the compose healthchecks. One script for
// every service, so an image needs no curl/wget and no grpc_health_probe binary.
//
//   node health-probe.mjs grpc://127.0.0.1:50051                grpc.health.v1.Health/Check("") is SERVING, over
//                                                               mutual TLS with PORTCULLIS_TLS_CA/_CERT/_KEY (the
//                                                               service's own certificate: internal gRPC has no
//                                                               plaintext port to probe)
//   node health-probe.mjs http://127.0.0.1:8080/healthz         GET answers 2xx
//   node health-probe.mjs tcp://127.0.0.1:7500                  the port accepts a connection
//
// Without an argument the target comes from HEALTHCHECK_TARGET (the image sets it). Exit 0 means
// healthy, 1 unhealthy; the reason goes to stderr, where `docker inspect` shows it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const TIMEOUT_MS = 2000;

/** grpc.health.v1: HealthCheckRequest{service: ""} encodes to zero bytes; SERVING is enum value 1. */
const SERVING = 1;

/**
 * The probe's TLS material, from PORTCULLIS_TLS_CA, _CERT and _KEY of `env`. The server's chain is
 * verified against the CA, but not its host name: the probe dials its own service on loopback,
 * whose certificate need not name 127.0.0.1 in production.
 */
function tlsCredentials(grpc, env) {
  const read = (name) => {
    const path = env[name];
    if (!path) throw new Error(`${name} is not set (gRPC health is served over mutual TLS only)`);
    return readFileSync(path);
  };
  return grpc.credentials.createSsl(read('PORTCULLIS_TLS_CA'), read('PORTCULLIS_TLS_KEY'), read('PORTCULLIS_TLS_CERT'), { checkServerIdentity: () => undefined });
}

async function probeGrpc(url, env) {
  // Resolve @grpc/grpc-js the way the service in the working directory does (every gRPC service
  // depends on it). The health service is declared by hand: no .proto to load on every probe.
  const grpc = createRequire(join(process.cwd(), 'package.json'))('@grpc/grpc-js');
  const Health = grpc.makeGenericClientConstructor(
    {
      check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: () => Buffer.alloc(0),
        requestDeserialize: () => ({}),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: (bytes) => ({ status: servingStatus(bytes) }),
      },
    },
    'Health',
  );
  // A DNS-shaped TLS server name: grpc-js would otherwise send the IP address (which Node warns about).
  const client = new Health(url.host, tlsCredentials(grpc, env), { 'grpc.ssl_target_name_override': 'localhost' });
  try {
    const response = await new Promise((resolve, reject) => {
      client.check({}, { deadline: Date.now() + TIMEOUT_MS }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    if (response.status !== SERVING) throw new Error(`grpc.health.v1 status ${response.status}, want ${SERVING} (SERVING)`);
  } finally {
    client.close();
  }
}

/** Reads field 1 (ServingStatus, varint) of a HealthCheckResponse; absent means 0 (UNKNOWN). */
function servingStatus(bytes) {
  let offset = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; offset < bytes.length; shift += 7) {
      const byte = bytes[offset++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new Error('truncated HealthCheckResponse');
  };
  let status = 0;
  while (offset < bytes.length) {
    const key = varint();
    const wireType = key & 7;
    if (wireType === 0) {
      const value = varint();
      if (key >>> 3 === 1) status = value;
    } else if (wireType === 2) {
      offset += varint();
    } else {
      throw new Error(`unexpected wire type ${wireType} in HealthCheckResponse`);
    }
  }
  return status;
}

async function probeHttp(url) {
  const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`GET ${url.pathname} answered ${response.status}`);
}

function probeTcp(url) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), timeout: TIMEOUT_MS });
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => socket.destroy(new Error(`no connection within ${TIMEOUT_MS} ms`)));
    socket.once('error', reject);
  });
}

const PROBES = { 'grpc:': probeGrpc, 'http:': probeHttp, 'tcp:': probeTcp };

/**
 * Resolves when `target` is healthy, rejects with the reason otherwise. Also used by `npm start`,
 * which passes each service's environment (`env`: where grpc:// finds its TLS files).
 */
export async function probe(target, env = process.env) {
  if (!target) throw new Error('no target: pass grpc://, http:// or tcp://host:port, or set HEALTHCHECK_TARGET');
  const url = new URL(target);
  const run = PROBES[url.protocol];
  if (!run) throw new Error(`unsupported target ${target} (grpc://, http:// or tcp://)`);
  await run(url, env);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = process.argv[2] ?? process.env.HEALTHCHECK_TARGET;
  try {
    await probe(target);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`unhealthy: ${target ?? ''}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
