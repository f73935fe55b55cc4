// `npm run bench`: the same allowed GET /echo served four ways — the demo upstream directly, nginx,
// a bare Node hop and the whole gateway — measured side by side in one run with wrk, an outside load
// generator; the same `pgbench -S` against PostgreSQL directly, through pgbouncer and through the
// gateway; plus the gateway's per-stage breakdown, the audit log's lag, identity verification
// latency (a cached and a first-seen token), and in-process policy evaluation (10, 100, 1,000 rules)
// and SQL analysis times. Writes docs/benchmarks.md
// (keeping its hand-written analysis) and prints the same report.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, REPO_ROOT } from '@portcullis/stack';
import { AuditProbe } from './audit.js';
import { describeConfig, loadBenchConfig } from './config.js';
import { startGatewayStack } from './gateway.js';
import { measureIdentity } from './identity.js';
import { identityProblem, renderIdentitySection } from './identity-report.js';
import { describeMachine, ensureTools, loadAverage } from './machine.js';
import { errorsOf, measureRounds } from './measure.js';
import { pgErrorsOf } from './pg-measure.js';
import { startNginx } from './nginx.js';
import { createPgBenchDatabase, measurePgSection, type PgBenchDatabase } from './pg-section.js';
import { measureMcpSection, renderMcpSection } from './mcp-section.js';
import { runBench, startService, type Cleanup } from './processes.js';
import { measurePolicy, renderPolicySection } from './policy.js';
import { measureMasking, renderMaskingSection } from './masking.js';
import { renderReport } from './report.js';
import { sampleStages } from './server-timing.js';
import { preflight, type Target, type TargetName } from './targets.js';
import { clientCredentials } from '@portcullis/service-kit';

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const REPORT_PATH = join(REPO_ROOT, 'docs/benchmarks.md');

async function main(cleanup: Cleanup, dir: string): Promise<boolean> {
  const config = loadBenchConfig(process.env);
  const tools = ensureTools(say);
  if (!tools.wrk) throw new Error('wrk is not on PATH and `apt-get install -y wrk` did not provide it');
  const skipped: Partial<Record<TargetName, string>> = {};
  if (!tools.nginx) skipped.nginx = 'nginx is not on PATH and `apt-get install -y nginx-light` did not provide it';
  const machine = describeMachine(tools);
  const started = new Date();


  // Before the stack: the gateway's demo-pg connection points at this database.
  let pgDatabase: PgBenchDatabase | { unavailable: string };
  try {
    pgDatabase = await createPgBenchDatabase(cleanup, tools, say);
  } catch (err) {
    cleanup.throwIfClosed();
    pgDatabase = { unavailable: `no pgbench database: ${(err as Error).message}` };
    say(`PostgreSQL section: ${pgDatabase.unavailable}`);
  }
  say('starting the stack (the demo upstream is one of its processes)…');
  const gateway = await startGatewayStack(cleanup, dir, 'unavailable' in pgDatabase ? undefined : pgDatabase);
  const upstreamPort = gateway.stack.ports.demoUpstream;
  const apiKey = gateway.stack.demoApiKey;
  const [hopPort, nginxPort, pgbouncerPort] = await freePorts(3);
  const hop = await startService(cleanup, {
    name: 'bare-hop',
    command: process.execPath,
    args: [fileURLToPath(new URL('./bare-hop.main.js', import.meta.url))],
    env: { BARE_HOP_PORT: String(hopPort), UPSTREAM_PORT: String(upstreamPort), UPSTREAM_API_KEY: apiKey },
    port: hopPort!,
    logPath: join(dir, 'bare-hop.log'),
  });
  const nginx = tools.nginx ? await startNginx(cleanup, { dir: join(dir, 'nginx'), port: nginxPort!, upstreamPort, apiKey, runAsRoot: process.getuid?.() === 0 }) : undefined;

  const noHeaders = async () => ({});
  const targets: Target[] = [
    { name: 'direct', port: upstreamPort, path: '/echo', headers: async () => ({ authorization: `Bearer ${apiKey}` }) },
    ...(nginx ? [{ name: 'nginx', port: nginx.port, path: '/echo', headers: noHeaders } as const] : []),
    { name: 'bare-hop', port: hop.port, path: '/echo', headers: noHeaders },
    { name: 'gateway', port: gateway.stack.ports.ingress, path: '/http/demo-http/echo', headers: async () => ({ authorization: `Bearer ${await gateway.token()}` }) },
  ];
  const bodyBytes: Partial<Record<TargetName, number>> = {};
  for (const target of targets) bodyBytes[target.name] = await preflight(target);

  const audit = new AuditProbe(gateway.databaseUrl);
  cleanup.add('audit probe', () => audit.end());
  const seconds = config.rounds * 2 * targets.length * (config.seconds + config.warmupSeconds);
  say(`${targets.map((t) => t.name).join(', ')}: ${config.rounds} round(s), about ${Math.ceil(seconds / 60)} min of load plus audit settling`);
  const context = { config, cleanup, audit, dir, say };
  const measurements = await measureRounds(context, targets);
  say(`sampling the gateway's server-timing over ${config.stageSamples} sequential requests…`);
  const stages = await sampleStages(targets.find((t) => t.name === 'gateway')!, config.stageSamples);
  say('PostgreSQL section: pgbench -S against direct, pgbouncer and the gateway…');
  const pg = await measurePgSection(context, { database: pgDatabase, tools, gateway, pgbouncerPort: pgbouncerPort! });
  say('MCP section: tools/call direct and through the gateway…');
  const mcp = await measureMcpSection(context, gateway);
  say('identity section: IdentityClient.verify of cached and first-seen tokens…');
  const identity = await measureIdentity({ identityAddress: `127.0.0.1:${gateway.stack.ports.identity}`, identityCredentials: clientCredentials(gateway.stack.tls.material('ingress'), 'identity'), issuerUrl: gateway.stack.issuerUrl, token: () => gateway.token() }, say);
  const identityInvalid = identityProblem(identity);
  if (identityInvalid) say(`identity section: ${identityInvalid}`);
  say('timing in-process policy evaluation and SQL analysis…');
  const policy = renderPolicySection(await measurePolicy());
  say('timing in-process masking throughput…');
  const masking = renderMaskingSection(measureMasking());

  const report = renderReport({
    date: started,
    machine,
    settings: describeConfig(config),
    loadAverageAtEnd: loadAverage(),
    seconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
    rounds: config.rounds,
    order: targets.map((t) => t.name),
    auditWaitSeconds: config.auditWaitSeconds,
    bodyBytes,
    skipped,
    measurements,
    stages,
    policy,
    masking,
    pg,
    mcp: mcp ? renderMcpSection(mcp, config) : '',
    identity: renderIdentitySection(identity),
    previous: existsSync(REPORT_PATH) ? readFileSync(REPORT_PATH, 'utf8') : undefined,
  });
  writeFileSync(REPORT_PATH, report);
  process.stdout.write(report);
  say(`wrote ${REPORT_PATH}`);
  const invalid = measurements.filter((m) => errorsOf(m));
  for (const m of invalid) say(`round ${m.round} · ${m.mode} · ${m.target}: ${errorsOf(m)}`);
  // A target that was not measured is in the report with its reason; a measured run with errors fails the bench.
  const pgInvalid = pg.measurements.filter((m) => pgErrorsOf(m));
  for (const m of pgInvalid) say(`postgres round ${m.round} · ${m.mode} · ${m.target}: ${pgErrorsOf(m)}`);
  const mcpInvalid = (mcp?.measurements ?? []).filter((m) => m.result.non2xx > 0 || m.result.socketErrors > 0);
  for (const m of mcpInvalid) say(`mcp round ${m.round} · ${m.mode} · ${m.target}: ${m.result.non2xx} non-2xx, ${m.result.socketErrors} socket errors`);
  const valid = invalid.length === 0 && pgInvalid.length === 0 && mcpInvalid.length === 0 && mcp?.unavailable === undefined && identityInvalid === undefined;
  return valid;
}

await runBench(say, 'portcullis-bench-', main);
