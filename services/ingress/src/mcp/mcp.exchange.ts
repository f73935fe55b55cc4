import { MaskingError, valueMasker, type MaskingProfile, type ValueMasker } from '@portcullis/detectors';
import { mcpTarget } from '@portcullis/request-model';
import type { Decision } from '../domain/decision.js';
import type { ProtocolStatus } from '../domain/events.js';
import type { BodyBudget, Delivery, Described, Exchange, Forwarded, Masked, Reply, ResponseInfo } from '../domain/exchange.js';
import type { HeldNotice } from '../domain/ports.js';
import { refusal, type Refusal } from '../domain/refusal.js';
import { isResponse, type JsonObject, type JsonRpcMessage, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.js';
import { maskMessage, McpMaskingError } from './mcp-masking.js';
import { httpAnswerFor, refusalResponse, rpcCodeFor } from './refusal.mcp.js';
import { UpstreamError, type UpstreamSession } from './upstream.js';

/** Where the messages of one decided MCP request go: to the caller's stream, or collected (a fan-out). */
export interface McpSink {
  /** A message before the response (progress, logging, a server-to-client request), masked. */
  intermediate(message: JsonRpcMessage): Promise<void>;
  /**
   * The response (masked); the sink may rewrite it (names in /mcp) or filter it (tools/list).
   * `http`: the status and headers it goes with when it is the whole answer (a limit's 429). Returns what was sent.
   */
  response(message: JsonRpcResponse, http?: { readonly status: number; readonly headers: Readonly<Record<string, string>> }): Promise<JsonRpcResponse>;
  /** The request waits for approvers. */
  held?(notice: HeldNotice, decision: Decision): void;
  /** Bytes written to the caller so far. */
  readonly bytes: number;
}

/** What one MCP request is and how it reaches its upstream. */
export interface McpCall {
  /** The upstream connection the request goes to (it may not exist: the flow refuses). */
  readonly connection: string;
  /** The request as the upstream receives it (its own names). */
  readonly message: JsonRpcRequest;
  /** Aborts when the caller goes away or cancels (reason CANCELLED). */
  readonly gone: AbortSignal;
  readonly sink: McpSink;
  /** Checks that need I/O once the request is allowed (tool pinning): a refusal stops it before the upstream. */
  preflight?(): Promise<Refusal | undefined>;
  /** The upstream session (opened, resumed or reused); throws UpstreamError. */
  upstream(signal: AbortSignal): Promise<UpstreamSession>;
  /** What reaching the upstream means (default: send the request and relay its answer). */
  perform?(session: UpstreamSession, signal: AbortSignal): AsyncIterable<JsonRpcMessage>;
}

/** The answer of an upstream: its first message in hand, the rest still coming. */
export class McpReply implements Reply {
  masker: ValueMasker | undefined;

  constructor(
    readonly first: IteratorResult<JsonRpcMessage>,
    readonly rest: AsyncIterator<JsonRpcMessage>,
  ) {}

  mask(profile: MaskingProfile): Masked {
    try {
      this.masker = valueMasker(profile);
    } catch (err) {
      if (err instanceof MaskingError) return { ok: false, refusal: refusal('MASKING_FAILED', 'the masking profile cannot be applied', [], err.message) };
      throw err;
    }
    // Messages are masked one by one as they stream (respond): their findings are counted there.
    return { ok: true, findings: {} };
  }
}

/**
 * One MCP request through the request flow: a tools/call, a resources/read, a prompts/get or any
 * other method, decided on its method, name and arguments. The answer streams: each message of
 * the upstream is masked and passed on as it arrives, and a message that cannot be masked ends
 * the answer with an error instead (fail closed).
 */
export class McpExchange implements Exchange<McpReply> {
  readonly protocol = 'mcp' as const;

  constructor(private readonly call: McpCall) {}

  get connection(): string {
    return this.call.connection;
  }

  get gone(): AbortSignal {
    return this.call.gone;
  }

  /** The message was read before the flow (bounded by maxMessageBytes); its arguments are what the request keeps. */
  async describe(budget: BodyBudget): Promise<Described> {
    const described = describeRequest(this.call.message);
    if (!described.ok || described.target.kind !== 'mcp') return described;
    const refused = budget.reserve(Buffer.byteLength(described.target.argumentsJson) + Buffer.byteLength(described.target.name));
    return refused ? { ok: false, refusal: refused } : described;
  }

  async forward(info: { readonly requestId: string; readonly signal: AbortSignal; readonly masking?: MaskingProfile }): Promise<Forwarded<McpReply>> {
    const stopped = await this.call.preflight?.();
    if (stopped) return { ok: false, refusal: stopped };
    try {
      const session = await this.call.upstream(info.signal);
      const messages = (this.call.perform ?? ((s, signal) => s.request(this.call.message, signal)))(session, info.signal)[Symbol.asyncIterator]();
      const first = await messages.next();
      return { ok: true, reply: new McpReply(first, messages) };
    } catch (err) {
      return { ok: false, refusal: upstreamRefusal(err, this.call.connection) };
    }
  }

  async respond(reply: McpReply, info: ResponseInfo): Promise<Delivery> {
    const findings: Record<string, number> = {};
    const sink = this.call.sink;
    let status: ProtocolStatus = { jsonrpc: 0 };
    let next = reply.first;
    try {
      while (!next.done) {
        let message = next.value;
        if (reply.masker) message = maskMessage(message, reply.masker, findings);
        if (isResponse(message)) {
          const sent = await sink.response(message);
          status = { jsonrpc: 'error' in sent ? sent.error.code : 0 };
          void reply.rest.return?.();
          return { status, bytes: sink.bytes, rows: 0, masked: findings };
        }
        await sink.intermediate(message);
        next = await reply.rest.next();
      }
      // A stream without a response (the server stream) ended.
      return { status, bytes: sink.bytes, rows: 0, masked: findings };
    } catch (err) {
      void reply.rest.return?.();
      const reason =
        err instanceof McpMaskingError
          ? refusal('RESPONSE_NOT_MASKABLE', 'the result could not be masked, so it was withheld', [], err.message)
          : err instanceof MaskingError
            ? refusal('MASKING_FAILED', 'the result could not be masked, so it was withheld', [], err.message)
            : upstreamRefusal(err, this.call.connection);
      const sent = await sink.response(refusalResponse(this.call.message.id, this.call.message.method, reason, { requestId: info.requestId, ...(info.holdId ? { holdId: info.holdId } : {}) }, this.call.connection));
      return { status: { jsonrpc: 'error' in sent ? sent.error.code : rpcCodeFor(reason.code) }, bytes: sink.bytes, rows: 0, masked: findings };
    }
  }

  held(notice: HeldNotice, decision: Decision): void {
    this.call.sink.held?.(notice, decision);
  }

  refuse(reason: Refusal, info: Partial<ResponseInfo>): ProtocolStatus {
    const response = refusalResponse(this.call.message.id, this.call.message.method, reason, info, this.call.connection);
    void this.call.sink.response(response, httpAnswerFor(reason)).catch(() => undefined);
    return { jsonrpc: 'error' in response ? response.error.code : rpcCodeFor(reason.code) };
  }
}

/** A refusal for an upstream failure: names the connection, never the upstream's address or text. */
export function upstreamRefusal(err: unknown, connection: string): Refusal {
  if (err instanceof UpstreamError) {
    switch (err.failure) {
      case 'TIMEOUT':
        return refusal('UPSTREAM_TIMEOUT', `the MCP server ${connection} did not answer in time`, [], err.message);
      case 'TOO_LARGE':
        return refusal('RESPONSE_TOO_LARGE', `the MCP server ${connection} sent a message over the size limit`, [], err.message);
      default:
        return refusal('UPSTREAM_UNAVAILABLE', `the MCP server ${connection} is unavailable`, [], err.message);
    }
  }
  return refusal('UPSTREAM_UNAVAILABLE', `the MCP server ${connection} is unavailable`, [], (err as Error)?.message ?? String(err));
}

/** The names requests carry, by method: what policy's tools / prompts / resources conditions match. */
export function describeRequest(message: JsonRpcRequest): Described {
  const params = (message.params ?? {}) as JsonObject;
  const bad = (text: string): Described => ({ ok: false, refusal: refusal('BAD_REQUEST', text) });
  const args = (field: string): { ok: true; value: unknown } | { ok: false } => {
    const value = params[field];
    if (value === undefined) return { ok: true, value: undefined };
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { ok: true, value } : { ok: false };
  };
  switch (message.method) {
    case 'tools/call':
    case 'prompts/get': {
      if (typeof params.name !== 'string' || params.name === '') return bad(`${message.method} needs params.name (a string)`);
      const a = args('arguments');
      if (!a.ok) return bad(`${message.method} params.arguments must be an object`);
      return { ok: true, target: mcpTarget(message.method, params.name, a.value) };
    }
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      if (typeof params.uri !== 'string' || params.uri === '') return bad(`${message.method} needs params.uri (a string)`);
      return { ok: true, target: mcpTarget(message.method, params.uri, undefined) };
    case 'completion/complete': {
      const ref = params.ref as JsonObject | undefined;
      const name = ref && typeof ref === 'object' ? (typeof ref.name === 'string' ? ref.name : typeof ref.uri === 'string' ? ref.uri : undefined) : undefined;
      if (name === undefined) return bad('completion/complete needs params.ref with a name or uri');
      return { ok: true, target: mcpTarget(message.method, name, params.argument) };
    }
    default:
      return { ok: true, target: mcpTarget(message.method, '', undefined) };
  }
}
