export { startDemoMcpServer, type DemoMcpOptions, type DemoMcpServer } from './demo-mcp.js';
export { CUSTOMERS, NOTES, type Variant } from './catalog.js';
