import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import { createMcpHandler, isLegacyRequest, type EventStore } from '@modelcontextprotocol/server';
import { demoServer, type Variant } from './catalog.js';

export interface DemoMcpOptions {
  readonly host?: string;
  /** 0: an ephemeral port. */
  readonly port: number;
  /** The only credential accepted (the gateway's), as `Authorization: Bearer <token>`. */
  readonly token: string;
  readonly variant?: Variant;
}

export interface DemoMcpServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The demo MCP server over Streamable HTTP at /mcp. 2025-11-25 callers get sessions (Mcp-Session-Id,
 * the GET stream, DELETE, resumption from an in-memory event store); 2026-07-28 callers are served
 * statelessly. Every request must carry the gateway's token.
 */
export async function startDemoMcpServer(options: DemoMcpOptions): Promise<DemoMcpServer> {
  const variant = options.variant ?? 'original';
  const expected = Buffer.from(`Bearer ${options.token}`);
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  const modern = toNodeHandler(createMcpHandler(() => demoServer(variant), { legacy: 'reject' }));

  const authorized = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };
  const refuse = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message } }));
  };

  const server = createServer((req, res) => {
    void (async () => {
      if ((req.url ?? '').split('?')[0] !== '/mcp') return refuse(res, 404, 'not found');
      if (!authorized(req)) return refuse(res, 401, 'a valid bearer token is required');
      let body: unknown;
      if (req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return refuse(res, 400, 'the body is not JSON');
        }
        if (!(await isLegacyRequest(await toWebRequest(req, body), body))) return modern(req, res, body);
      }
      const sessionId = req.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const transport = sessions.get(sessionId);
        if (!transport) return refuse(res, 404, 'session not found');
        return transport.handleRequest(req, res, body);
      }
      if (req.method !== 'POST') return refuse(res, 400, 'Mcp-Session-Id is required');
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: memoryEventStore(),
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await demoServer(variant).connect(transport);
      return transport.handleRequest(req, res, body);
    })().catch((err: unknown) => {
      process.stderr.write(`demo-mcp: ${(err as Error).message}\n`);
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}/mcp`,
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close().catch(() => undefined)));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Events kept per stream so that a client that lost its stream can resume (Last-Event-ID). */
function memoryEventStore(): EventStore {
  const events: { id: string; stream: string; message: unknown }[] = [];
  return {
    async storeEvent(streamId: string, message: unknown) {
      const id = `${streamId}_${events.length}`;
      events.push({ id, stream: streamId, message });
      if (events.length > 10_000) events.shift();
      return id;
    },
    async replayEventsAfter(lastEventId: string, { send }: { send: (id: string, message: unknown) => Promise<void> }) {
      const at = events.findIndex((e) => e.id === lastEventId);
      if (at === -1) return '';
      const stream = events[at]!.stream;
      for (const event of events.slice(at + 1)) if (event.stream === stream) await send(event.id, event.message);
      return stream;
    },
  } as unknown as EventStore;
}
