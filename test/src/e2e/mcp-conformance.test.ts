// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.13, server scenarios)
// against a conformance-shaped upstream (conformance/everything-server.ts: the suite's test tools,
// resources and prompts) directly and through the gateway's /mcp/<connection>, in one run:
// every scenario that passes directly must pass through the gateway. The suite cannot send an
// Authorization header, so a small hop in this process adds it (the same hop for both runs): an
// agent's token from the dev IdP on the gateway run (the upstream itself needs none).
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@portcullis/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEverythingServer } from './conformance/everything-server.js';
import { CLIENTS, E2eEnvironment } from './harness.js';

const env = new E2eEnvironment();
const SUITE = join(REPO_ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const hops: Server[] = [];

/** An HTTP hop that sets Authorization on every request and streams everything else through. */
async function authHop(target: string, token: () => string): Promise<string> {
  const url = new URL(target);
  const hop = createServer((req, res) => {
    const headers = { ...req.headers, host: url.host, authorization: `Bearer ${token()}` };
    const upstream = request({ host: url.hostname, port: url.port, path: url.pathname + (req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : ''), method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
    res.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
  hops.push(hop);
  return `http://127.0.0.1:${(hop.address() as { port: number }).port}/mcp`;
}

const SCENARIOS = (() => {
  const listed = new Promise<string[]>((resolve, reject) =>
    execFile(process.execPath, [SUITE, 'list'], { timeout: 30_000 }, (err, stdout) => {
      if (err) return reject(err);
      const server = stdout.split('Client scenarios')[0]!;
      resolve([...server.matchAll(/^\s+- (\S+)/gm)].map((m) => m[1]!));
    }),
  );
  return listed;
})();

/** Runs one scenario; true when the suite reports no failed check. */
function scenario(url: string, name: string, outputDir: string): Promise<{ passed: boolean; output: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [SUITE, 'server', '--url', url, '--scenario', name, '-o', outputDir], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ passed: !err, output: `${stdout}${stderr}` });
    }),
  );
}

let agentToken = '';
let upstream: Awaited<ReturnType<typeof startEverythingServer>>;

beforeAll(async () => {
  upstream = await startEverythingServer();
  await env.start({
    connections: [{ name: 'conformance', type: 'mcp', upstream: upstream.url }],
    // Every method for the agent, and no masking profile: masking rightly changes results, which
    // the suite would report as a difference that is no fault of the proxying.
    policies: [{ id: 'conformance-all', effect: 'allow', match: { groups: ['agents'], connections: ['conformance'] } }],
  });
  agentToken = await env.token(CLIENTS.agent);
}, 120_000);

afterAll(async () => {
  for (const hop of hops) hop.close();
  upstream?.server.close();
  await env.stop();
});

describe('MCP conformance suite (server scenarios)', () => {
  it('passes through /mcp/<connection> every scenario the upstream passes directly', async () => {
    const scenarios = await SCENARIOS;
    expect(scenarios.length).toBeGreaterThan(10);
    const direct = await authHop(upstream.url, () => 'none-needed');
    const gateway = await authHop(`${env.stack.ingressUrl}/mcp/conformance`, () => agentToken);
    const out = mkdtempSync(join(tmpdir(), 'portcullis-conformance-'));
    const results: { name: string; direct: boolean; gateway: boolean; output: string }[] = [];
    for (const name of scenarios) {
      const d = await scenario(direct, name, join(out, 'direct'));
      const g = await scenario(gateway, name, join(out, 'gateway'));
      results.push({ name, direct: d.passed, gateway: g.passed, output: g.output });
    }
    const table = results.map((r) => `${r.name.padEnd(36)} direct ${r.direct ? 'pass' : 'fail'}  gateway ${r.gateway ? 'pass' : 'fail'}`).join('\n');
    process.stdout.write(`\nMCP conformance 0.1.13, server scenarios:\n${table}\n`);
    const lost = results.filter((r) => r.direct && !r.gateway);
    expect(lost.map((r) => `${r.name}:\n${r.output.slice(-1500)}`)).toEqual([]);
    expect(results.some((r) => r.direct)).toBe(true);
  }, 900_000);
});
