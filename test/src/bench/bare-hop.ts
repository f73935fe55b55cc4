import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * The "bare Node hop" of the performance budget: what any Node gateway must do at least, and no
 * enforcement. Keep-alive agent to the upstream, request body buffered, the caller's Authorization
 * replaced by the held credential, response buffered, one JSON.parse + JSON.stringify of it (the
 * least a masking gateway does with a JSON body), written back with a content-length.
 */
export interface BareHopOptions {
  readonly upstreamPort: number;
  /** Sent upstream as `authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
}

// Hop-by-hop (RFC 9110 §7.6.1) and what the hop sets itself.
const DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'authorization']);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !DROP.has(name)) out[name] = value;
  return out;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function createBareHop(options: BareHopOptions): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const credential = `Bearer ${options.apiKey}`;

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const headers = { ...forwardable(req.headers), authorization: credential, ...(body.length > 0 ? { 'content-length': String(body.length) } : {}) };
      const upstream = http.request({ host: '127.0.0.1', port: options.upstreamPort, method: req.method, path: req.url, headers, agent }, (res) => {
        readAll(res).then((buffered) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: buffered }), reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const upstream = await forward(req, await readAll(req));
    let body = upstream.body;
    if (/\bjson\b/i.test(String(upstream.headers['content-type'] ?? '')) && body.length > 0) body = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    res.writeHead(upstream.status, { ...forwardable(upstream.headers), 'content-length': String(body.length) });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain', 'content-length': '11' }).end('bad gateway');
    });
  });
  server.keepAliveTimeout = 65_000;
  server.once('close', () => agent.destroy());
  return server;
}
