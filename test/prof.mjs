import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
const pexec = promisify(execFile);
import { CLIENTS, E2eEnvironment } from './dist/e2e/harness.js';
const dir = process.argv[2] ?? '/tmp/prof';
const env = new E2eEnvironment();
await env.start({ logLevel: 'warn', env: { INGRESS_EVENT_BATCHES_IN_FLIGHT: process.env.INFLIGHT ?? '1' }, ...(process.env.PROF ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] } : {}) });
try {
  const token = await env.token(CLIENTS.agent);
  const run = async (args) => (await pexec('wrk', args)).stdout;
  const url = `${env.stack.ingressUrl}/http/demo-http/echo`;
  console.log(await run(['-t1', '-c1', '-d1s', '-H', `Authorization: Bearer ${token}`, url]));
  console.log(await run(['-t2', '-c16', '-d10s', '--latency', '-H', `Authorization: Bearer ${token}`, url]));
  console.log(await run(['-t1', '-c1', '-d5s', '--latency', '-H', `Authorization: Bearer ${token}`, url]));
  console.log(await run(['-t2', '-c16', '-d5s', '-H', `Authorization: Bearer ${env.stack.demoApiKey}`, `http://127.0.0.1:${env.upstream.port}/echo`]));
} finally {
  await env.stop();
}
