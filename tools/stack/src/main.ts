#!/usr/bin/env node
// `npm start`: NATS (the gateway's own server on 127.0.0.1:4223, admitting only the services'
// nkey identities in .portcullis/nats/, started if missing; NATS_URL picks another), PostgreSQL
// (database created if missing), the dev IdP, the demo upstream and every service, as processes.
// Logs go to .portcullis/logs/.
import { join } from 'node:path';
import { DEFAULT_PORTS, REPO_ROOT, Stack } from './stack.js';

const say = (line: string) => process.stdout.write(`portcullis: ${line}\n`);
const logDir = join(REPO_ROOT, '.portcullis', 'logs');
const stack = new Stack({
  configPath: process.env.PORTCULLIS_CONFIG ?? join(REPO_ROOT, 'portcullis.yaml'),
  natsUrl: process.env.NATS_URL || 'nats://127.0.0.1:4223',
  natsIdentitiesDir: join(REPO_ROOT, '.portcullis', 'nats'),
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/portcullis',
  namespace: process.env.PORTCULLIS_NAMESPACE ?? 'portcullis',
  ports: DEFAULT_PORTS,
  logDir,
  samlKeysDir: join(REPO_ROOT, '.portcullis', 'saml'),
  // The CLI finds ca.pem and cli.pem/cli.key here by default.
  tlsDir: join(REPO_ROOT, '.portcullis', 'tls'),
  logLevel: process.env.LOG_LEVEL ?? 'info',
  startInfra: true,
  say,
});

let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  await stack.stop();
  say('stopped');
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await stack.start();
} catch (err) {
  say(`start failed: ${(err as Error).message}`);
  await shutdown(1);
}
const p = DEFAULT_PORTS;
say(`ready. Gateway http://127.0.0.1:${p.ingress}  dev IdP http://127.0.0.1:${p.devIdp}  logs ${logDir}
  Try it (README "Quickstart"):
    TOKEN=$(curl -s -u demo-agent:demo-agent-secret -d grant_type=client_credentials http://127.0.0.1:${p.devIdp}/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:${p.ingress}/http/demo-http/customers
  Ctrl-C stops everything.`);
