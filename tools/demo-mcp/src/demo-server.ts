import { McpServer } from '@modelcontextprotocol/server';
import { registerDemoResources } from './demo-resources.js';
import { registerDemoTools } from './demo-tools.js';
import { ECHO_DESCRIPTIONS, type Variant } from './variant.js';

/** One MCP server instance with the demo's tools, resources and prompts. */
export interface DemoServer {
  readonly server: McpServer;
  /** Changes `echo`'s description; a connected session is told with `notifications/tools/list_changed`. */
  setVariant(variant: Variant): void;
}

/** The one definition both protocol revisions and both transports serve, so they cannot drift. */
export function createDemoServer(variant: Variant): DemoServer {
  const server = new McpServer({ name: 'portcullis-demo-mcp', version: '0.1.0' }, { capabilities: { logging: {} } });
  const echo = registerDemoTools(server, variant);
  registerDemoResources(server);
  return { server, setVariant: (next) => echo.update({ description: ECHO_DESCRIPTIONS[next] }) };
}
