import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the upstream saw of one request; tests use it to prove what did (not) reach the target. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface DemoUpstreamOptions {
  readonly host: string;
  readonly port: number;
  /** The credential the gateway must present as `authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
  readonly onRequest?: (request: ReceivedRequest) => void;
}

export interface DemoUpstream {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** sha256 fingerprint, so /echo can prove which credential arrived without disclosing it. */
export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;
}

const CUSTOMERS = [
  { id: 1, name: 'Ada Lovelace', email: 'ada.lovelace@example.com', card: '4111 1111 1111 1111', orderRef: '1234567812345678', note: 'VIP; prefers e-mail to ada@analytical.example.org', iban: 'GB82 WEST 1234 5698 7654 32', phone: '+44 20 7946 0958' },
  { id: 2, name: 'Alan Turing', email: 'alan@bletchley.example.co.uk', card: '5555-5555-5555-4444', orderRef: '9876543210987654', note: 'card on file 378282246310005 (amex)' },
  { id: 3, name: 'Grace Hopper', email: 'grace.hopper@navy.example.mil', card: '6011000990139424', orderRef: '1111222233334444', password: 'hunter2' },
];

/**
 * A demo API that plays the internal service behind the gateway. It refuses any request without
 * its API key, which only the gateway holds. /echo reports what it received — the credential only
 * as a fingerprint, so the echo never hands the key to the caller.
 */
export function createDemoUpstream(options: DemoUpstreamOptions): DemoUpstream {
  const expected = Buffer.from(`Bearer ${options.apiKey}`);
  let server: Server | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://upstream');
    const authorization = req.headers.authorization ?? '';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name] = name === 'authorization' ? fingerprint(authorization.replace(/^Bearer /, '')) : String(value);
    }
    options.onRequest?.({ method: req.method ?? '', path: url.pathname, headers, body });

    const given = Buffer.from(authorization);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return json(res, 401, { error: 'missing or wrong API key' });
    }
    if (url.pathname === '/echo' || url.pathname.startsWith('/echo/')) {
      return json(res, 200, { method: req.method, path: url.pathname, query: url.search, headers, body });
    }
    if (url.pathname === '/customers' && (req.method === 'GET' || req.method === 'HEAD')) {
      return json(res, 200, CUSTOMERS);
    }
    if (url.pathname === '/notes') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(CUSTOMERS.map((c) => `${c.name} <${c.email}> paid with ${c.card}`).join('\n') + '\n');
    }
    return json(res, 404, { error: 'not found' });
  };

  return {
    get port() {
      return (server?.address() as AddressInfo | null)?.port ?? options.port;
    },
    async start() {
      server = createServer((req, res) => {
        handle(req, res).catch(() => json(res, 500, { error: 'internal error' }));
      });
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(options.port, options.host, () => resolve());
      });
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = undefined;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
