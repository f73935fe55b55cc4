import { describe, expect, it } from 'vitest';
import { AuthFailureAggregator, MANY_SOURCES } from './auth-failures.js';

describe('AuthFailureAggregator', () => {
  const setup = (windowMs = 10_000, maxSources = 100) => {
    const clock = { now: 0 };
    return { clock, agg: new AuthFailureAggregator<string>({ windowMs, maxSources, now: () => clock.now }) };
  };
  const miss = { source: '10.0.0.1', code: 'TOKEN_MISSING' as const, protocol: 'http' as const };

  it('records the first refusal of a source, code and protocol, counts the rest of its window, and summarises them once', () => {
    const { clock, agg } = setup();
    expect(agg.note(miss, 'GET /a')).toBe(true);
    for (let i = 0; i < 2999; i++) expect(agg.note(miss, `GET /${i}`)).toBe(false);
    // Another code or protocol is its own window.
    expect(agg.note({ ...miss, code: 'SIGNATURE_INVALID' }, 'x')).toBe(true);
    expect(agg.note({ ...miss, protocol: 'mcp' }, 'x')).toBe(true);
    expect(agg.drain()).toEqual([]);
    clock.now = 10_000;
    expect(agg.drain()).toEqual([{ key: miss, count: 2999, windowStart: 0, windowEnd: 10_000, sample: 'GET /2998' }]);
    expect(agg.drain()).toEqual([]);
    // A new window: the first is recorded again.
    expect(agg.note(miss, 'GET /b')).toBe(true);
  });

  it('summarises a window a new refusal finds ended before the drain', () => {
    const { clock, agg } = setup(1000);
    agg.note(miss, 'a');
    agg.note(miss, 'b');
    clock.now = 1500;
    expect(agg.note(miss, 'c')).toBe(true);
    expect(agg.drain(true)).toEqual([{ key: miss, count: 1, windowStart: 0, windowEnd: 1000, sample: 'b' }]);
  });

  it('bounds memory: beyond maxSources, new sources are counted together, none recorded on its own', () => {
    const { agg } = setup(10_000, 2);
    expect(agg.note({ ...miss, source: 'a' }, 's')).toBe(true);
    expect(agg.note({ ...miss, source: 'b' }, 's')).toBe(true);
    expect(agg.note({ ...miss, source: 'c' }, 'c1')).toBe(false);
    expect(agg.note({ ...miss, source: 'd' }, 'd1')).toBe(false);
    expect(agg.drain(true)).toEqual([{ key: { ...miss, source: MANY_SOURCES }, count: 2, windowStart: 0, windowEnd: 0, sample: 'd1' }]);
  });

  it('records every refusal with a window of 0', () => {
    const { agg } = setup(0);
    expect(agg.note(miss, 'a')).toBe(true);
    expect(agg.note(miss, 'b')).toBe(true);
    expect(agg.drain(true)).toEqual([]);
  });
});
