import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLIENTS, E2eEnvironment } from './dist/e2e/harness.js';
const pexec = promisify(execFile);
const env = new E2eEnvironment();
await env.start({ logLevel: 'warn', ...(process.env.PROF ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=/tmp/prof`] } : {}) });
try {
  const token = await env.token(CLIENTS.agent);
  const url = `${env.stack.ingressUrl}/http/demo-http/echo`;
  const run = async (args) => (await pexec('wrk', args)).stdout;
  if (process.env.STOP) for (const s of process.env.STOP.split(',')) await env.stack.stopService(s);
  await run(['-t1', '-c1', '-d2s', '-H', `Authorization: Bearer ${token}`, url]);
  console.log(await run(['-t1', '-c1', '-d8s', '--latency', '-H', `Authorization: Bearer ${token}`, url]));
} finally { await env.stop(); }
