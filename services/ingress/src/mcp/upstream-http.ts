import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createParser } from 'eventsource-parser';
import type { McpConnection } from '../config.js';
import { isRequest, isResponse, parseMessage, type JsonObject, type JsonRpcId, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.js';
import { MODERN, META, isModern, requestName } from './revision.js';
import { UpstreamError, type UpstreamClient, type UpstreamInfo, type UpstreamSession } from './upstream.js';

/** Supplies the bearer token of a connection whose credential the gateway obtains itself. */
export interface TokenSource {
  token(signal?: AbortSignal): Promise<string>;
  /** The upstream refused the token: the next call fetches a new one. */
  invalidate(): void;
}

/** What an HTTP upstream session is, so that another ingress instance can resume it. */
export interface HttpSessionState {
  readonly sessionId?: string;
  readonly info: UpstreamInfo;
}

interface Exchange {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** Messages of the body: one (JSON), a stream (SSE), none (202). */
  readonly messages: AsyncIterable<{ readonly message: JsonRpcMessage; readonly eventId?: string }>;
  readonly abort: () => void;
}

const LEGACY_VERSIONS = new Set(['2025-11-25', '2025-06-18', '2025-03-26']);

/**
 * A Streamable HTTP MCP server reached with the gateway's own credential. Sessions of the
 * 2025-11-25 revision carry `Mcp-Session-Id`; on 2026-07-28 every request carries the caller's
 * protocol version, client info and capabilities in `_meta` instead, and there is no session.
 */
export class HttpUpstream {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  /** What server/discover told us, so that each new session need not probe again. */
  private modernProbe: Promise<UpstreamInfo | undefined> | undefined;

  constructor(
    readonly connection: McpConnection,
    private readonly tokens: TokenSource | undefined,
  ) {
    this.url = new URL(connection.config.upstream!);
    this.agent = this.url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 256 }) : new HttpAgent({ keepAlive: true, maxSockets: 256 });
  }

  get name(): string {
    return this.connection.config.name;
  }

  /**
   * Opens a session for a caller, in the caller's own revision where the upstream speaks it (so
   * that what the caller can do, such as answering a 2025-11-25 server-to-client request, reaches
   * the upstream), else in the other one; `protocol` in config can pin either.
   */
  async open(client: UpstreamClient, signal: AbortSignal): Promise<HttpUpstreamSession> {
    const wanted = this.connection.config.protocol;
    const modernFirst = wanted === MODERN || (wanted === 'auto' && isModern(client.protocolVersion));
    if (modernFirst) {
      const modern = await this.discover(client, signal);
      if (modern) return new HttpUpstreamSession(this, client, { info: modern });
      if (wanted === MODERN) throw new UpstreamError('PROTOCOL', `${this.name} does not offer MCP ${MODERN} (server/discover failed)`);
      return this.initialize(client, signal);
    }
    try {
      return await this.initialize(client, signal);
    } catch (err) {
      // A 2026-07-28-only upstream refuses initialize: use the revision it has.
      if (wanted !== 'auto' || !(err instanceof UpstreamError) || err.failure !== 'PROTOCOL') throw err;
      const modern = await this.discover(client, signal);
      if (!modern) throw err;
      return new HttpUpstreamSession(this, client, { info: modern });
    }
  }

  /** A session another instance opened (from the caller's sealed session id). */
  resume(client: UpstreamClient, state: HttpSessionState): HttpUpstreamSession {
    return new HttpUpstreamSession(this, client, state);
  }

  private discover(client: UpstreamClient, signal: AbortSignal): Promise<UpstreamInfo | undefined> {
    if (!this.modernProbe) {
      const probe = this.probeModern(client, signal);
      this.modernProbe = probe;
      // A failed probe (upstream down) is not a verdict: try again next time.
      probe.then((info) => info === undefined && this.forgetProbe(probe), () => this.forgetProbe(probe));
    }
    return this.modernProbe;
  }

  private forgetProbe(probe: Promise<unknown>): void {
    if (this.modernProbe === probe) this.modernProbe = undefined;
  }

  private async probeModern(client: UpstreamClient, signal: AbortSignal): Promise<UpstreamInfo | undefined> {
    const message: JsonRpcRequest = { jsonrpc: '2.0', id: 'portcullis-discover', method: 'server/discover', params: { _meta: modernMeta(client) } };
    let exchange: Exchange;
    try {
      exchange = await this.post(message, { protocolVersion: MODERN, signal });
    } catch (err) {
      if (err instanceof UpstreamError && err.failure !== 'PROTOCOL') throw err;
      return undefined;
    }
    if (exchange.status !== 200) {
      exchange.abort();
      if (exchange.status === 401 || exchange.status === 403) throw new UpstreamError('UNAUTHORIZED', `${this.name} refused the gateway's credential (HTTP ${exchange.status})`);
      return undefined; // 400/404/405: a 2025-era server
    }
    const response = await this.responseOf(exchange, message.id, signal).catch(() => undefined);
    if (!response || !('result' in response)) return undefined;
    const result = response.result;
    const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
    if (!versions.includes(MODERN)) return undefined;
    const meta = (result._meta ?? {}) as JsonObject;
    return {
      protocolVersion: MODERN,
      capabilities: asObject(result.capabilities),
      serverInfo: asObject(meta[META.serverInfo]),
      ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
    };
  }

  private async initialize(client: UpstreamClient, signal: AbortSignal): Promise<HttpUpstreamSession> {
    const legacyVersion = LEGACY_VERSIONS.has(client.protocolVersion) ? client.protocolVersion : '2025-11-25';
    const message: JsonRpcRequest = {
      jsonrpc: '2.0',
      id: 'portcullis-initialize',
      method: 'initialize',
      params: { protocolVersion: legacyVersion, capabilities: client.capabilities, clientInfo: client.clientInfo },
    };
    const exchange = await this.post(message, { protocolVersion: undefined, signal });
    this.checkStatus(exchange);
    const sessionHeader = exchange.headers['mcp-session-id'];
    const sessionId = typeof sessionHeader === 'string' && sessionHeader !== '' ? sessionHeader : undefined;
    if (sessionId !== undefined && !/^[\x21-\x7e]{1,1024}$/.test(sessionId)) throw new UpstreamError('PROTOCOL', `${this.name} sent an invalid Mcp-Session-Id`);
    const response = await this.responseOf(exchange, message.id, signal);
    if ('error' in response) throw new UpstreamError('PROTOCOL', `${this.name} refused initialize: ${response.error.message}`);
    const result = response.result;
    const version = typeof result.protocolVersion === 'string' ? result.protocolVersion : '';
    if (!LEGACY_VERSIONS.has(version)) throw new UpstreamError('PROTOCOL', `${this.name} answered initialize with protocol version "${version.slice(0, 40)}", which the gateway does not speak`);
    const info: UpstreamInfo = {
      protocolVersion: version,
      capabilities: asObject(result.capabilities),
      serverInfo: asObject(result.serverInfo),
      ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
    };
    const session = new HttpUpstreamSession(this, client, { ...(sessionId ? { sessionId } : {}), info });
    await session.send({ jsonrpc: '2.0', method: 'notifications/initialized' }, signal);
    return session;
  }

  /** Throws for a status that carries no MCP answer. */
  checkStatus(exchange: Exchange, sessionId?: string): void {
    if (exchange.status === 200 || exchange.status === 202) return;
    exchange.abort();
    if (exchange.status === 401 || exchange.status === 403) {
      this.tokens?.invalidate();
      throw new UpstreamError('UNAUTHORIZED', `${this.name} refused the gateway's credential (HTTP ${exchange.status})`);
    }
    if (exchange.status === 404 && sessionId !== undefined) throw new UpstreamError('SESSION_EXPIRED', `${this.name} no longer knows the session`);
    if (exchange.status === 413) throw new UpstreamError('TOO_LARGE', `${this.name} refused the request as too large`);
    throw new UpstreamError(exchange.status >= 500 ? 'UNAVAILABLE' : 'PROTOCOL', `${this.name} answered HTTP ${exchange.status}`);
  }

  /** The response to `id` among an exchange's messages (used where nothing else is expected). */
  async responseOf(exchange: Exchange, id: JsonRpcId, signal: AbortSignal): Promise<JsonRpcResponse> {
    for await (const { message } of exchange.messages) {
      if (signal.aborted) break;
      if (isResponse(message) && message.id === id) {
        exchange.abort();
        return message;
      }
    }
    throw new UpstreamError('PROTOCOL', `${this.name} ended its answer without a response`);
  }

  /** One POST of one message; resolves when the response headers arrive. */
  post(message: JsonRpcMessage, options: { protocolVersion: string | undefined; sessionId?: string; signal: AbortSignal }): Promise<Exchange> {
    const body = Buffer.from(JSON.stringify(message));
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': String(body.length) };
    if (options.protocolVersion) headers['mcp-protocol-version'] = options.protocolVersion;
    if (options.sessionId) headers['mcp-session-id'] = options.sessionId;
    if (options.protocolVersion === MODERN && 'method' in message) {
      headers['mcp-method'] = message.method;
      const name = isRequest(message) ? requestName(message) : undefined;
      if (name !== undefined) headers['mcp-name'] = encodeHeaderValue(name);
    }
    return this.send('POST', headers, body, options.signal);
  }

  /** GET (the 2025-11-25 server stream), optionally resuming after `lastEventId`. */
  get(options: { protocolVersion: string; sessionId?: string; lastEventId?: string; signal: AbortSignal }): Promise<Exchange> {
    const headers: Record<string, string> = { accept: 'text/event-stream', 'mcp-protocol-version': options.protocolVersion };
    if (options.sessionId) headers['mcp-session-id'] = options.sessionId;
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    return this.send('GET', headers, undefined, options.signal);
  }

  async delete(sessionId: string, protocolVersion: string): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5_000);
    try {
      const exchange = await this.send('DELETE', { 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion }, undefined, controller.signal);
      exchange.abort();
    } catch {
      // best effort: the upstream expires it anyway
    } finally {
      clearTimeout(timer);
    }
  }

  private async send(method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal): Promise<Exchange> {
    const credential = this.connection.credential;
    if (credential?.kind === 'header') headers[credential.header] = credential.value;
    else if (credential?.kind === 'clientCredentials' && this.tokens) {
      try {
        headers.authorization = `Bearer ${await this.tokens.token(signal)}`;
      } catch (err) {
        throw new UpstreamError('UNAUTHORIZED', `the gateway could not obtain its token for ${this.name}: ${(err as Error).message}`);
      }
    }
    const limit = this.connection.config.maxMessageBytes;
    const name = this.name;
    const send = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<Exchange>((resolve, reject) => {
      if (signal.aborted) return reject(abortError(signal, name));
      const req = send(this.url, { method, headers, agent: this.agent });
      const onAbort = () => req.destroy(abortError(signal, name));
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('error', (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof UpstreamError ? err : new UpstreamError('UNAVAILABLE', `${name} is unreachable: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
      req.once('response', (res) => {
        const abort = () => {
          signal.removeEventListener('abort', onAbort);
          res.destroy();
          req.destroy();
        };
        res.once('end', () => signal.removeEventListener('abort', onAbort));
        res.once('close', () => signal.removeEventListener('abort', onAbort));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, messages: bodyMessages(res, limit, name), abort });
      });
      req.end(body);
    });
  }
}

/** One caller session's session with an HTTP upstream. */
export class HttpUpstreamSession implements UpstreamSession {
  constructor(
    private readonly upstream: HttpUpstream,
    private readonly client: UpstreamClient,
    private readonly state: HttpSessionState,
  ) {}

  get info(): UpstreamInfo {
    return this.state.info;
  }

  /** What a sealed caller session keeps of this one. */
  get snapshot(): HttpSessionState {
    return this.state;
  }

  private get modern(): boolean {
    return isModern(this.state.info.protocolVersion);
  }

  private outgoing<M extends JsonRpcRequest | JsonRpcNotification>(message: M): M {
    const params = (message.params ?? {}) as JsonObject;
    const meta = { ...((params._meta as JsonObject | undefined) ?? {}) };
    for (const key of Object.values(META)) delete meta[key];
    if (this.modern) Object.assign(meta, modernMeta(this.client));
    const nextParams: JsonObject = { ...params };
    if (Object.keys(meta).length > 0) nextParams._meta = meta;
    else delete nextParams._meta;
    return { ...message, ...(Object.keys(nextParams).length > 0 || this.modern ? { params: nextParams } : {}) };
  }

  async *request(message: JsonRpcRequest, signal: AbortSignal): AsyncIterable<JsonRpcMessage> {
    const timeoutMs = this.upstream.connection.config.timeout;
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
    };
    const onAbort = () => controller.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) controller.abort(signal.reason);
    arm();
    let answered = false;
    let lastEventId: string | undefined;
    try {
      let exchange = await this.upstream.post(this.outgoing(message), this.postOptions(controller.signal));
      this.upstream.checkStatus(exchange, this.state.sessionId);
      for (let resumed = 0; ; resumed++) {
        for await (const { message: incoming, eventId } of exchange.messages) {
          if (eventId) lastEventId = eventId;
          if (isResponse(incoming)) {
            if (incoming.id !== message.id) continue; // not ours: a server may not send it here
            answered = true;
            exchange.abort();
            yield incoming;
            return;
          }
          if ('method' in incoming && incoming.method === 'notifications/progress') arm();
          yield incoming;
        }
        // The stream ended without the response: resume once where the upstream offers it.
        if (this.modern || lastEventId === undefined || resumed >= 1 || controller.signal.aborted) break;
        exchange = await this.upstream.get({ protocolVersion: this.state.info.protocolVersion, ...this.sessionHeader(), lastEventId, signal: controller.signal });
        if (exchange.status !== 200) {
          exchange.abort();
          break;
        }
      }
      throw new UpstreamError('PROTOCOL', `${this.upstream.name} ended its answer without a response`);
    } catch (err) {
      if (timedOut) throw new UpstreamError('TIMEOUT', `${this.upstream.name} did not answer within ${timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (!answered) {
        // Tell the upstream to stop working on it (best effort; it may already be gone).
        const cancel: JsonRpcNotification = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: message.id, reason: timedOut ? 'timeout' : 'cancelled by the gateway' } };
        void this.send(cancel, AbortSignal.timeout(5_000)).catch(() => undefined);
      }
    }
  }

  async send(message: JsonRpcNotification | JsonRpcResponse, signal: AbortSignal): Promise<void> {
    const outgoing = 'method' in message ? this.outgoing(message) : message;
    const exchange = await this.upstream.post(outgoing, this.postOptions(signal));
    this.upstream.checkStatus(exchange, this.state.sessionId);
    exchange.abort();
  }

  async *listen(signal: AbortSignal): AsyncIterable<JsonRpcMessage> {
    if (this.modern) {
      const message: JsonRpcRequest = {
        jsonrpc: '2.0',
        id: 'portcullis-listen',
        method: 'subscriptions/listen',
        params: { notifications: { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true } },
      };
      const exchange = await this.upstream.post(this.outgoing(message), this.postOptions(signal));
      this.upstream.checkStatus(exchange);
      for await (const { message: incoming } of exchange.messages) yield incoming;
      return;
    }
    const exchange = await this.upstream.get({ protocolVersion: this.state.info.protocolVersion, ...this.sessionHeader(), signal });
    if (exchange.status === 405) {
      exchange.abort();
      return; // this upstream offers no server stream
    }
    this.upstream.checkStatus(exchange, this.state.sessionId);
    for await (const { message: incoming } of exchange.messages) yield incoming;
  }

  async close(): Promise<void> {
    if (this.state.sessionId) await this.upstream.delete(this.state.sessionId, this.state.info.protocolVersion);
  }

  private sessionHeader(): { sessionId?: string } {
    return this.state.sessionId ? { sessionId: this.state.sessionId } : {};
  }

  private postOptions(signal: AbortSignal) {
    return { protocolVersion: this.state.info.protocolVersion, ...this.sessionHeader(), signal };
  }
}

/** The messages of a response body: a JSON document, an SSE stream, or nothing. */
async function* bodyMessages(res: IncomingMessage, limit: number, name: string): AsyncIterable<{ message: JsonRpcMessage; eventId?: string }> {
  const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (res.statusCode === 202 || res.statusCode === 204) {
    res.resume();
    return;
  }
  if (type === 'text/event-stream') {
    const queue: { message: JsonRpcMessage; eventId?: string }[] = [];
    let failure: UpstreamError | undefined;
    const parser = createParser({
      onEvent(event) {
        if (failure || event.data === '') return; // priming events carry no message
        if (event.event !== undefined && event.event !== 'message') return;
        if (Buffer.byteLength(event.data) > limit) {
          failure = new UpstreamError('TOO_LARGE', `${name} sent a message over ${limit} bytes`);
          return;
        }
        const parsed = parseJson(event.data, name);
        if (!parsed.ok) failure = parsed.error;
        else queue.push({ message: parsed.message, ...(event.id ? { eventId: event.id } : {}) });
      },
    });
    let pending = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      pending += chunk.length;
      parser.feed(chunk.toString('utf8'));
      if (failure) {
        res.destroy();
        throw failure;
      }
      if (queue.length > 0) pending = 0;
      // An event never completes: bound what the parser holds.
      if (pending > limit + 64 * 1024) {
        res.destroy();
        throw new UpstreamError('TOO_LARGE', `${name} sent a message over ${limit} bytes`);
      }
      while (queue.length > 0) yield queue.shift()!;
    }
    return;
  }
  if (type !== 'application/json') {
    res.resume();
    throw new UpstreamError('PROTOCOL', `${name} answered with content type "${type.slice(0, 60)}", not JSON or SSE`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      throw new UpstreamError('TOO_LARGE', `${name} sent a message over ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const parsed = parseJson(Buffer.concat(chunks).toString('utf8'), name);
  if (!parsed.ok) throw parsed.error;
  yield { message: parsed.message };
}

function parseJson(text: string, name: string): { ok: true; message: JsonRpcMessage } | { ok: false; error: UpstreamError } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: new UpstreamError('PROTOCOL', `${name} sent a message that is not JSON`) };
  }
  const parsed = parseMessage(value);
  if (!parsed.ok) return { ok: false, error: new UpstreamError('PROTOCOL', `${name} sent an invalid JSON-RPC message: ${parsed.message}`) };
  return { ok: true, message: parsed.message };
}

function modernMeta(client: UpstreamClient): JsonObject {
  return { [META.protocolVersion]: MODERN, [META.clientInfo]: client.clientInfo, [META.clientCapabilities]: client.capabilities };
}

function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
}

function abortError(signal: AbortSignal, name: string): Error {
  return signal.reason instanceof Error ? signal.reason : new UpstreamError('UNAVAILABLE', `the request to ${name} was cancelled`);
}

/** Mcp-Name and Mcp-Param-* values: printable ASCII as is, anything else base64 as the SDK does. */
export function encodeHeaderValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) && value.trim() === value ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}
