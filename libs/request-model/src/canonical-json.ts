import { sha256Hex } from './digest.js';

/**
 * RFC 8785 (JSON Canonicalization Scheme) for the values protobuf JSON produces: object keys
 * sorted by UTF-16 code units, no whitespace, strings and numbers as ECMAScript serialises them.
 * Integers beyond 2^53 never occur (protobuf JSON writes 64-bit integers as strings).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number in JSON');
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error(`${typeof value} is not a JSON value`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The digest of a JSON value as the chain covers it; "" for no value. */
export function jsonDigest(value: unknown): string {
  return value === null || value === undefined ? '' : sha256Hex(canonicalJson(value));
}
