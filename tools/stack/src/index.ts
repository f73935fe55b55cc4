export { Stack, freePorts, ownNats, REPO_ROOT, DEFAULT_PORTS, DEMO_DATABASE, type StackOptions, type Ports, type ServiceName } from './stack.js';
export { seedDemoDatabase, provisionDatabase, dropProvisionedDatabase, type OwnedDatabase } from './demo-database.js';
export { DEMO_CUSTOMERS, type DemoCustomer } from './demo-customers.js';
