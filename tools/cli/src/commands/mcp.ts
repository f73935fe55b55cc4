// mcp tools list | approve: the gateway's tool pins, over its admin HTTP API.
import type { McpToolsApi, ToolPin } from '../clients.js';
import type { Io } from '../run.js';

export async function listTools(api: McpToolsApi, options: { connection?: string; json: boolean }, io: Io): Promise<number> {
  const tools = await api.list(options.connection);
  if (options.json) {
    io.out(JSON.stringify(tools, null, 2));
    return 0;
  }
  if (tools.length === 0) {
    io.out('no pinned tools (a tool is pinned the first time the gateway sees it listed)');
    return 0;
  }
  const rows = tools.map((t) => [t.connection, t.tool, t.status === 'changed' ? 'CHANGED (withheld)' : 'pinned', t.approvedDigest.slice(0, 12), t.approvedBy || 'first seen', t.pendingDigest ?? '']);
  const header = ['CONNECTION', 'TOOL', 'STATUS', 'APPROVED', 'BY', 'PENDING DIGEST'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  io.out([header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n'));
  for (const t of tools.filter((x) => x.status === 'changed')) io.out(`\n${t.connection} ${t.tool}: pending definition ${t.pendingDigest}\n${describe(t.pendingDefinition)}`);
  return 0;
}

export async function approveTool(api: McpToolsApi, command: { connection: string; tool: string; digest?: string }, io: Io): Promise<number> {
  let digest = command.digest;
  if (!digest) {
    const pin = (await api.list(command.connection)).find((t) => t.tool === command.tool);
    if (!pin?.pendingDigest) {
      io.err(`error: no changed definition of ${command.tool} on ${command.connection} waits for approval`);
      return 1;
    }
    digest = pin.pendingDigest;
    io.out(`approving the pending definition ${digest}:\n${describe(pin.pendingDefinition)}`);
  }
  const approved = await api.approve(command.connection, command.tool, digest);
  io.out(`${approved.connection} ${approved.tool}: definition ${approved.digest} approved by ${approved.approvedBy} (was ${approved.previousDigest})`);
  return 0;
}

/** A definition for a person to review: description and input schema, as sent. */
function describe(definition: unknown): string {
  const d = (definition ?? {}) as Record<string, unknown>;
  return [`  description: ${JSON.stringify(d.description ?? '')}`, `  inputSchema: ${JSON.stringify(d.inputSchema ?? {})}`, ...(d.annotations ? [`  annotations: ${JSON.stringify(d.annotations)}`] : [])].join('\n');
}

export type { ToolPin };
