import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostPort, type Address, type Logger } from '@portcullis/service-kit';
import type { StreamReading } from '../bus/event-retention.js';

/**
 * Audit's plain-HTTP status: `/metrics` (Prometheus text: audit's lag and the event stream's fill),
 * `/readyz` (503 while audit is behind beyond its threshold, or before its first reading) and
 * `/healthz`. It carries no event and no payload, only counts.
 */
export class StatusServer {
  private readonly server: Server;

  constructor(
    private readonly address: Address,
    reading: () => StreamReading | undefined,
    namespace: string,
    private readonly logger: Logger,
  ) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
      const current = reading();
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics(current, namespace));
      } else if (path === '/readyz') {
        const ready = current !== undefined && !current.lagging;
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : current ? `audit is ${Math.round(current.lag.seconds)} s behind the event stream (${current.lag.events} events)\n` : 'not read the event stream yet\n');
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.address.port, this.address.host, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    this.logger.info({ address: hostPort({ host: this.address.host, port }) }, 'status (metrics, readiness) listening');
    return port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function metrics(reading: StreamReading | undefined, namespace: string): string {
  const label = `{namespace="${namespace}"}`;
  const gauge = (name: string, help: string, value: number | undefined) => (value === undefined ? [] : [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${label} ${value}`]);
  return [
    ...gauge('portcullis_audit_lag_events', 'Events stored on the bus that audit has not recorded yet.', reading?.lag.events),
    ...gauge('portcullis_audit_lag_seconds', 'Age of the oldest event audit has not recorded yet.', reading?.lag.seconds),
    ...gauge('portcullis_audit_lagging', '1 while the lag is beyond the alert threshold (readiness red).', reading ? Number(reading.lagging) : undefined),
    ...gauge('portcullis_events_stream_bytes', 'Bytes held by the event stream.', reading?.stream.bytes),
    ...gauge('portcullis_events_stream_max_bytes', 'The event stream\'s size limit (it refuses new events beyond it).', reading?.stream.maxBytes),
    ...gauge('portcullis_events_stream_messages', 'Messages held by the event stream.', reading?.stream.messages),
    '',
  ].join('\n');
}
