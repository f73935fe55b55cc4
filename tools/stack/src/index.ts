export { Stack, freePorts, REPO_ROOT, DEFAULT_PORTS, type StackOptions, type Ports, type ServiceName } from './stack.js';
