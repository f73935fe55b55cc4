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
