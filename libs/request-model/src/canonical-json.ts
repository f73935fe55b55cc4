import { sha256Hex } from './digest.js';

// Canonical JSON runs on the audit ingest hot path (several times per event) and for every MCP
// target: it is built in one pass, without entry arrays, filters or comparators (about twice as
// fast as the obvious version, with far less garbage). canonical-json.test.ts holds it equal to
// that obvious version on a corpus.

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values protobuf JSON produces: object keys
 * sorted by UTF-16 code units, no whitespace, strings and numbers as ECMAScript serialises them,
 * members whose value is undefined left out. Throws on what JSON cannot hold.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('non-finite number in JSON');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? arrayJson(value) : objectJson(value as Record<string, unknown>);
    default:
      throw new Error(`${typeof value} is not a JSON value`);
  }
}

function arrayJson(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(items[i]);
  return `${out}]`;
}

function objectJson(object: Record<string, unknown>): string {
  // The default sort compares UTF-16 code units, as RFC 8785 wants.
  const keys = Object.keys(object).sort();
  let out = '{';
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(key);
    out += ':';
    out += canonicalJson(member);
  }
  return `${out}}`;
}

/** The digest of a JSON value as the audit chain covers it; "" for no value. */
export function jsonDigest(value: unknown): string {
  return value === null || value === undefined ? '' : sha256Hex(canonicalJson(value));
}
