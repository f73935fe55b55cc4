import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './digest.js';

/** The protocols a caller can speak to the gateway. */
export const PROTOCOLS = ['http', 'mcp', 'sql'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** One request header as policy sees it: the name lowercased, the value as sent. */
export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

/**
 * An HTTP request: its method, canonical path below the connection, raw query string and the
 * headers its connection selects for decisions (never the body, never a credential).
 */
export interface HttpTarget {
  readonly kind: 'http';
  readonly method: string;
  readonly path: string;
  /** The query string without "?", exactly as forwarded; "" for none. */
  readonly query: string;
  /** The connection's decision headers present on the request, in request order, duplicates kept. */
  readonly headers: readonly HttpHeader[];
}

/**
 * An MCP request: the JSON-RPC method and, where the method names one, the tool, prompt or
 * resource with its arguments as canonical JSON (RFC 8785), so that equal arguments compare equal
 * whatever their key order.
 */
export interface McpTarget {
  readonly kind: 'mcp';
  readonly method: string;
  readonly name: string;
  /** Canonical JSON of the arguments; "" when the request has none. */
  readonly argumentsJson: string;
}

/** A bound SQL parameter: text, binary, or NULL. */
export type SqlParameter = { readonly text: string } | { readonly binary: Uint8Array } | null;

/** One SQL statement (or simple-protocol batch), exactly as forwarded, with its bound parameters. */
export interface SqlTarget {
  readonly kind: 'sql';
  readonly statement: string;
  readonly parameters: readonly SqlParameter[];
}

/** What a caller asks the target to do, in whatever protocol it speaks. */
export type Target = HttpTarget | McpTarget | SqlTarget;

/** An MCP target from the arguments as received (any JSON value, or undefined for none). */
export function mcpTarget(method: string, name: string, args: unknown): McpTarget {
  return { kind: 'mcp', method, name, argumentsJson: args === undefined ? '' : canonicalJson(args) };
}

/**
 * A digest that is equal for two targets exactly when they describe the same request: the kind and
 * every field that is decided on, each length-prefixed so that no field can bleed into the next.
 * For HTTP that is method, path, query and every decision header (name and value, in order); for
 * MCP method, name and the canonical arguments; for SQL the statement text and every parameter
 * (NULL, text and binary told apart).
 *
 * An HTTP target with no query and no headers has the digest it had before targets carried them
 * (kind, method, path): holds stored then keep the digest they were written with.
 */
export function targetDigest(target: Target): string {
  return sha256Hex(Buffer.concat(canonicalParts(target).map(netstring)));
}

/**
 * Whether `a` and `b` are the same request. An absent target is never the same as anything, not
 * even another absent one: a hold without a target must release nothing.
 */
export function sameTarget(a: Target | undefined, b: Target | undefined): boolean {
  if (!a || !b || a.kind !== b.kind) return false;
  return targetDigest(a) === targetDigest(b);
}

/** Longest query shown by describeTarget; the full query is in the target itself. */
const DESCRIBED_QUERY_LENGTH = 80;

/**
 * A one-line description for logs, prompts and the CLI: `METHOD /path?query` (a long query is
 * shortened; headers are not shown), the MCP method and name, the SQL text shortened, never parsed.
 */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'http': {
      if (target.query === '') return `${target.method} ${target.path}`;
      const query = target.query.length > DESCRIBED_QUERY_LENGTH ? `${target.query.slice(0, DESCRIBED_QUERY_LENGTH - 3)}...` : target.query;
      return `${target.method} ${target.path}?${query}`;
    }
    case 'mcp':
      return target.name ? `${target.method} ${target.name}` : target.method;
    case 'sql': {
      const oneLine = target.statement.replace(/\s+/g, ' ').trim();
      return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
    }
  }
}

function canonicalParts(target: Target): Buffer[] {
  const text = (value: string) => Buffer.from(value, 'utf8');
  switch (target.kind) {
    case 'http': {
      const legacy = [text('http'), text(target.method), text(target.path)];
      if (target.query === '' && target.headers.length === 0) return legacy;
      // Past the legacy parts the query and the header count always follow: no two targets share parts.
      return [...legacy, text(target.query), text(String(target.headers.length)), ...target.headers.flatMap((h) => [text(h.name), text(h.value)])];
    }
    case 'mcp':
      return [text('mcp'), text(target.method), text(target.name), text(target.argumentsJson)];
    case 'sql':
      return [
        text('sql'),
        text(target.statement),
        text(String(target.parameters.length)),
        ...target.parameters.map((p) => (p === null ? text('n') : 'text' in p ? Buffer.concat([text('t'), text(p.text)]) : Buffer.concat([text('b'), Buffer.from(p.binary)]))),
      ];
  }
}

function netstring(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes, Buffer.from(',')]);
}
