// The bare Node hop as its own process (started by the bench): BARE_HOP_PORT, UPSTREAM_PORT,
// UPSTREAM_API_KEY. Exits when its stdin closes, so it cannot outlive the bench.
import { createBareHop } from './bare-hop.js';

const port = Number(process.env.BARE_HOP_PORT);
const upstreamPort = Number(process.env.UPSTREAM_PORT);
const apiKey = process.env.UPSTREAM_API_KEY ?? '';
if (!Number.isInteger(port) || !Number.isInteger(upstreamPort) || apiKey === '') {
  process.stderr.write('bare-hop: BARE_HOP_PORT, UPSTREAM_PORT and UPSTREAM_API_KEY are required\n');
  process.exit(78);
}
const server = createBareHop({ upstreamPort, apiKey });
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();
server.listen(port, '127.0.0.1');
