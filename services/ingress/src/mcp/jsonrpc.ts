// JSON-RPC 2.0 as MCP uses it: one message per HTTP body or stdio line (2025-11-25 removed batches).
// Messages are checked structurally here; the parameters of the methods the gateway decides on are
// read (and checked) by mcp-target.ts.

export type JsonRpcId = string | number;
export type JsonObject = Record<string, unknown>;

export interface JsonRpcRequest {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params?: JsonObject;
}

export interface JsonRpcNotification {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params?: JsonObject;
}

export interface JsonRpcResult {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId;
  readonly result: JsonObject;
}

export interface JsonRpcErrorBody {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export interface JsonRpcError {
  readonly jsonrpc: '2.0';
  readonly id: JsonRpcId | null;
  readonly error: JsonRpcErrorBody;
}

export type JsonRpcResponse = JsonRpcResult | JsonRpcError;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** JSON-RPC and MCP error codes the gateway sends. */
export const RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Implementation-defined server errors (-32000 to -32099). */
  SERVER_ERROR: -32000,
  /** MCP: a resource that does not exist. */
  RESOURCE_NOT_FOUND: -32002,
} as const;

export type Parsed = { readonly ok: true; readonly message: JsonRpcMessage } | { readonly ok: false; readonly code: number; readonly message: string; readonly id: JsonRpcId | null };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is JsonRpcId => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/** One JSON-RPC message from parsed JSON, or why it is not one (with the id to answer, if any). */
export function parseMessage(value: unknown): Parsed {
  if (Array.isArray(value)) return { ok: false, code: RPC.INVALID_REQUEST, message: 'JSON-RPC batches are not supported (MCP 2025-06-18 and later send one message per request)', id: null };
  if (!isObject(value)) return { ok: false, code: RPC.INVALID_REQUEST, message: 'a JSON-RPC message must be an object', id: null };
  const id = 'id' in value ? value.id : undefined;
  const answerTo = isId(id) ? id : null;
  if (value.jsonrpc !== '2.0') return { ok: false, code: RPC.INVALID_REQUEST, message: 'jsonrpc must be "2.0"', id: answerTo };
  if ('id' in value && !isId(id)) return { ok: false, code: RPC.INVALID_REQUEST, message: 'id must be a string or a number (MCP forbids null)', id: null };
  if ('params' in value && !isObject(value.params)) return { ok: false, code: RPC.INVALID_REQUEST, message: 'params must be an object', id: answerTo };
  if ('method' in value) {
    if (typeof value.method !== 'string' || value.method === '' || value.method.length > 256) return { ok: false, code: RPC.INVALID_REQUEST, message: 'method must be a non-empty string', id: answerTo };
    if ('result' in value || 'error' in value) return { ok: false, code: RPC.INVALID_REQUEST, message: 'a request cannot carry a result or an error', id: answerTo };
    return { ok: true, message: value as unknown as JsonRpcRequest | JsonRpcNotification };
  }
  if (!('id' in value)) return { ok: false, code: RPC.INVALID_REQUEST, message: 'a message needs a method (request, notification) or an id (response)', id: null };
  const hasResult = 'result' in value;
  const hasError = 'error' in value;
  if (hasResult === hasError) return { ok: false, code: RPC.INVALID_REQUEST, message: 'a response carries exactly one of result and error', id: answerTo };
  if (hasResult && !isObject(value.result)) return { ok: false, code: RPC.INVALID_REQUEST, message: 'result must be an object', id: answerTo };
  if (hasError) {
    const error = value.error;
    if (!isObject(error) || typeof error.code !== 'number' || !Number.isInteger(error.code) || typeof error.message !== 'string') {
      return { ok: false, code: RPC.INVALID_REQUEST, message: 'error must be { code: integer, message: string }', id: answerTo };
    }
  }
  return { ok: true, message: value as unknown as JsonRpcResponse };
}

export function isRequest(message: JsonRpcMessage): message is JsonRpcRequest {
  return 'method' in message && 'id' in message;
}

export function isNotification(message: JsonRpcMessage): message is JsonRpcNotification {
  return 'method' in message && !('id' in message);
}

export function isResponse(message: JsonRpcMessage): message is JsonRpcResponse {
  return !('method' in message);
}

export function rpcError(id: JsonRpcId | null, code: number, message: string, data?: unknown): JsonRpcError {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data !== undefined ? { data } : {}) } };
}

export function rpcResult(id: JsonRpcId, result: JsonObject): JsonRpcResult {
  return { jsonrpc: '2.0', id, result };
}
