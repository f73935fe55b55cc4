import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonDigest, sha256Hex } from './index.js';

describe('canonicalJson (RFC 8785 for protobuf JSON values)', () => {
  it('sorts keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null, 'x'], c: 'é' } })).toBe('{"a":{"c":"é","d":[true,null,"x"]},"b":1}');
  });

  it('sorts by UTF-16 code units and escapes like JSON.stringify', () => {
    expect(canonicalJson({ 'é': 1, z: 2, A: 3, '\n': 'a"b' })).toBe('{"\\n":"a\\"b","A":3,"z":2,"é":1}');
  });

  it('is the same for equal values whatever the key order', () => {
    expect(canonicalJson(JSON.parse('{"x":{"b":2,"a":1},"y":[1,2]}'))).toBe(canonicalJson({ y: [1, 2], x: { a: 1, b: 2 } }));
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(() => 1)).toThrow();
  });
});

describe('jsonDigest', () => {
  it('hashes the canonical form, and is empty for no value', () => {
    expect(jsonDigest({ b: 1, a: 2 })).toBe(sha256Hex('{"a":2,"b":1}'));
    expect(jsonDigest(null)).toBe('');
    expect(jsonDigest(undefined)).toBe('');
  });
});

/** The obvious RFC 8785 rendering, as the oracle the one-pass version must always agree with. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite');
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error('not JSON');
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
}

describe('canonicalJson agrees with the obvious rendering', () => {
  it.each<unknown>([
    { b: 1, a: { d: [true, null, 'x'], c: 'é' } },
    { 'é': 1, z: 2, A: 3, '\n': 'a"b', '10': 0, '2': 0, '1': 0, '': [] },
    { skipped: undefined, kept: 0, nested: { deeper: { list: [[], {}, [1.5, -0, 1e21, 5e-7]] } } },
    'text \u2028 \ud83d\ude00 \u0001',
    [],
    {},
    0,
    false,
    null,
    { id: 'e1', occurredAt: '2026-12-02T00:00:00.000Z', requestReceived: { principal: { subject: 's', groups: ['b', 'a'] }, http: { method: 'GET', path: '/x' } } },
  ])('%j', (value) => expect(canonicalJson(value)).toBe(reference(value)));
});
