#!/usr/bin/env node
// The demo upstream as a process (started by `npm start`). DEMO_HTTP_API_KEY is the credential the
// gateway injects; DEMO_UPSTREAM_ADDR where to listen.
import { createDemoUpstream } from './demo-upstream.js';

const addr = /^(.+):(\d+)$/.exec(process.env.DEMO_UPSTREAM_ADDR ?? '127.0.0.1:7500');
const apiKey = process.env.DEMO_HTTP_API_KEY;
if (!addr || !apiKey) {
  process.stderr.write('demo-upstream: DEMO_HTTP_API_KEY is required; DEMO_UPSTREAM_ADDR must be host:port\n');
  process.exit(78);
}
const upstream = createDemoUpstream({ host: addr[1]!, port: Number(addr[2]), apiKey });
await upstream.start();
process.stdout.write(JSON.stringify({ service: 'demo-upstream', msg: 'listening', port: upstream.port }) + '\n');
const stop = () => void upstream.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
