export { startDemoMcpServer, type DemoMcpServer, type DemoMcpServerOptions } from './demo-mcp.http.js';
export { createDemoServer, type DemoServer } from './demo-server.js';
export { CUSTOMERS, type Customer } from './customers.js';
export { VARIANTS, ECHO_DESCRIPTIONS, type Variant } from './variant.js';
