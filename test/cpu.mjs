import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { CLIENTS, E2eEnvironment } from './dist/e2e/harness.js';
const pexec = promisify(execFile);
const ticks = () => {
  const out = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = /services\/([a-z-]+)\//.exec(cmd)?.[1] ?? (cmd.includes('nats-server') ? 'nats' : cmd.startsWith('postgres') ? 'postgres' : cmd.includes('wrk') ? 'wrk' : pid === String(process.pid) ? 'upstream+bench' : undefined);
      if (name) out.set(name, (out.get(name) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch {}
  }
  return out;
};
const env = new E2eEnvironment();
await env.start({ logLevel: 'warn', ...(process.env.PROF ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] } : {}) });
try {
  const token = await env.token(CLIENTS.agent);
  const url = `${env.stack.ingressUrl}/http/demo-http/echo`;
  await pexec('wrk', ['-t1', '-c4', '-d2s', '-H', `Authorization: Bearer ${token}`, url]);
  const before = ticks();
  const out = (await pexec('wrk', ['-t2', '-c16', '-d10s', '-H', `Authorization: Bearer ${token}`, url])).stdout;
  await new Promise((r) => setTimeout(r, 1500));
  const after = ticks();
  console.log(out.match(/Requests\/sec:\s+\S+/)[0]);
  for (const [k, v] of after) console.log(k.padEnd(16), ((v - (before.get(k) ?? 0)) / 100 / 11.5).toFixed(2), 'cores');
} finally { await env.stop(); }
