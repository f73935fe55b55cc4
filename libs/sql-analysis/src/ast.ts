import type { TableRef } from './analysis.js';

/**
 * Narrowing for libpg-query's JSON parse tree, which we treat as untrusted `unknown`.
 *
 * Two facts about that JSON shape everything below relies on:
 * - a field typed `Node *` in PostgreSQL is wrapped, `{ "RangeVar": { ... } }`; a field typed with a
 *   concrete struct (`RangeVar *relation`) is not: its object comes bare;
 * - zero values are left out (`false`, `0`, an empty string), so absence means zero, not unknown.
 */

export type Rec = { readonly [key: string]: unknown };

/** A statement this code will not analyse: analysis stops, the caller gets SQL_UNSUPPORTED with the message. */
export class Unsupported extends Error {}

/** A tree shape this code does not understand. */
export class UnsupportedTree extends Unsupported {
  constructor(what: string) {
    super(`unsupported parse tree: ${what}`);
  }
}

export function isRec(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface Node {
  readonly type: string;
  readonly body: Rec;
}

/** A wrapped node: one key, a node type name (they all start with a capital), an object body. */
export function asNode(value: unknown): Node | undefined {
  if (!isRec(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const type = keys[0]!;
  const first = type.charCodeAt(0);
  if (first < 65 || first > 90) return undefined;
  const body = value[type];
  return isRec(body) ? { type, body } : undefined;
}

export function node(value: unknown, what: string): Node {
  const found = asNode(value);
  if (found === undefined) throw new UnsupportedTree(`expected a node for ${what}`);
  return found;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Booleans are omitted when false. */
export function bool(value: unknown): boolean {
  return value === true;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `{ "String": { "sval": "x" } }` → 'x' (an empty sval is omitted, so it reads as ''). */
export function stringNode(value: unknown): string | undefined {
  const found = asNode(value);
  if (found === undefined || found.type !== 'String') return undefined;
  return str(found.body['sval']) ?? '';
}

/** A list of String nodes (a qualified name) → its parts; anything else is a shape we don't know. */
export function nameParts(value: unknown, what: string): readonly string[] {
  const items = Array.isArray(value) ? value : listItems(value);
  const parts = items.map((item) => stringNode(item));
  if (parts.length === 0 || parts.some((part) => part === undefined)) {
    throw new UnsupportedTree(`expected a qualified name for ${what}`);
  }
  return parts as string[];
}

/** `{ "List": { "items": [...] } }` → items. */
export function listItems(value: unknown): readonly unknown[] {
  const found = asNode(value);
  return found !== undefined && found.type === 'List' ? list(found.body['items']) : [];
}

/** schema.name or catalog.schema.name → TableRef (the catalog is the current database, or an error). */
export function refFromParts(parts: readonly string[]): TableRef {
  const name = parts[parts.length - 1];
  if (name === undefined) throw new UnsupportedTree('empty name');
  const schema = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  return schema === undefined ? { name } : { schema, name };
}

/** A RangeVar, wrapped or bare (its body always names a relation). */
export function rangeVarBody(value: unknown): Rec | undefined {
  const wrapped = asNode(value);
  if (wrapped !== undefined) return wrapped.type === 'RangeVar' ? wrapped.body : undefined;
  return isRec(value) && typeof value['relname'] === 'string' ? value : undefined;
}

export function tableRef(rangeVar: Rec): TableRef {
  const name = str(rangeVar['relname']);
  if (name === undefined) throw new UnsupportedTree('a relation without a name');
  const schema = str(rangeVar['schemaname']);
  return schema === undefined ? { name } : { schema, name };
}

/** Explicit boolean options (`EXPLAIN (ANALYZE off)`, `VACUUM (ANALYZE)`), read like PostgreSQL's defGetBoolean. */
export function optionEnabled(options: unknown, name: string): boolean {
  return list(options).some((option) => {
    const def = asNode(option);
    if (def === undefined || def.type !== 'DefElem') return false;
    // Case-folded: a quoted "ANALYZE" is rejected by PostgreSQL, so erring towards "on" costs nothing.
    if (str(def.body['defname'])?.toLowerCase() !== name) return false;
    return !isFalse(def.body['arg']);
  });
}

function isFalse(arg: unknown): boolean {
  if (arg === undefined) return false; // a bare option means true
  const value = asNode(arg);
  if (value === undefined) return false;
  if (value.type === 'Integer') return (value.body['ival'] ?? 0) === 0;
  if (value.type === 'Boolean') return value.body['boolval'] !== true;
  if (value.type === 'String') {
    const text = (str(value.body['sval']) ?? '').toLowerCase();
    return text === 'false' || text === 'off';
  }
  return false;
}
