// The two MCP revisions the gateway speaks, and what tells them apart on a request.
//  - 2025-11-25: initialize opens a session (Mcp-Session-Id); MCP-Protocol-Version on later requests.
//  - 2026-07-28: no session and no initialize; every request carries its protocol version, client
//    info and capabilities in params._meta, and Mcp-Method / Mcp-Name headers that must match it.
import type { JsonObject, JsonRpcMessage, JsonRpcRequest } from './jsonrpc.js';

export const LEGACY = '2025-11-25';
export const MODERN = '2026-07-28';

/** The `_meta` keys of the 2026-07-28 per-request envelope. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
} as const;

/** 2025-era revisions a caller may still ask for at initialize; the gateway answers with LEGACY or theirs. */
export const LEGACY_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];

export function isModern(version: string): boolean {
  return version >= MODERN && /^\d{4}-\d{2}-\d{2}$/.test(version);
}

/** The name a request's Mcp-Name header mirrors: a tool, a prompt, or a resource URI. */
export function requestName(message: JsonRpcRequest): string | undefined {
  const params = message.params ?? {};
  const field = message.method === 'resources/read' ? params.uri : message.method === 'tools/call' || message.method === 'prompts/get' ? params.name : undefined;
  return typeof field === 'string' ? field : undefined;
}

/** The per-request envelope of a 2026-07-28 message, if it carries one. */
export function envelopeOf(message: JsonRpcMessage): { readonly protocolVersion: string; readonly clientInfo: JsonObject; readonly capabilities: JsonObject } | undefined {
  if (!('method' in message)) return undefined;
  const meta = message.params?._meta;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return undefined;
  const m = meta as JsonObject;
  const version = m[META.protocolVersion];
  if (typeof version !== 'string') return undefined;
  const object = (value: unknown): JsonObject => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {});
  return { protocolVersion: version, clientInfo: object(m[META.clientInfo]), capabilities: object(m[META.clientCapabilities]) };
}

/** Decodes an Mcp-Name / Mcp-Param-* value (printable ASCII, or `=?base64?…?=` for anything else). */
export function decodeHeaderValue(raw: string): string | undefined {
  const value = raw.trim();
  const match = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/.exec(value);
  if (!match) return value.startsWith('=?base64?') ? undefined : value;
  const bytes = Buffer.from(match[1]!, 'base64');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

export type HeaderCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/**
 * A 2026-07-28 request's headers against its body: MCP-Protocol-Version, Mcp-Method and, for a
 * named request, Mcp-Name must be present and agree (a proxy or server that routes on the headers
 * must see what the body does).
 */
export function checkModernHeaders(message: JsonRpcMessage, version: string, headers: { readonly protocolVersion?: string; readonly method?: string; readonly name?: string }): HeaderCheck {
  if (!('method' in message)) return { ok: true };
  if (headers.protocolVersion === undefined) return { ok: false, message: 'the MCP-Protocol-Version header is required' };
  if (headers.protocolVersion.trim() !== version) return { ok: false, message: `MCP-Protocol-Version "${headers.protocolVersion.slice(0, 40)}" does not match the body's ${version}` };
  if (!('id' in message)) return { ok: true };
  if (headers.method === undefined) return { ok: false, message: 'the Mcp-Method header is required' };
  if (headers.method.trim() !== message.method) return { ok: false, message: `Mcp-Method "${headers.method.slice(0, 60)}" does not match the body's method ${message.method.slice(0, 60)}` };
  const name = requestName(message as JsonRpcRequest);
  if (name === undefined) return { ok: true };
  if (headers.name === undefined) return { ok: false, message: 'the Mcp-Name header is required for this method' };
  const decoded = decodeHeaderValue(headers.name);
  if (decoded === undefined) return { ok: false, message: 'the Mcp-Name header is not valid (bad base64 form)' };
  if (decoded !== name) return { ok: false, message: 'the Mcp-Name header does not match the body' };
  return { ok: true };
}
