#!/usr/bin/env node
// A tiny MCP agent for the quickstart: the official MCP TypeScript SDK client, talking to the
// gateway exactly as it would talk to any MCP server. It gets its own token from the dev IdP.
//
//   node examples/mcp-agent.mjs list                         tools the agent may use (/mcp: every server)
//   node examples/mcp-agent.mjs call <tool> '<json args>'    call one (progress and hold notices shown)
//
// Environment: PORTCULLIS_MCP_URL (default http://127.0.0.1:8080/mcp), PORTCULLIS_IDP
// (default http://127.0.0.1:7400), AGENT_ID / AGENT_SECRET (default demo-agent / demo-agent-secret).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const url = process.env.PORTCULLIS_MCP_URL ?? 'http://127.0.0.1:8080/mcp';
const idp = process.env.PORTCULLIS_IDP ?? 'http://127.0.0.1:7400';
const id = process.env.AGENT_ID ?? 'demo-agent';
const secret = process.env.AGENT_SECRET ?? 'demo-agent-secret';

const [command, tool, rawArgs] = process.argv.slice(2);
if (command !== 'list' && !(command === 'call' && tool)) {
  process.stderr.write("usage: mcp-agent.mjs list | call <tool> '<json arguments>'\n");
  process.exit(2);
}

const tokenResponse = await fetch(`${idp}/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials',
});
if (!tokenResponse.ok) throw new Error(`the IdP answered ${tokenResponse.status}`);
const { access_token: token } = await tokenResponse.json();

const client = new Client({ name: 'portcullis-quickstart-agent', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
try {
  if (command === 'list') {
    for (const t of (await client.listTools()).tools) process.stdout.write(`${t.name.padEnd(32)} ${t.description ?? ''}\n`);
  } else {
    const result = await client.callTool({ name: tool, arguments: rawArgs ? JSON.parse(rawArgs) : {} }, undefined, {
      timeout: 10 * 60_000,
      onprogress: (p) => process.stderr.write(`progress: ${p.message ?? `${p.progress}${p.total ? `/${p.total}` : ''}`}\n`),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
} finally {
  await client.close();
}
