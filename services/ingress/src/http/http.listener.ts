import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '@portcullis/service-kit';
import { refusal } from '../domain/refusal.js';
import type { RequestFlow } from '../domain/request-flow.js';
import type { Session } from '../domain/session.js';
import { credentialFromAuthorization } from '@portcullis/identity-client';
import { Listener, type ListenerOptions } from '../listener/listener.js';
import { HttpExchange, type HttpConnection } from './http.exchange.js';
import { writeRefusal } from './refusal.http.js';
import { parseRoute } from './route.js';

/** What the listener keeps per client connection. */
interface ConnectionState {
  session: Session | undefined;
  closed: boolean;
  /** The connection's requests, served in order. */
  queue: Promise<void>;
}

export interface HttpListenerOptions extends Omit<ListenerOptions, 'name'> {
  /** Whether the gateway can serve (bus connected, masking profiles loaded): /readyz. */
  readonly ready: () => boolean;
  /** The MCP endpoints (/mcp, /mcp/<connection>) and their OAuth protected resource metadata. */
  readonly mcp?: McpEndpoints;
}

/** What the HTTP port serves for MCP. */
export interface McpEndpoints {
  /** `endpoint`: the connection of /mcp/<connection>, undefined for /mcp. */
  handle(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string): Promise<void>;
  /** RFC 9728 metadata for a /.well-known/oauth-protected-resource… path; false if not one. */
  wellKnown(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** The tool-pinning admin API (/admin/mcp/…); undefined if `path` is not one of it. */
  admin?(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> | undefined;
}

/**
 * The ingress HTTP port: `/healthz`, `/readyz`, and `/http/<connection>/…` through the request
 * flow. A keep-alive connection is a session for as long as its requests carry the credential that
 * opened it (the flow decides: `serve`); the session ends with the connection, a new credential or
 * the principal's expiry. A request target that is not a well-formed route is refused before the
 * flow (like a malformed request line: there is nothing to describe).
 */
export function createHttpListener(flow: RequestFlow, connections: ReadonlyMap<string, HttpConnection>, options: HttpListenerOptions, logger: Logger): Listener {
  const server = createServer((req, res) => handle(req, res));
  server.keepAliveTimeout = 65_000;
  // Slow senders get seconds, not minutes (held requests wait on the response side, unaffected).
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;
  const listener = new Listener(server, { ...options, name: 'http' }, logger, () => server.closeIdleConnections());
  // A connection's requests are served one after the other (pipelined ones too: HTTP/1.1 answers
  // in order anyway), so a connection has at most one session, and a session is never left open
  // by a request that finishes after its connection closed.
  const perSocket = new WeakMap<Socket, ConnectionState>();
  server.on('connection', (socket: Socket) => {
    const state: ConnectionState = { session: undefined, closed: false, queue: Promise.resolve() };
    perSocket.set(socket, state);
    socket.once('close', () => {
      state.closed = true;
      if (state.session) flow.close(state.session, listener.shutdown.aborted ? 'shutdown' : 'closed');
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (req.url === '/readyz') {
      const ok = listener.serving && options.ready();
      return void res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
    }
    const path = (req.url ?? '').split('?')[0]!;
    if (options.mcp && path.startsWith('/.well-known/') && options.mcp.wellKnown(req, res, path)) return;
    const admission = listener.admission();
    const adminWork = options.mcp?.admin?.(req, res, path);
    if (adminWork) {
      listener.track(adminWork.catch((err: unknown) => {
        logger.error({ err }, 'mcp admin request failed unexpectedly');
        if (!res.headersSent) writeRefusal(res, refusal('INTERNAL', 'the gateway could not process the request'), undefined);
      }));
      return;
    }
    if (options.mcp && (path === '/mcp' || path.startsWith('/mcp/'))) {
      if (admission) return void writeRefusal(res, admission === 'stopping' ? refusal('GATEWAY_SHUTTING_DOWN', 'the gateway is shutting down') : refusal('GATEWAY_BUSY', 'too many requests in flight; retry later'), undefined);
      const endpoint = path === '/mcp' ? undefined : path.slice('/mcp/'.length);
      if (endpoint !== undefined && !/^[a-z][a-z0-9_-]{0,62}$/.test(endpoint)) return void writeRefusal(res, refusal('UNKNOWN_CONNECTION', 'expected /mcp or /mcp/<connection>'), undefined);
      const work = options.mcp.handle(req, res, endpoint, path).catch((err: unknown) => {
        logger.error({ err }, 'mcp request failed unexpectedly');
        if (!res.headersSent) writeRefusal(res, refusal('INTERNAL', 'the gateway could not process the request'), undefined);
        else res.end();
      });
      listener.track(work);
      return;
    }
    if (admission === 'stopping') return void writeRefusal(res, refusal('GATEWAY_SHUTTING_DOWN', 'the gateway is shutting down'), undefined);
    // Bounded memory: every request may buffer a body and a response.
    if (admission === 'busy') return void writeRefusal(res, refusal('GATEWAY_BUSY', 'too many requests in flight; retry later'), undefined);
    const route = parseRoute(req.url ?? '');
    if (!route.ok) return void writeRefusal(res, refusal(route.tooLong ? 'URI_TOO_LONG' : 'BAD_REQUEST', route.message), undefined);
    const exchange = new HttpExchange(req, res, route.connection, route.path, route.search, connections.get(route.connection));
    const credential = credentialFromAuthorization(req.headers.authorization);
    const asked = `${req.method ?? ''} /http/${route.connection}${route.path}`.slice(0, 200);
    const opening = { protocol: 'http' as const, token: credential?.value, credentialType: credential?.type ?? 'jwt', asked, clientAddress: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}` };
    const state = perSocket.get(req.socket);
    if (!state) return void writeRefusal(res, refusal('INTERNAL', 'the gateway could not process the request'), undefined);
    const serve = async () => {
      try {
        state.session = await flow.serve(opening, exchange, state.session);
      } catch (err) {
        logger.error({ err }, 'request failed unexpectedly');
        if (state.session) flow.close(state.session, 'closed');
        state.session = undefined;
        writeRefusal(res, refusal('INTERNAL', 'the gateway could not process the request'), undefined);
      }
      if (state.closed && state.session) flow.close(state.session, listener.shutdown.aborted ? 'shutdown' : 'gone');
    };
    const work = state.queue.then(serve);
    state.queue = work;
    listener.track(work);
  }

  return listener;
}
