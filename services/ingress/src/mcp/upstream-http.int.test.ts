import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpConnection } from '../config.js';
import type { JsonRpcMessage } from './jsonrpc.js';
import { HttpUpstream } from './upstream-http.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void;
let server: Server | undefined;

async function upstream(handler: Handler, overrides: Partial<McpConnection['config']> = {}): Promise<HttpUpstream> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {}));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const connection: McpConnection = {
    config: { name: 'up', type: 'mcp', upstream: `http://127.0.0.1:${port}/mcp`, env: {}, protocol: '2025-11-25', timeout: 1_000, maxMessageBytes: 10_000, tags: [], requiredScopes: [] } as McpConnection['config'],
    credential: { kind: 'header', header: 'authorization', value: 'Bearer upstream-secret' },
    env: {},
    cwd: '.',
  };
  return new HttpUpstream({ ...connection, config: { ...connection.config, ...overrides } as McpConnection['config'] }, undefined);
}

afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((r) => running.close(r));
});

const client = { clientInfo: { name: 't', version: '1' }, capabilities: {}, protocolVersion: '2025-11-25' };
const initialized = (res: ServerResponse, body: Record<string, unknown>) => {
  if (body.method === 'initialize') {
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'sess-1' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'x' } } }));
    return true;
  }
  if (body.method === 'notifications/initialized') {
    res.writeHead(202).end();
    return true;
  }
  return false;
};

async function call(up: HttpUpstream): Promise<JsonRpcMessage[]> {
  const session = await up.open(client, AbortSignal.timeout(5_000));
  const out: JsonRpcMessage[] = [];
  for await (const m of session.request({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'x' } }, AbortSignal.timeout(5_000))) out.push(m);
  return out;
}

describe('Streamable HTTP upstreams', () => {
  it('sends the gateway credential and the session id, and relays SSE events up to the response', async () => {
    const seen: (string | undefined)[] = [];
    const up = await upstream((req, res, body) => {
      seen.push(req.headers.authorization);
      if (initialized(res, body)) return;
      expect(req.headers['mcp-session-id']).toBe('sess-1');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })}\n\n`);
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 5, result: { content: [] } })}\n\n`);
    });
    const messages = await call(up);
    expect(messages.map((m) => ('method' in m ? m.method : 'response'))).toEqual(['notifications/progress', 'response']);
    expect(new Set(seen)).toEqual(new Set(['Bearer upstream-secret']));
  });

  it.each<[string, Handler, string]>([
    ['a 500', (_q, res) => res.writeHead(500).end('boom'), 'UNAVAILABLE'],
    ['a 401', (_q, res) => res.writeHead(401).end(), 'UNAUTHORIZED'],
    ['a 404 for the session', (_q, res) => res.writeHead(404).end(), 'SESSION_EXPIRED'],
    ['a content type that is neither JSON nor SSE', (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'), 'PROTOCOL'],
    ['JSON that is not JSON-RPC', (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":1}'), 'PROTOCOL'],
    ['a body that is not JSON', (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('nope'), 'PROTOCOL'],
    ['a JSON body over the limit', (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"jsonrpc":"2.0","id":5,"result":{"x":"${'a'.repeat(20_000)}"}}`), 'TOO_LARGE'],
    ['an SSE event over the limit', (_q, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`data: {"x":"${'a'.repeat(20_000)}"}\n\n`), 'TOO_LARGE'],
    ['an SSE event that never ends', (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${'a'.repeat(100_000)}`);
    }, 'TOO_LARGE'],
    ['a stream that ends without the response', (_q, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(': nothing\n\n'), 'PROTOCOL'],
    ['a stream that never answers', (_q, res) => void res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': waiting\n\n'), 'TIMEOUT'],
  ])('turns %s into its failure', async (_what, handler, failure) => {
    const up = await upstream((req, res, body) => (initialized(res, body) ? undefined : handler(req, res, body)));
    await expect(call(up)).rejects.toMatchObject({ failure });
  });

  it('refuses an initialize answer in a revision the gateway does not speak', async () => {
    const up = await upstream((_q, res, body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { protocolVersion: '1999-01-01', capabilities: {} } })));
    await expect(up.open(client, AbortSignal.timeout(5_000))).rejects.toMatchObject({ failure: 'PROTOCOL' });
  });

  it('reports an upstream that is not listening', async () => {
    const up = await upstream(() => undefined);
    server!.close();
    server = undefined;
    await expect(up.open(client, AbortSignal.timeout(5_000))).rejects.toMatchObject({ failure: 'UNAVAILABLE' });
  });
});
