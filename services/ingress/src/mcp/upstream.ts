import type { JsonObject, JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from './jsonrpc.js';

/** Why an upstream could not answer: each maps to a clear error for the caller, naming the connection. */
export const UPSTREAM_FAILURES = ['UNAVAILABLE', 'TIMEOUT', 'PROTOCOL', 'TOO_LARGE', 'SESSION_EXPIRED', 'UNAUTHORIZED'] as const;
export type UpstreamFailure = (typeof UPSTREAM_FAILURES)[number];

export class UpstreamError extends Error {
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** What the gateway tells an upstream about the caller when it opens a session for it. */
export interface UpstreamClient {
  readonly clientInfo: JsonObject;
  readonly capabilities: JsonObject;
  /** The revision the caller speaks; the upstream may answer with another it supports. */
  readonly protocolVersion: string;
}

/** An upstream's answer to initialize (or server/discover), as the gateway keeps it. */
export interface UpstreamInfo {
  readonly protocolVersion: string;
  readonly capabilities: JsonObject;
  readonly serverInfo: JsonObject;
  readonly instructions?: string;
}

/**
 * One session with one upstream MCP server (a stdio process, or a Streamable HTTP session), on
 * behalf of one caller session. An implementation may rewrite JSON-RPC ids on the wire (a stdio
 * process has one id space shared with the gateway's own requests); what it yields carries the
 * ids the gateway gave.
 */
export interface UpstreamSession {
  readonly info: UpstreamInfo;
  /**
   * Sends a request; yields what the upstream sends about it (progress and logging notifications,
   * server-to-client requests) and, last, its response; then ends. Throws UpstreamError when the
   * upstream fails, exceeds the connection's timeout or message limit, or the signal aborts (the
   * upstream is then told notifications/cancelled).
   */
  request(message: JsonRpcRequest, signal: AbortSignal): AsyncIterable<JsonRpcMessage>;
  /** Sends a notification or a response (to a server-to-client request). */
  send(message: JsonRpcNotification | JsonRpcResponse, signal: AbortSignal): Promise<void>;
  /**
   * Messages the upstream sends outside any request (list-changed and other notifications,
   * server-to-client requests): the GET stream, or a stdio process's unsolicited messages. Ends
   * when the signal aborts or the upstream goes away.
   */
  listen(signal: AbortSignal): AsyncIterable<JsonRpcMessage>;
  /** Ends the session upstream (DELETE, or stopping the process). Never throws. */
  close(): Promise<void>;
}
