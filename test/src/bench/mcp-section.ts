// The MCP section of `npm run bench`: `tools/call` of the demo MCP server's `echo`, directly and
// through the gateway's /mcp/demo-mcp, sequential and with 16 connections, with wrk (an outside
// process). Each call is a self-contained 2026-07-28 POST (no session), so wrk can replay it.
import type { GatewayStack } from './gateway.js';
import { MODES, type MeasureContext, type Mode } from './measure.js';
import { runWrk, type WrkResult } from './wrk.js';

export type McpTargetName = 'direct' | 'gateway';

export interface McpMeasurement {
  readonly round: number;
  readonly mode: Mode;
  readonly target: McpTargetName;
  readonly result: WrkResult;
}

export interface McpSection {
  readonly measurements: readonly McpMeasurement[];
  /** Why the section could not run, if it did not. */
  readonly unavailable?: string;
}

const BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { text: 'hi' },
    _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} },
  },
});

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' };

interface McpTarget {
  readonly name: McpTargetName;
  readonly url: string;
  readonly headers: () => Promise<Record<string, string>>;
}

/** One call, checked: a 200 whose result echoes the text (a benchmark of errors would be worthless). */
async function preflight(target: McpTarget): Promise<void> {
  const res = await fetch(target.url, { method: 'POST', headers: { ...MCP_HEADERS, ...(await target.headers()) }, body: BODY });
  const text = await res.text();
  if (res.status !== 200 || !text.includes('"result"') || !text.includes('"hi"') || text.includes('"isError":true')) {
    throw new Error(`MCP pre-flight of ${target.name} answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

export async function measureMcpSection(ctx: MeasureContext, gateway: GatewayStack): Promise<McpSection> {
  const targets: McpTarget[] = [
    { name: 'direct', url: gateway.stack.demoMcpUrl, headers: async () => ({ authorization: `Bearer ${gateway.stack.demoMcpToken}` }) },
    { name: 'gateway', url: `${gateway.stack.ingressUrl}/mcp/demo-mcp`, headers: async () => ({ authorization: `Bearer ${await gateway.token()}` }) },
  ];
  try {
    for (const target of targets) await preflight(target);
  } catch (err) {
    return { measurements: [], unavailable: (err as Error).message };
  }
  const measurements: McpMeasurement[] = [];
  for (let round = 1; round <= ctx.config.rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const mode of Object.keys(MODES) as Mode[]) {
      for (const target of order) {
        const { threads, connections } = MODES[mode];
        const headers = { ...MCP_HEADERS, ...(await target.headers()) };
        ctx.say(`mcp round ${round} · ${mode} · ${target.name}`);
        await runWrk(ctx.cleanup, { url: target.url, headers, body: BODY, threads, connections, seconds: ctx.config.warmupSeconds, dir: ctx.dir });
        if (target.name === 'gateway') await ctx.audit.settle(Date.now(), ctx.config.auditWaitSeconds);
        const result = await runWrk(ctx.cleanup, { url: target.url, headers, body: BODY, threads, connections, seconds: ctx.config.seconds, dir: ctx.dir });
        measurements.push({ round, mode, target: target.name, result });
        if (target.name === 'gateway') await ctx.audit.settle(Date.now(), ctx.config.auditWaitSeconds);
      }
    }
  }
  return { measurements };
}

const fixed = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3));

export function renderMcpSection(section: McpSection, settings: { readonly seconds: number }): string {
  if (section.unavailable) return `## MCP tools/call\n\nNot measured: ${section.unavailable}\n`;
  const rows = (mode: Mode) =>
    section.measurements
      .filter((m) => m.mode === mode)
      .map((m) => `| ${m.target} | ${m.round} | ${m.result.rps.toFixed(0)} | ${fixed(m.result.p50)} | ${fixed(m.result.p99)} | ${m.result.requests} | ${m.result.non2xx} / ${m.result.socketErrors} |`)
      .join('\n');
  const verdicts: string[] = [];
  const rounds = [...new Set(section.measurements.map((m) => m.round))];
  for (const round of rounds) {
    const get = (mode: Mode, target: McpTargetName) => section.measurements.find((m) => m.round === round && m.mode === mode && m.target === target)?.result;
    const [sd, sg, cd, cg] = [get('sequential', 'direct'), get('sequential', 'gateway'), get('concurrent', 'direct'), get('concurrent', 'gateway')];
    if (!sd || !sg || !cd || !cg) continue;
    const added = sg.p50 - sd.p50;
    const share = cg.rps / cd.rps;
    verdicts.push(`| ${round} | +${added.toFixed(3)} ms | ${added <= 1 ? 'met' : 'not met'} | ${(share * 100).toFixed(1)} % | ${share >= 0.5 ? 'met' : 'not met'} |`);
  }
  return `## MCP tools/call

A self-contained 2026-07-28 \`tools/call\` of the demo MCP server's \`echo\` (its own Node process), POSTed by
wrk: **direct** with the server's token, and through the **gateway** at \`/mcp/demo-mcp\` with a dev-IdP token
(token check, policy decision on tool and arguments, durable RequestReceived/DecisionMade, forward with the
held credential, completion event, audit; no masking profile). Every answer was checked before the runs.

### Sequential (wrk -t1 -c1), ${settings.seconds} s

| target | round | req/s | p50 ms | p99 ms | requests | non-2xx / socket errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows('sequential')}

### 16 connections (wrk -t2 -c16), ${settings.seconds} s

| target | round | req/s | p50 ms | p99 ms | requests | non-2xx / socket errors |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows('concurrent')}

### Budget (ARCHITECTURE: ≤ 1 ms added at p50 sequentially; throughput at 16 connections ≥ 50 % of direct)

| round | p50 added | | gateway / direct at 16 | |
| ---: | ---: | --- | ---: | --- |
${verdicts.join('\n')}
`;
}
