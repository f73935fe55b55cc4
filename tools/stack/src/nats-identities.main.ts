#!/usr/bin/env node
// Writes the services' NATS identities and the server configuration admitting only them, for a
// server npm start does not run (docker-compose.yml's `nats-identities` job, or an operator):
//   node tools/stack/dist/nats-identities.main.js <dir> [namespace] [listen host:port] [JetStream store dir]
// Existing seeds in <dir> are kept; the configuration is written again from them.
import { BusNames } from '@portcullis/bus';
import { writeNatsIdentities } from './nats-identities.js';

const [dir, namespace = 'portcullis', listen = '127.0.0.1:4222', store] = process.argv.slice(2);
const match = listen ? /^([^:]+):(\d+)$/.exec(listen) : null;
if (!dir || !match) {
  process.stderr.write('usage: nats-identities <dir> [namespace] [listen host:port] [JetStream store dir]\n');
  process.exit(2);
}
const written = writeNatsIdentities(dir, new BusNames(namespace), { host: match[1]!, port: Number(match[2]) }, store);
process.stdout.write(`NATS identities for namespace "${namespace}" in ${written.dir}: ${written.serverConfigFile}, ${written.authorizationFile}\n`);
