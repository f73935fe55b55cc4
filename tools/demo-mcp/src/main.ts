#!/usr/bin/env node
// The demo MCP server as a process (the quickstart, the end-to-end tests and the benchmarks).
// DEMO_MCP_TOKEN is the credential the gateway injects; DEMO_MCP_ADDR where to listen;
// DEMO_MCP_VARIANT which echo description to offer.
import { createLogger, runService } from '@portcullis/service-kit';
import { loadConfig, type DemoMcpConfig } from './config.js';
import { startDemoMcpServer, type DemoMcpServer } from './demo-mcp.http.js';

let config: DemoMcpConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  process.stderr.write(`demo-mcp: ${(err as Error).message}\n`);
  process.exit(1);
}
const logger = createLogger('demo-mcp', config.logLevel);
let server: DemoMcpServer | undefined;
await runService('demo-mcp', logger, {
  async start() {
    server = await startDemoMcpServer({
      host: config.address.host,
      port: config.address.port,
      token: config.token,
      variant: config.variant,
      onError: (err) => logger.warn({ error: err.message }, 'mcp request failed'),
    });
    logger.info({ url: server.url, variant: config.variant }, 'listening');
  },
  async stop() {
    await server?.close();
  },
});
