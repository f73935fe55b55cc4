#!/usr/bin/env node
import { startDemoMcpServer } from './demo-mcp.js';

const token = process.env.DEMO_MCP_TOKEN;
if (!token) {
  process.stderr.write('demo-mcp: DEMO_MCP_TOKEN must be set (the credential the gateway injects)\n');
  process.exit(1);
}
const [host, port] = (process.env.DEMO_MCP_ADDR ?? '127.0.0.1:7700').split(':');
const variant = process.env.DEMO_MCP_VARIANT === 'changed' ? 'changed' : 'original';
const server = await startDemoMcpServer({ host: host!, port: Number(port), token, variant });
process.stdout.write(`demo-mcp serving ${server.url} (${variant})\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
