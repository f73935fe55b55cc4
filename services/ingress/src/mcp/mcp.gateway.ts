import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { credentialFromAuthorization, type Principal } from '@portcullis/identity-client';
import { MIN_BODY_BYTES_PER_SECOND, readRequestBody } from '../http/body-reader.js';
import type { Logger } from '@portcullis/service-kit';
import type { McpConnection } from '../config.js';
import type { Decision } from '../domain/decision.js';
import type { ProtocolStatus } from '../domain/events.js';
import type { Exchange } from '../domain/exchange.js';
import type { HeldNotice } from '../domain/ports.js';
import { CANCELLED, type RequestFlow } from '../domain/request-flow.js';
import { refusal, type Refusal } from '../domain/refusal.js';
import type { Session } from '../domain/session.js';
import { CallerStream } from './caller-stream.js';
import { isNotification, isRequest, parseMessage, RPC, rpcError, rpcResult, type JsonObject, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.js';
import { McpExchange, type McpSink } from './mcp.exchange.js';
import { aggregateName, aggregateRequestId, aggregateUri, aggregateUriTemplate, splitAggregateName, splitAggregateRequestId, splitAggregateUri } from './names.js';
import { refusalResponse, refusalText } from './refusal.mcp.js';
import { checkModernHeaders, envelopeOf, isModern, LEGACY, LEGACY_VERSIONS, META, MODERN } from './revision.js';
import { SessionSeal, type SessionState } from './session-seal.js';
import type { HttpUpstream } from './upstream-http.js';
import { UpstreamError, type UpstreamClient, type UpstreamSession } from './upstream.js';

/** An MCP connection as the gateway runs it. */
export interface McpUpstreamRuntime {
  readonly connection: McpConnection;
  /** Streamable HTTP; absent for a stdio connection. */
  readonly http?: HttpUpstream;
}

/** stdio processes, one per caller session and connection. */
export interface StdioSessions {
  session(key: string, connection: McpConnection, client: UpstreamClient): Promise<UpstreamSession>;
  end(key: string): Promise<void>;
}

export interface McpToolDefinition {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: unknown;
}

/** Tool pinning: which tools of a connection may be shown and called (rejects when the store cannot answer). */
export interface ToolPins {
  review(connection: string, tools: readonly McpToolDefinition[]): Promise<{ readonly allowed: ReadonlySet<string>; readonly withheld: ReadonlyMap<string, string> }>;
}

export type ListKind = 'tools' | 'prompts' | 'resources';

/** Which names of a list the caller may call or request approval for (fails closed: ok false). */
export interface Visibility {
  visible(query: { readonly principal: Principal; readonly connection: string; readonly kind: ListKind; readonly names: readonly string[] }): Promise<{ readonly ok: true; readonly visibility: ReadonlyMap<string, 'callable' | 'approval'> } | { readonly ok: false; readonly message: string; readonly detail?: string }>;
}

/** Sessions a caller deleted, known to every instance. */
export interface EndedSessions {
  has(id: string): boolean;
  add(id: string, until: number): Promise<void>;
}

/** Cancellations that reach another instance than the one running the request. */
export interface CancelRelay {
  publish(key: string, id: JsonRpcId): void;
}

export interface McpGatewayDeps {
  readonly flow: RequestFlow;
  readonly upstreams: ReadonlyMap<string, McpUpstreamRuntime>;
  readonly seal: SessionSeal;
  readonly stdio: StdioSessions;
  readonly pins?: ToolPins;
  readonly visibility: Visibility;
  readonly ended: EndedSessions;
  readonly cancels?: CancelRelay;
  readonly settings: { readonly resource: string; readonly sessionLifetimeMs: number; readonly maxMessageBytes: number };
  /** The WWW-Authenticate value for a refused credential on `path` (with `scope` for insufficient_scope). */
  readonly challenge: (path: string, refusal: Refusal, scope?: string) => string;
  readonly now: () => number;
  readonly logger: Logger;
}

/** A session's upstream sessions on this instance. */
interface LocalSession {
  readonly key: string;
  readonly upstreams: Map<string, Promise<UpstreamSession>>;
  lastUsed: number;
}

/** One caller request: who, which session, which endpoint. */
interface Context {
  readonly session: Session;
  readonly state: SessionState | undefined;
  readonly local: LocalSession;
  /** undefined: /mcp (every connection). */
  readonly endpoint: string | undefined;
  readonly client: UpstreamClient;
  readonly modern: boolean;
  readonly path: string;
}

const GATEWAY_INFO = { name: 'portcullis', title: 'Portcullis MCP gateway', version: '0.1.0' };
const LIST_PAGES = 20;
const KEEP_OPEN_MS = 15_000;
const LOCAL_IDLE_MS = 10 * 60_000;
const PIN_REFRESH_MS = 30_000;
const LIST_FIELD: Record<string, string> = { 'tools/list': 'tools', 'prompts/list': 'prompts', 'resources/list': 'resources', 'resources/templates/list': 'resourceTemplates' };
const LIST_KIND: Record<string, ListKind> = { 'tools/list': 'tools', 'prompts/list': 'prompts', 'resources/list': 'resources', 'resources/templates/list': 'resources' };

/**
 * The MCP endpoints: `/mcp` (every connection the caller may use, names namespaced) and
 * `/mcp/<connection>` (one upstream, its own names). Each JSON-RPC request that reaches an
 * upstream runs through the request flow as its own request: decided on method, name and
 * arguments, held, masked as it streams, recorded. A 2025-11-25 session's state travels sealed in
 * its Mcp-Session-Id, so any instance continues it; a 2026-07-28 request stands alone.
 */
export class McpGateway {
  private readonly locals = new Map<string, LocalSession>();
  private readonly inFlight = new Map<string, AbortController>();
  /** The tools each connection last listed, for checking a call against its pin. */
  private readonly seenTools = new Map<string, { readonly at: number; readonly tools: Map<string, McpToolDefinition> }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly deps: McpGatewayDeps) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
    for (const controller of this.inFlight.values()) controller.abort();
  }

  /** A cancellation published by another instance. */
  cancel(key: string, id: JsonRpcId): void {
    this.inFlight.get(flightKey(key, id))?.abort(CANCELLED);
  }

  async handle(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string): Promise<void> {
    res.setHeader('cache-control', 'no-store');
    if (!this.originAllowed(req)) return this.httpError(res, 403, null, RPC.INVALID_REQUEST, 'the Origin header does not match this gateway');
    if (endpoint !== undefined && !this.deps.upstreams.has(endpoint)) return this.httpError(res, 404, null, RPC.INVALID_PARAMS, `no MCP connection named "${endpoint}"`);
    switch (req.method) {
      case 'POST':
        return this.post(req, res, endpoint, path);
      case 'GET':
        return this.get(req, res, endpoint, path);
      case 'DELETE':
        return this.delete(req, res, endpoint, path);
      default:
        res.setHeader('allow', 'GET, POST, DELETE');
        return this.httpError(res, 405, null, RPC.INVALID_REQUEST, `${req.method ?? ''} is not an MCP method on this endpoint (GET, POST, DELETE)`);
    }
  }

  // ---- HTTP methods -------------------------------------------------------------------------

  private async post(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return this.httpError(res, 415, null, RPC.INVALID_REQUEST, 'an MCP message is sent as Content-Type: application/json');
    const body = await readBody(req, this.deps.settings.maxMessageBytes);
    if (!body.ok) return this.httpError(res, body.status, null, RPC.INVALID_REQUEST, body.message);
    let value: unknown;
    try {
      value = JSON.parse(body.text);
    } catch {
      return this.httpError(res, 400, null, RPC.PARSE_ERROR, 'the body is not JSON');
    }
    const parsed = parseMessage(value);
    if (!parsed.ok) return this.httpError(res, 400, parsed.id, parsed.code, parsed.message);
    const message = parsed.message;
    if (isRequest(message) && !acceptsBoth(req.headers.accept)) return this.httpError(res, 406, message.id, RPC.INVALID_REQUEST, 'a request must accept both application/json and text/event-stream');

    const envelope = envelopeOf(message);
    if (envelope && isModern(envelope.protocolVersion)) {
      if (envelope.protocolVersion !== MODERN) return this.httpError(res, 400, idOf(message), RPC.INVALID_REQUEST, `unsupported protocol version ${envelope.protocolVersion.slice(0, 40)}; supported: ${[...LEGACY_VERSIONS, MODERN].join(', ')}`);
      const check = checkModernHeaders(message, envelope.protocolVersion, headersOf(req));
      if (!check.ok) return this.httpError(res, 400, idOf(message), RPC.INVALID_REQUEST, check.message);
      return this.modern(req, res, endpoint, path, message, envelope);
    }
    if (isRequest(message) && message.method === 'initialize') return this.initialize(req, res, endpoint, path, message);
    const ctx = await this.resumeLegacy(req, res, endpoint, path);
    if (!ctx) return;
    return this.dispatch(ctx, message, res);
  }

  /** The 2025-11-25 server stream of a session (list changes, server-to-client requests). */
  private async get(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string): Promise<void> {
    if (!(req.headers.accept ?? '').toLowerCase().includes('text/event-stream')) return this.httpError(res, 406, null, RPC.INVALID_REQUEST, 'the server stream needs Accept: text/event-stream');
    const ctx = await this.resumeLegacy(req, res, endpoint, path);
    if (!ctx) return;
    const stream = new CallerStream(res);
    stream.keepOpen(KEEP_OPEN_MS);
    const gone = goneSignal(req, res);
    // A revoked identity's session ends for good (on every instance) and its stream closes now.
    const state = ctx.state;
    const revoked = () => {
      if (state) void this.deps.ended.add(state.id, state.expiresAt).catch((err: unknown) => this.deps.logger.warn({ err, sessionId: state.id }, 'could not record a revoked session as ended'));
      stream.end();
      res.destroy();
    };
    if (ctx.session.terminated.aborted) return revoked();
    ctx.session.terminated.addEventListener('abort', revoked, { once: true });
    const untrack = this.deps.flow.track(ctx.session);
    gone.addEventListener('abort', untrack, { once: true });
    const listen: JsonRpcRequest = { jsonrpc: '2.0', id: 'portcullis-stream', method: 'subscriptions/listen', params: {} };
    const connections = this.connectionsOf(ctx);
    await Promise.all(
      connections.map((connection) =>
        this.deps.flow.run(
          ctx.session,
          new McpExchange({
            connection,
            message: listen,
            gone,
            sink: this.streamSink(ctx, connection, stream),
            upstream: (signal) => this.upstreamSession(ctx, connection, signal),
            perform: (session, signal) => session.listen(signal),
          }),
        ),
      ),
    );
    // Upstreams without a stream: keep the caller's open until it leaves (it may still get nothing).
    if (!gone.aborted && !ctx.session.terminated.aborted) await new Promise<void>((resolve) => {
      gone.addEventListener('abort', () => resolve(), { once: true });
      ctx.session.terminated.addEventListener('abort', () => resolve(), { once: true });
    });
    untrack();
    stream.end();
  }

  private async delete(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string): Promise<void> {
    const ctx = await this.resumeLegacy(req, res, endpoint, path);
    if (!ctx || !ctx.state) return;
    await this.deps.ended.add(ctx.state.id, ctx.state.expiresAt);
    const local = this.locals.get(ctx.local.key);
    this.locals.delete(ctx.local.key);
    await Promise.all([
      ...Object.keys(ctx.state.upstreams).map(async (connection) => (await this.upstreamSession(ctx, connection, AbortSignal.timeout(5_000)).catch(() => undefined))?.close()),
      ...[...(local?.upstreams.values() ?? [])].map(async (session) => (await session.catch(() => undefined))?.close()),
      this.deps.stdio.end(ctx.local.key),
    ]);
    this.deps.flow.close(ctx.session, 'closed');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }

  // ---- sessions -------------------------------------------------------------------------------

  private async initialize(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string, message: JsonRpcRequest): Promise<void> {
    if (req.headers['mcp-session-id'] !== undefined) return this.httpError(res, 400, message.id, RPC.INVALID_REQUEST, 'initialize opens a new session: send it without Mcp-Session-Id');
    const params = message.params ?? {};
    const requested = typeof params.protocolVersion === 'string' ? params.protocolVersion : '';
    const protocolVersion = LEGACY_VERSIONS.includes(requested) ? requested : LEGACY;
    const client: UpstreamClient = { clientInfo: asObject(params.clientInfo), capabilities: asObject(params.capabilities), protocolVersion };
    const opened = await this.deps.flow.open(this.opening(req), this.authRefuser(res, path, endpoint));
    if (!opened.ok) return;
    const session = opened.session;
    if (this.lacksScope(res, session, endpoint, path)) return this.deps.flow.close(session, 'closed');
    const local: LocalSession = { key: session.id, upstreams: new Map(), lastUsed: this.deps.now() };
    const ctx: Context = { session, state: undefined, local, endpoint, client, modern: false, path };
    const connections = this.connectionsOf(ctx);
    const outcomes = await Promise.all(connections.map((connection) => this.initializeUpstream(ctx, connection, message)));
    const upstreams: Record<string, { sessionId?: string; info: UpstreamSession['info'] }> = {};
    for (const outcome of outcomes) if (outcome.ok && outcome.sealed) upstreams[outcome.connection] = outcome.sealed;

    if (endpoint !== undefined) {
      const only = outcomes[0]!;
      if (!only.ok) {
        this.deps.flow.close(session, 'closed');
        await this.stdioEnd(local.key);
        return new CallerStream(res).finish(only.response);
      }
    }
    const state: SessionState = {
      id: session.id,
      issuer: session.principal.issuer,
      subject: session.principal.subject,
      protocolVersion,
      clientInfo: client.clientInfo,
      capabilities: client.capabilities,
      connection: endpoint,
      upstreams,
      expiresAt: Math.min(this.deps.now() + this.deps.settings.sessionLifetimeMs, session.principal.expiresAt.getTime() + this.deps.settings.sessionLifetimeMs),
    };
    let sealed: string;
    try {
      sealed = this.deps.seal.seal(state);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message, sessionId: session.id }, 'mcp session state could not be sealed');
      this.deps.flow.close(session, 'closed');
      return this.httpError(res, 500, message.id, RPC.INTERNAL_ERROR, 'the gateway could not open the session');
    }
    this.locals.set(local.key, local);
    const result = endpoint !== undefined ? this.singleInitializeResult(outcomes[0]!, protocolVersion) : this.aggregateInitializeResult(outcomes, protocolVersion);
    // From here the session lives in its sealed id; each request resumes it (and is reachable by revocations while it runs).
    this.deps.flow.detach(session);
    await new CallerStream(res, { 'mcp-session-id': sealed }).finish(rpcResult(message.id, result));
  }

  /** Opens one upstream for a new session, decided (initialize) through the flow like any request. */
  private async initializeUpstream(ctx: Context, connection: string, message: JsonRpcRequest): Promise<{ ok: true; connection: string; info: UpstreamSession['info']; sealed?: { sessionId?: string; info: UpstreamSession['info'] } } | { ok: false; connection: string; response: JsonRpcResponse }> {
    let opened: UpstreamSession | undefined;
    const collected = new Collector();
    await this.deps.flow.run(
      ctx.session,
      new McpExchange({
        connection,
        message,
        gone: new AbortController().signal,
        sink: collected,
        upstream: async (signal) => {
          opened = await this.upstreamSession(ctx, connection, signal);
          return opened;
        },
        perform: async function* (session) {
          yield rpcResult(message.id, { protocolVersion: session.info.protocolVersion, capabilities: session.info.capabilities, serverInfo: session.info.serverInfo });
        },
      }),
    );
    const response = collected.collected ?? rpcError(message.id, RPC.INTERNAL_ERROR, 'no answer');
    if (!opened || 'error' in response) return { ok: false, connection, response };
    const snapshot = (opened as { snapshot?: { sessionId?: string; info: UpstreamSession['info'] } }).snapshot;
    return { ok: true, connection, info: opened.info, ...(snapshot ? { sealed: snapshot } : {}) };
  }

  private singleInitializeResult(outcome: { ok: true; info: UpstreamSession['info'] } | { ok: false }, protocolVersion: string): JsonObject {
    const info = (outcome as { info: UpstreamSession['info'] }).info;
    return { protocolVersion, capabilities: info.capabilities, serverInfo: info.serverInfo, ...(info.instructions ? { instructions: info.instructions } : {}) };
  }

  private aggregateInitializeResult(outcomes: readonly ({ ok: true; connection: string; info: UpstreamSession['info'] } | { ok: false; connection: string })[], protocolVersion: string): JsonObject {
    return { protocolVersion, capabilities: this.aggregateCapabilities(outcomes), serverInfo: GATEWAY_INFO, instructions: aggregateInstructions(outcomes) };
  }

  private aggregateCapabilities(outcomes: readonly ({ ok: true; info: UpstreamSession['info'] } | { ok: false })[]): JsonObject {
    const capabilities: JsonObject = { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } };
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      if (outcome.info.capabilities.logging) capabilities.logging = {};
      if (outcome.info.capabilities.completions) capabilities.completions = {};
    }
    return capabilities;
  }

  /** The session a 2025-11-25 request names, for its principal; otherwise the caller has been answered. */
  private async resumeLegacy(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string): Promise<Context | undefined> {
    const id = req.headers['mcp-session-id'];
    if (typeof id !== 'string' || id === '') {
      this.httpError(res, 400, null, RPC.INVALID_REQUEST, 'Mcp-Session-Id is required (initialize first), or use protocol version 2026-07-28 per request');
      return undefined;
    }
    const state = this.deps.seal.open(id);
    if (!state || state.expiresAt <= this.deps.now() || this.deps.ended.has(state.id) || state.connection !== endpoint) {
      this.httpError(res, 404, null, RPC.INVALID_REQUEST, 'session not found: initialize a new one');
      return undefined;
    }
    // As the SDK's servers do: any 2025-era revision the gateway speaks is accepted on a session
    // (clients that send an older one than they negotiated exist); anything else is refused.
    const header = req.headers['mcp-protocol-version'];
    if (typeof header === 'string' && !LEGACY_VERSIONS.includes(header.trim())) {
      this.httpError(res, 400, null, RPC.INVALID_REQUEST, `unsupported MCP-Protocol-Version ${header.slice(0, 40)} on a ${state.protocolVersion} session; supported: ${LEGACY_VERSIONS.join(', ')}`);
      return undefined;
    }
    const resumed = await this.deps.flow.resume(this.opening(req), state.id, state, this.authRefuser(res, path, endpoint));
    if (!resumed.ok) {
      if ('notOwner' in resumed) this.httpError(res, 404, null, RPC.INVALID_REQUEST, 'session not found: initialize a new one');
      return undefined;
    }
    if (this.lacksScope(res, resumed.session, endpoint, path)) return undefined;
    const local = this.localSession(state.id);
    const client: UpstreamClient = { clientInfo: state.clientInfo, capabilities: state.capabilities, protocolVersion: state.protocolVersion };
    return { session: resumed.session, state, local, endpoint, client, modern: false, path };
  }

  /** A 2026-07-28 request: a session of one. */
  private async modern(req: IncomingMessage, res: ServerResponse, endpoint: string | undefined, path: string, message: JsonRpcMessage, envelope: NonNullable<ReturnType<typeof envelopeOf>>): Promise<void> {
    if (isRequest(message) && message.method === 'initialize') return this.httpError(res, 400, message.id, RPC.METHOD_NOT_FOUND, 'initialize does not exist in protocol version 2026-07-28: send server/discover');
    const opened = await this.deps.flow.open(this.opening(req), this.authRefuser(res, path, endpoint));
    if (!opened.ok) return;
    const session = opened.session;
    if (this.lacksScope(res, session, endpoint, path)) return this.deps.flow.close(session, 'closed');
    const principal = session.principal;
    // Upstream sessions (a 2025-era upstream, a stdio process) are shared by the requests of one
    // principal with one client description.
    const key = `m:${createHash('sha256').update(JSON.stringify([principal.issuer, principal.subject, envelope.clientInfo, envelope.capabilities, endpoint ?? ''])).digest('base64url')}`;
    const client: UpstreamClient = { clientInfo: envelope.clientInfo, capabilities: envelope.capabilities, protocolVersion: MODERN };
    const ctx: Context = { session, state: undefined, local: this.localSession(key), endpoint, client, modern: true, path };
    try {
      await this.dispatch(ctx, message, res);
    } finally {
      this.deps.flow.close(session, 'closed');
    }
  }

  private localSession(key: string): LocalSession {
    let local = this.locals.get(key);
    if (!local) {
      local = { key, upstreams: new Map(), lastUsed: this.deps.now() };
      this.locals.set(key, local);
    }
    local.lastUsed = this.deps.now();
    return local;
  }

  private sweep(): void {
    const now = this.deps.now();
    for (const [key, local] of this.locals) {
      if (now - local.lastUsed < LOCAL_IDLE_MS) continue;
      this.locals.delete(key);
      // 2026-07-28 sessions are the gateway's own: end them upstream. A 2025 session's upstream
      // sessions stay (the caller may come back, here or elsewhere) until the caller deletes it.
      if (key.startsWith('m:')) for (const session of local.upstreams.values()) void session.then((s) => s.close(), () => undefined);
    }
  }

  /** The upstream session of `connection` for this caller session: reused, resumed from the sealed state, or opened. */
  private upstreamSession(ctx: Context, connection: string, signal: AbortSignal): Promise<UpstreamSession> {
    const runtime = this.deps.upstreams.get(connection);
    if (!runtime) return Promise.reject(new UpstreamError('UNAVAILABLE', `no MCP connection named ${connection}`));
    if (!runtime.http) return this.deps.stdio.session(ctx.local.key, runtime.connection, ctx.client);
    const known = ctx.local.upstreams.get(connection);
    if (known) return known;
    const sealed = ctx.state?.upstreams[connection];
    const session = sealed ? Promise.resolve(runtime.http.resume(ctx.client, sealed)) : runtime.http.open(ctx.client, signal);
    ctx.local.upstreams.set(connection, session);
    session.catch(() => {
      if (ctx.local.upstreams.get(connection) === session) ctx.local.upstreams.delete(connection);
    });
    return session;
  }

  /** A 2025 upstream session that expired: the next request opens a new one on this instance. */
  private forgetUpstream(ctx: Context, connection: string): void {
    ctx.local.upstreams.delete(connection);
  }

  // ---- messages ---------------------------------------------------------------------------------

  private async dispatch(ctx: Context, message: JsonRpcMessage, res: ServerResponse): Promise<void> {
    if (isNotification(message)) return this.notification(ctx, message, res);
    if (!isRequest(message)) return this.response(ctx, message, res);
    switch (message.method) {
      case 'ping':
        return new CallerStream(res).finish(rpcResult(message.id, {}));
      case 'initialize':
        return this.httpError(res, 400, message.id, RPC.INVALID_REQUEST, 'the session is already initialized');
      case 'server/discover':
        return this.discover(ctx, message, res);
      case 'tools/list':
      case 'prompts/list':
      case 'resources/list':
      case 'resources/templates/list':
        return this.list(ctx, message, res);
      case 'subscriptions/listen':
        return this.subscriptions(ctx, message, res);
      case 'logging/setLevel':
        if (ctx.endpoint === undefined) return this.fanOutSetLevel(ctx, message, res);
        return this.routed(ctx, ctx.endpoint, message, res);
    }
    if (ctx.endpoint !== undefined) return this.routed(ctx, ctx.endpoint, message, res);
    const route = routeAggregate(message);
    if (!route.ok) return new CallerStream(res).finish(rpcError(message.id, route.code, route.message));
    return this.routed(ctx, route.connection, route.message, res);
  }

  /** One request to one upstream, through the flow, streamed back. */
  private async routed(ctx: Context, connection: string, message: JsonRpcRequest, res: ServerResponse): Promise<void> {
    const stream = new CallerStream(res);
    const controller = new AbortController();
    const gone = goneSignal(res.req, res, controller);
    const key = flightKey(ctx.local.key, message.id);
    this.inFlight.set(key, controller);
    try {
      await this.deps.flow.run(
        ctx.session,
        new McpExchange({
          connection,
          message,
          gone,
          sink: this.callerSink(ctx, connection, message, stream),
          ...(message.method === 'tools/call' && this.deps.pins ? { preflight: () => this.checkPin(ctx, connection, String(message.params?.name ?? '')) } : {}),
          upstream: (signal) => this.upstreamSession(ctx, connection, signal),
          perform: (session, signal) => this.retrying(ctx, connection, session, message, signal),
        }),
      );
    } finally {
      if (this.inFlight.get(key) === controller) this.inFlight.delete(key);
      stream.end();
    }
  }

  /** A request whose upstream session expired is sent once more on a new session. */
  private async *retrying(ctx: Context, connection: string, session: UpstreamSession, message: JsonRpcRequest, signal: AbortSignal): AsyncIterable<JsonRpcMessage> {
    try {
      yield* session.request(message, signal);
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.failure !== 'SESSION_EXPIRED' || !this.deps.upstreams.get(connection)?.http) throw err;
      this.forgetUpstream(ctx, connection);
      const runtime = this.deps.upstreams.get(connection)!;
      const fresh = runtime.http!.open(ctx.client, signal);
      ctx.local.upstreams.set(connection, fresh);
      yield* (await fresh).request(message, signal);
    }
  }

  private async notification(ctx: Context, message: JsonRpcNotification, res: ServerResponse): Promise<void> {
    res.writeHead(202).end();
    const params = message.params ?? {};
    switch (message.method) {
      case 'notifications/initialized':
        return; // the gateway initialized its upstreams itself
      case 'notifications/cancelled': {
        const requestId = params.requestId;
        if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
        const controller = this.inFlight.get(flightKey(ctx.local.key, requestId));
        if (controller) controller.abort(CANCELLED);
        else this.deps.cancels?.publish(ctx.local.key, requestId);
        return;
      }
      default: {
        // roots/list_changed and the like go to the upstreams of the session; nothing is decided
        // on a notification (it asks for nothing), and a failure is only logged.
        const connections = ctx.endpoint !== undefined ? [ctx.endpoint] : Object.keys(ctx.state?.upstreams ?? {}).concat([...ctx.local.upstreams.keys()]);
        await Promise.all(
          [...new Set(connections)].map(async (connection) => {
            try {
              await (await this.upstreamSession(ctx, connection, AbortSignal.timeout(10_000))).send(message, AbortSignal.timeout(10_000));
            } catch (err) {
              this.deps.logger.debug({ connection, method: message.method, err: (err as Error).message }, 'mcp notification not delivered upstream');
            }
          }),
        );
      }
    }
  }

  /** The caller's answer to a server-to-client request, back to the upstream that asked. */
  private async response(ctx: Context, message: JsonRpcResponse, res: ServerResponse): Promise<void> {
    let connection = ctx.endpoint;
    let forwarded: JsonRpcResponse = message;
    if (connection === undefined) {
      const split = message.id === null ? undefined : splitAggregateRequestId(message.id);
      if (!split) return this.httpError(res, 400, null, RPC.INVALID_REQUEST, 'this response answers no request the gateway relayed');
      connection = split.connection;
      forwarded = { ...message, id: split.id } as JsonRpcResponse;
    }
    if (!this.deps.upstreams.has(connection)) return this.httpError(res, 400, null, RPC.INVALID_REQUEST, 'this response answers no request the gateway relayed');
    try {
      const session = await this.upstreamSession(ctx, connection, AbortSignal.timeout(10_000));
      await session.send(forwarded, AbortSignal.timeout(10_000));
      res.writeHead(202).end();
    } catch (err) {
      this.deps.logger.info({ connection, err: (err as Error).message }, 'mcp response not delivered upstream');
      this.httpError(res, 502, null, RPC.SERVER_ERROR, `the MCP server ${connection} could not take the response`);
    }
  }

  /** tools/list and friends: every page of every upstream, only what the caller may use. */
  private async list(ctx: Context, message: JsonRpcRequest, res: ServerResponse): Promise<void> {
    const field = LIST_FIELD[message.method]!;
    const stream = new CallerStream(res);
    const gone = goneSignal(res.req, res);
    if (ctx.endpoint !== undefined) {
      await this.deps.flow.run(ctx.session, this.listExchange(ctx, ctx.endpoint, message, gone, (response, http) => stream.finish(response, http?.status, http?.headers), stream));
      stream.end();
      return;
    }
    const merged: unknown[] = [];
    await Promise.all(
      this.connectionsOf(ctx).map((connection) =>
        this.deps.flow.run(
          ctx.session,
          this.listExchange(ctx, connection, message, gone, async (response) => {
            if ('result' in response && Array.isArray(response.result[field])) merged.push(...(response.result[field] as unknown[]).map((item) => namespaced(connection, field, item)));
          }),
        ),
      ),
    );
    await stream.finish(this.shape(ctx, rpcResult(message.id, { [field]: merged })));
  }

  private listExchange(ctx: Context, connection: string, message: JsonRpcRequest, gone: AbortSignal, deliver: (response: JsonRpcResponse, http?: { readonly status: number; readonly headers: Readonly<Record<string, string>> }) => Promise<void>, stream?: CallerStream): McpExchange {
    const field = LIST_FIELD[message.method]!;
    const kind = LIST_KIND[message.method]!;
    const single = ctx.endpoint !== undefined;
    let bytes = 0;
    const sink: McpSink = {
      get bytes() {
        return bytes;
      },
      intermediate: async (m) => {
        if (stream) await stream.send(m);
      },
      response: async (response, http) => {
        let sent: JsonRpcResponse = response;
        if ('result' in response) {
          const filtered = await this.filterList(ctx, connection, kind, field, response.result[field]);
          sent = filtered.ok ? rpcResult(response.id, { ...response.result, [field]: filtered.items }) : refusalResponse(response.id, message.method, filtered.refusal, {}, connection);
        }
        sent = this.shape(ctx, sent);
        bytes += JSON.stringify(sent).length;
        await deliver(sent, http);
        return sent;
      },
    };
    return new McpExchange({
      connection,
      message,
      gone,
      sink,
      upstream: (signal) => this.upstreamSession(ctx, connection, signal),
      // On /mcp every page is fetched (the merged list has no cursor); on /mcp/<connection> the caller pages.
      perform: single ? (session, signal) => this.retrying(ctx, connection, session, message, signal) : (session, signal) => allPages(session, message, field, signal),
    });
  }

  /** Only entries the caller may call or request approval for, and (tools) only pinned definitions. */
  private async filterList(ctx: Context, connection: string, kind: ListKind, field: string, raw: unknown): Promise<{ ok: true; items: unknown[] } | { ok: false; refusal: Refusal }> {
    let items = (Array.isArray(raw) ? raw : []).filter((item): item is JsonObject => typeof item === 'object' && item !== null && !Array.isArray(item));
    if (kind === 'tools') {
      const tools = items.filter((item) => typeof item.name === 'string') as unknown as McpToolDefinition[];
      this.seenTools.set(connection, { at: this.deps.now(), tools: new Map(tools.map((tool) => [tool.name, tool])) });
      if (this.deps.pins) {
        try {
          const review = await this.deps.pins.review(connection, tools);
          items = items.filter((item) => review.allowed.has(item.name as string));
        } catch (err) {
          return { ok: false, refusal: refusal('INTERNAL', 'the tool pinning store is unavailable', [], (err as Error).message) };
        }
      }
    }
    const keyOf = (item: JsonObject): string | undefined => {
      if (kind !== 'resources') return typeof item.name === 'string' ? item.name : undefined;
      return typeof item.uri === 'string' ? item.uri : typeof item.uriTemplate === 'string' ? item.uriTemplate : undefined;
    };
    const names = items.map(keyOf).filter((name): name is string => name !== undefined);
    if (names.length === 0) return { ok: true, items: [] };
    const visible = await this.deps.visibility.visible({ principal: ctx.session.principal, connection, kind, names }).catch((err: unknown) => ({ ok: false as const, message: 'the policy service is unreachable', detail: (err as Error).message }));
    if (!visible.ok) return { ok: false, refusal: refusal('POLICY_UNAVAILABLE', visible.message, [], visible.detail) };
    return { ok: true, items: items.filter((item) => visible.visibility.has(keyOf(item) ?? '')) };
  }

  /** A tools/call of a tool whose definition changed since it was pinned is refused. */
  private async checkPin(ctx: Context, connection: string, tool: string): Promise<Refusal | undefined> {
    let seen = this.seenTools.get(connection);
    if (!seen || this.deps.now() - seen.at > PIN_REFRESH_MS) {
      try {
        const session = await this.upstreamSession(ctx, connection, AbortSignal.timeout(this.deps.upstreams.get(connection)?.connection.config.timeout ?? 30_000));
        const listed = await collect(allPages(session, { jsonrpc: '2.0', id: 'portcullis-pins', method: 'tools/list' }, 'tools', AbortSignal.timeout(30_000)));
        const tools = ('result' in listed && Array.isArray(listed.result.tools) ? listed.result.tools : []) as McpToolDefinition[];
        seen = { at: this.deps.now(), tools: new Map(tools.filter((t) => typeof t?.name === 'string').map((t) => [t.name, t])) };
        this.seenTools.set(connection, seen);
      } catch (err) {
        return refusal('UPSTREAM_UNAVAILABLE', `the MCP server ${connection} could not list its tools`, [], (err as Error).message);
      }
    }
    const definition = seen.tools.get(tool);
    if (!definition) return undefined; // not listed: the upstream answers for itself (policy allowed the call)
    try {
      const review = await this.deps.pins!.review(connection, [definition]);
      if (review.allowed.has(tool)) return undefined;
      return refusal('TOOL_DEFINITION_CHANGED', `the definition of tool ${tool} changed since it was approved; an administrator must re-approve it`, [], review.withheld.get(tool));
    } catch (err) {
      return refusal('INTERNAL', 'the tool pinning store is unavailable', [], (err as Error).message);
    }
  }

  private async discover(ctx: Context, message: JsonRpcRequest, res: ServerResponse): Promise<void> {
    const result = (info: { capabilities: JsonObject; serverInfo: JsonObject; instructions?: string }): JsonObject => ({
      supportedVersions: [MODERN],
      capabilities: info.capabilities,
      ...(info.instructions ? { instructions: info.instructions } : {}),
      resultType: 'complete',
      _meta: { [META.serverInfo]: info.serverInfo },
    });
    if (ctx.endpoint !== undefined) {
      const outcome = await this.initializeUpstream(ctx, ctx.endpoint, message);
      return new CallerStream(res).finish(outcome.ok ? rpcResult(message.id, result(outcome.info)) : outcome.response);
    }
    const outcomes = await Promise.all(this.connectionsOf(ctx).map((connection) => this.initializeUpstream(ctx, connection, message)));
    return new CallerStream(res).finish(rpcResult(message.id, result({ capabilities: this.aggregateCapabilities(outcomes), serverInfo: GATEWAY_INFO, instructions: aggregateInstructions(outcomes) })));
  }

  /** 2026-07-28 subscriptions/listen: the upstreams' list changes on one stream. */
  private async subscriptions(ctx: Context, message: JsonRpcRequest, res: ServerResponse): Promise<void> {
    const stream = new CallerStream(res);
    const gone = goneSignal(res.req, res);
    // Revocations reach the stream for as long as it is open.
    const untrack = this.deps.flow.track(ctx.session);
    ctx.session.terminated.addEventListener('abort', () => res.destroy(), { once: true });
    try {
      await stream.send({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: asObject(message.params?.notifications), _meta: { 'io.modelcontextprotocol/subscriptionId': message.id } } });
      stream.keepOpen(KEEP_OPEN_MS);
      await Promise.all(
        this.connectionsOf(ctx).map((connection) =>
          this.deps.flow.run(
            ctx.session,
            new McpExchange({ connection, message, gone, sink: this.streamSink(ctx, connection, stream), upstream: (signal) => this.upstreamSession(ctx, connection, signal), perform: (session, signal) => session.listen(signal) }),
          ),
        ),
      );
      if (!gone.aborted && !ctx.session.terminated.aborted) await new Promise<void>((resolve) => {
        gone.addEventListener('abort', () => resolve(), { once: true });
        ctx.session.terminated.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      untrack();
    }
    stream.end();
  }

  private async fanOutSetLevel(ctx: Context, message: JsonRpcRequest, res: ServerResponse): Promise<void> {
    const gone = goneSignal(res.req, res);
    await Promise.all(
      this.connectionsOf(ctx).map((connection) =>
        this.deps.flow.run(ctx.session, new McpExchange({ connection, message, gone, sink: new Collector(), upstream: (signal) => this.upstreamSession(ctx, connection, signal) })),
      ),
    );
    await new CallerStream(res).finish(this.shape(ctx, rpcResult(message.id, {})));
  }

  // ---- sinks --------------------------------------------------------------------------------------

  /** Where a routed request's messages go: the caller's stream, with /mcp names and ids. */
  private callerSink(ctx: Context, connection: string, request: JsonRpcRequest, stream: CallerStream): McpSink {
    const progressToken = asObject(request.params?._meta).progressToken;
    return {
      get bytes() {
        return stream.sent;
      },
      intermediate: (message) => stream.send(this.outbound(ctx, connection, message)),
      response: async (response, http) => {
        const sent = this.shape(ctx, ctx.endpoint === undefined ? namespacedResponse(connection, request.method, response) : response);
        await stream.finish(sent, http?.status, http?.headers);
        return sent;
      },
      held: (notice: HeldNotice, decision: Decision) => {
        stream.keepOpen(KEEP_OPEN_MS);
        const approvers = decision.approval?.approverGroups.join(', ') ?? 'approvers';
        if (typeof progressToken === 'string' || typeof progressToken === 'number') {
          void stream.send({
            jsonrpc: '2.0',
            method: 'notifications/progress',
            params: { progressToken, progress: 0, message: `Held for approval by ${approvers} (hold ${notice.holdId}); it expires at ${notice.expiresAt.toISOString()}.` },
          });
        }
      },
    };
  }

  /** The server stream: messages of every upstream, as they come. */
  private streamSink(ctx: Context, connection: string, stream: CallerStream): McpSink {
    return {
      get bytes() {
        return stream.sent;
      },
      intermediate: (message) => stream.send(this.outbound(ctx, connection, message)),
      response: async (response) => response, // a stream that fails is logged by the flow; the others go on
    };
  }

  /** A message from upstream `connection` as the caller sees it on /mcp: ids and URIs namespaced. */
  private outbound(ctx: Context, connection: string, message: JsonRpcMessage): JsonRpcMessage {
    if (ctx.endpoint !== undefined) return message;
    if (isRequest(message)) return { ...message, id: aggregateRequestId(connection, message.id) };
    if ('method' in message && message.method === 'notifications/resources/updated' && typeof message.params?.uri === 'string') {
      return { ...message, params: { ...message.params, uri: aggregateUri(connection, message.params.uri) } };
    }
    return message;
  }

  /** Results in the caller's revision: 2026-07-28 results say resultType; 2025 results do not. */
  private shape(ctx: Context, response: JsonRpcResponse): JsonRpcResponse {
    if (!('result' in response)) return response;
    const result = { ...response.result };
    if (ctx.modern) {
      if (result.resultType === undefined) result.resultType = 'complete';
    } else if (result.resultType === 'complete') {
      delete result.resultType;
      delete result.ttlMs;
      delete result.cacheScope;
    }
    return { ...response, result };
  }

  // ---- helpers ------------------------------------------------------------------------------------

  /** The connections a request may reach: the endpoint's, or on /mcp those whose required scopes the caller has. */
  private connectionsOf(ctx: Context): string[] {
    if (ctx.endpoint !== undefined) return [ctx.endpoint];
    return [...this.deps.upstreams.keys()].filter((name) => this.missingScopes(ctx.session.principal.scopes, name).length === 0);
  }

  private missingScopes(scopes: readonly string[], connection: string): string[] {
    const required = this.deps.upstreams.get(connection)?.connection.config.requiredScopes ?? [];
    return required.filter((scope) => !scopes.includes(scope));
  }

  /**
   * RFC 6750 insufficient_scope: a token that lacks a scope the endpoint's connection requires is
   * refused with 403 and the scopes it needs (on /mcp such connections are simply not offered).
   */
  private lacksScope(res: ServerResponse, session: Session, endpoint: string | undefined, path: string): boolean {
    if (endpoint === undefined) return false;
    const missing = this.missingScopes(session.principal.scopes, endpoint);
    if (missing.length === 0) return false;
    const required = this.deps.upstreams.get(endpoint)!.connection.config.requiredScopes.join(' ');
    const body = JSON.stringify(rpcError(null, -32001, `the token lacks the scope(s) ${missing.join(' ')} that ${endpoint} requires`, { code: 'INSUFFICIENT_SCOPE', required }));
    res.writeHead(403, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'www-authenticate': this.deps.challenge(path, refusal('POLICY_DENIED', 'insufficient scope'), required) }).end(body);
    return true;
  }

  private opening(req: IncomingMessage) {
    const credential = credentialFromAuthorization(req.headers.authorization);
    const asked = `${req.method ?? ''} ${(req.url ?? '').split('?')[0]}`.slice(0, 200);
    return { protocol: 'mcp' as const, token: credential?.value, credentialType: credential?.type ?? 'jwt', asked, clientAddress: `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}` };
  }

  /** Refuses a caller whose credential is missing or refused: 401 with the RFC 9728 challenge. */
  private authRefuser(res: ServerResponse, path: string, endpoint: string | undefined): Exchange {
    const challenge = this.deps.challenge;
    const unused = (): never => {
      throw new Error('an authentication refusal is only refused');
    };
    return {
      protocol: 'mcp',
      connection: endpoint ?? '_mcp',
      gone: new AbortController().signal,
      describe: unused,
      forward: unused,
      respond: unused,
      refuse: (reason: Refusal, info): ProtocolStatus => {
        const unavailable = reason.code === 'IDENTITY_UNAVAILABLE' || reason.code === 'IDP_UNAVAILABLE';
        const status = unavailable ? 503 : 401;
        const body = JSON.stringify(rpcError(null, unavailable ? RPC.SERVER_ERROR : -32001, refusalText(reason, info), { code: reason.code, ...(info.requestId ? { requestId: info.requestId } : {}) }));
        const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
        if (!unavailable) headers['www-authenticate'] = challenge(path, reason);
        if (!res.headersSent) res.writeHead(status, headers);
        res.end(body);
        return { http: status };
      },
    };
  }

  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  private httpError(res: ServerResponse, status: number, id: JsonRpcId | null, code: number, message: string): void {
    const body = JSON.stringify(rpcError(id, code, message));
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private async stdioEnd(key: string): Promise<void> {
    await this.deps.stdio.end(key).catch(() => undefined);
  }
}

/** Collects the response of a request whose caller is the gateway itself (a fan-out). */
class Collector implements McpSink {
  collected: JsonRpcResponse | undefined;
  readonly bytes = 0;

  async intermediate(): Promise<void> {}

  async response(message: JsonRpcResponse): Promise<JsonRpcResponse> {
    this.collected = message;
    return message;
  }
}

/** Every page of a list, as one response (bounded: a server that pages forever is cut off). */
async function* allPages(session: UpstreamSession, message: JsonRpcRequest, field: string, signal: AbortSignal): AsyncIterable<JsonRpcMessage> {
  const items: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < LIST_PAGES; page++) {
    const params: JsonObject = { ...(message.params ?? {}) };
    delete params.cursor;
    if (cursor !== undefined) params.cursor = cursor;
    let response: JsonRpcResponse | undefined;
    for await (const incoming of session.request({ ...message, params }, signal)) {
      if ('id' in incoming && !('method' in incoming)) response = incoming as JsonRpcResponse;
    }
    if (!response) throw new UpstreamError('PROTOCOL', 'a list ended without a response');
    if ('error' in response) {
      yield response;
      return;
    }
    if (Array.isArray(response.result[field])) items.push(...(response.result[field] as unknown[]));
    cursor = typeof response.result.nextCursor === 'string' && response.result.nextCursor !== '' ? response.result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  yield rpcResult(message.id, { [field]: items });
}

async function collect(messages: AsyncIterable<JsonRpcMessage>): Promise<JsonRpcResponse> {
  let last: JsonRpcResponse | undefined;
  for await (const message of messages) if (!('method' in message)) last = message as JsonRpcResponse;
  if (!last) throw new UpstreamError('PROTOCOL', 'no response');
  return last;
}

/** A request on /mcp to the upstream its name belongs to, with the upstream's own name. */
function routeAggregate(message: JsonRpcRequest): { ok: true; connection: string; message: JsonRpcRequest } | { ok: false; code: number; message: string } {
  const params = message.params ?? {};
  const byName = (field: 'name') => {
    const value = params[field];
    const split = typeof value === 'string' ? splitAggregateName(value) : undefined;
    if (!split) return { ok: false as const, code: RPC.INVALID_PARAMS, message: `unknown ${message.method === 'tools/call' ? 'tool' : 'prompt'}: names on /mcp are <connection>__<name>` };
    return { ok: true as const, connection: split.connection, message: { ...message, params: { ...params, [field]: split.name } } };
  };
  const byUri = (value: unknown, rewrite: (uri: string) => JsonObject) => {
    const split = typeof value === 'string' ? splitAggregateUri(value) : undefined;
    if (!split) return { ok: false as const, code: RPC.RESOURCE_NOT_FOUND, message: 'unknown resource: URIs on /mcp are portcullis://<connection>/<uri>' };
    return { ok: true as const, connection: split.connection, message: { ...message, params: rewrite(split.uri) } };
  };
  switch (message.method) {
    case 'tools/call':
    case 'prompts/get':
      return byName('name');
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return byUri(params.uri, (uri) => ({ ...params, uri }));
    case 'completion/complete': {
      const ref = asObject(params.ref);
      if (typeof ref.uri === 'string') return byUri(ref.uri, (uri) => ({ ...params, ref: { ...ref, uri } }));
      const split = typeof ref.name === 'string' ? splitAggregateName(ref.name) : undefined;
      if (!split) return { ok: false, code: RPC.INVALID_PARAMS, message: 'unknown prompt: names on /mcp are <connection>__<name>' };
      return { ok: true, connection: split.connection, message: { ...message, params: { ...params, ref: { ...ref, name: split.name } } } };
    }
    default:
      return { ok: false, code: RPC.METHOD_NOT_FOUND, message: `${message.method.slice(0, 80)} is not available on /mcp; use /mcp/<connection>` };
  }
}

/** An entry of a list from `connection`, with its /mcp name. */
function namespaced(connection: string, field: string, item: unknown): unknown {
  if (typeof item !== 'object' || item === null) return item;
  const entry = item as JsonObject;
  if (field === 'resources' && typeof entry.uri === 'string') return { ...entry, uri: aggregateUri(connection, entry.uri) };
  if (field === 'resourceTemplates' && typeof entry.uriTemplate === 'string') return { ...entry, uriTemplate: aggregateUriTemplate(connection, entry.uriTemplate) };
  if (typeof entry.name === 'string') return { ...entry, name: aggregateName(connection, entry.name) };
  return entry;
}

/** A routed response on /mcp: resource contents carry their /mcp URIs. */
function namespacedResponse(connection: string, method: string, response: JsonRpcResponse): JsonRpcResponse {
  if (!('result' in response) || method !== 'resources/read' || !Array.isArray(response.result.contents)) return response;
  const contents = (response.result.contents as unknown[]).map((item) => (typeof item === 'object' && item !== null && typeof (item as JsonObject).uri === 'string' ? { ...(item as JsonObject), uri: aggregateUri(connection, (item as JsonObject).uri as string) } : item));
  return { ...response, result: { ...response.result, contents } };
}

function aggregateInstructions(outcomes: readonly ({ ok: true; connection: string; info: UpstreamSession['info'] } | { ok: false; connection: string })[]): string {
  const lines = ['Portcullis gateway: tools, prompts and resources of several MCP servers; names are <connection>__<name>.'];
  for (const outcome of outcomes) {
    if (outcome.ok && outcome.info.instructions) lines.push(`${outcome.connection}: ${outcome.info.instructions}`);
    else if (!outcome.ok) lines.push(`${outcome.connection}: unavailable for this session.`);
  }
  return lines.join('\n');
}

function flightKey(key: string, id: JsonRpcId): string {
  return `${key}|${typeof id}|${String(id)}`;
}

/** Aborts when the caller's response closes before it was finished. */
function goneSignal(req: IncomingMessage, res: ServerResponse, controller = new AbortController()): AbortSignal {
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once('close', onClose);
  req.socket.once('close', onClose);
  return controller.signal;
}

function acceptsBoth(accept: string | undefined): boolean {
  const value = (accept ?? '').toLowerCase();
  return (value.includes('application/json') || value.includes('*/*')) && (value.includes('text/event-stream') || value.includes('*/*'));
}

function headersOf(req: IncomingMessage) {
  const one = (name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const protocolVersion = one('mcp-protocol-version');
  const method = one('mcp-method');
  const name = one('mcp-name');
  return { ...(protocolVersion !== undefined ? { protocolVersion } : {}), ...(method !== undefined ? { method } : {}), ...(name !== undefined ? { name } : {}) };
}

function idOf(message: JsonRpcMessage): JsonRpcId | null {
  return 'id' in message && message.id !== null ? message.id : null;
}

function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

async function readBody(req: IncomingMessage, limit: number): Promise<{ ok: true; text: string } | { ok: false; status: number; message: string }> {
  const read = await readRequestBody(req, limit);
  if (!read.ok) {
    if (read.reason === 'too_large') return { ok: false, status: 413, message: `MCP messages are limited to ${limit} bytes` };
    if (read.reason === 'too_slow') return { ok: false, status: 408, message: `the message arrived slower than ${MIN_BODY_BYTES_PER_SECOND} bytes/s` };
    return { ok: false, status: 400, message: 'the request body could not be read' };
  }
  const text = read.body.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(read.body)) return { ok: false, status: 400, message: 'the body is not UTF-8' };
  return { ok: true, text };
}
