import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './digest.js';

/** The protocols a caller can speak to the gateway. */
export const PROTOCOLS = ['http', 'mcp', 'sql'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** An HTTP request: its method and canonical path below the connection (no query, no body). */
export interface HttpTarget {
  readonly kind: 'http';
  readonly method: string;
  readonly path: string;
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
 * For MCP that is method, name and the canonical arguments; for SQL the statement text and every
 * parameter (NULL, text and binary told apart).
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

/** A one-line description for logs, prompts and the CLI (the SQL text is shortened, never parsed). */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'http':
      return `${target.method} ${target.path}`;
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
    case 'http':
      return [text('http'), text(target.method), text(target.path)];
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
