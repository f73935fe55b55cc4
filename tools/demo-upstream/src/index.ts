export { createDemoUpstream, fingerprint, type DemoUpstream, type DemoUpstreamOptions, type ReceivedRequest } from './demo-upstream.js';
