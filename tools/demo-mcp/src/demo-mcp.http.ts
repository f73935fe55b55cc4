import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, isLegacyRequest } from '@modelcontextprotocol/server';
import { bearerMatches } from './bearer.js';
import { createDemoServer } from './demo-server.js';
import { jsonRpcError } from './json-rpc-error.js';
import { createLegacySessions } from './legacy-sessions.js';
import type { Variant } from './variant.js';

export interface DemoMcpServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The only credential accepted, as `Authorization: Bearer <token>`; the gateway injects it. */
  readonly token: string;
  readonly variant?: Variant;
  /** Errors the SDK reports out of band (rejected requests, broken streams); never carries the token. */
  readonly onError?: (error: Error) => void;
}

export interface DemoMcpServer {
  /** The MCP endpoint, `http://host:port/mcp`. */
  readonly url: string;
  /** Switches the variant for new requests and tells open sessions and listeners that the tools changed. */
  setVariant(variant: Variant): void;
  /** Stops taking requests, ends every session and stream, and closes the listener. */
  close(): Promise<void>;
}

type State = 'starting' | 'serving' | 'draining' | 'stopped';

/**
 * The demo MCP server over Streamable HTTP at `/mcp`. Lifecycle: starting → serving → draining →
 * stopped. Every request must carry the bearer token, checked before the body is read. Then the
 * SDK's own classification decides the revision: 2025-11-25 traffic goes to stateful sessions
 * (session ids, the GET stream, DELETE, resumption), 2026-07-28 traffic to the SDK's stateless
 * per-request handler. Both serve the same server definition.
 */
export async function startDemoMcpServer(options: DemoMcpServerOptions): Promise<DemoMcpServer> {
  const host = options.host ?? '127.0.0.1';
  let variant: Variant = options.variant ?? 'original';
  let state: State = 'starting';

  const legacy = createLegacySessions(() => createDemoServer(variant), options.onError);
  const modern = createMcpHandler(() => createDemoServer(variant).server, { legacy: 'reject', ...(options.onError && { onerror: options.onError }) });
  const serveMcp = toNodeHandler(
    { fetch: async (request) => ((await isLegacyRequest(request)) ? legacy.fetch(request) : modern.fetch(request)) },
    options.onError ? { onerror: options.onError } : undefined,
  );

  const http = createServer((req, res) => {
    const refusal = refuse(req, state, options.token);
    if (refusal) return void writeResponse(res, refusal);
    void serveMcp(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => resolve());
  });
  state = 'serving';
  const { port } = http.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`;

  let closing: Promise<void> | undefined;
  return {
    url,
    setVariant(next) {
      variant = next;
      legacy.forEach((instance) => instance.setVariant(next));
      modern.notify.toolsChanged();
    },
    close() {
      closing ??= (async () => {
        state = 'draining';
        await modern.close();
        await legacy.close();
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
        state = 'stopped';
      })();
      return closing;
    },
  };
}

/** The answer for a request the MCP handlers must not see, if any. */
function refuse(req: IncomingMessage, state: State, token: string): Response | undefined {
  if (state !== 'serving') return jsonRpcError(503, -32000, 'Service unavailable: the server is shutting down');
  if (new URL(req.url ?? '/', 'http://demo-mcp').pathname !== '/mcp') return jsonRpcError(404, -32000, 'Not found: the MCP endpoint is /mcp');
  if (!bearerMatches(req.headers.authorization, token)) {
    return jsonRpcError(401, -32000, 'Unauthorized: missing or wrong bearer token', { 'www-authenticate': 'Bearer realm="demo-mcp"' });
  }
  return undefined;
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const body = await response.text();
  res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
