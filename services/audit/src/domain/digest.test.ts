import { describe, expect, it } from 'vitest';
import * as reference from '@portcullis/request-model';
import { eventsV1 } from '@portcullis/proto-gen';
import { EventMix } from '../bench/event-mix.js';
import { canonicalJson, jsonDigest, sha256Hex } from './digest.js';

// These are request-model's functions rewritten for speed: they must never differ from them.

const VALUES: unknown[] = [
  { b: 1, a: { d: [true, null, 'x'], c: 'é' } },
  { 'é': 1, z: 2, A: 3, '\n': 'a"b', '10': 0, '2': 0, '1': 0, '': [] },
  { skipped: undefined, kept: 0, nested: { deeper: { list: [[], {}, [1.5, -0, 1e21, 5e-7]] } } },
  'text \u2028 \ud83d\ude00 \u0001',
  [],
  {},
  0,
  false,
  null,
  ...new EventMix().events(40).map((e) => eventsV1.Event.toJSON(e)),
];

describe('digests (same as @portcullis/request-model)', () => {
  it('render every value exactly as request-model does', () => {
    for (const value of VALUES) expect(canonicalJson(value)).toBe(reference.canonicalJson(value));
  });

  it('hash exactly as request-model does', () => {
    for (const value of VALUES) expect(jsonDigest(value)).toBe(reference.jsonDigest(value));
    expect(jsonDigest(undefined)).toBe('');
    for (const data of ['', 'é', Uint8Array.of(0, 1, 255)]) expect(sha256Hex(data)).toBe(reference.sha256Hex(data));
  });

  it('refuse what JSON cannot hold, as request-model does', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, () => 1, 1n, undefined, [undefined], Symbol('s')]) {
      expect(() => reference.canonicalJson(bad)).toThrow();
      expect(() => canonicalJson(bad)).toThrow();
    }
  });
});
