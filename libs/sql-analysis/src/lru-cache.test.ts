import { describe, expect, it } from 'vitest';
import { LruCache } from './lru-cache.js';

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its entry count', () => {
    const cache = new LruCache<number>(2, 100);
    cache.set('a', 1, 1);
    cache.set('b', 2, 1);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3, 1);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('evicts beyond its total weight, oldest first', () => {
    const cache = new LruCache<string>(100, 10);
    cache.set('a', 'a', 4);
    cache.set('b', 'b', 4);
    cache.set('c', 'c', 4);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe('b');
    expect(cache.get('c')).toBe('c');
  });

  it('does not keep an entry heavier than the whole budget', () => {
    const cache = new LruCache<string>(100, 10);
    cache.set('small', 's', 1);
    cache.set('huge', 'h', 11);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('small')).toBe('s');
  });

  it('replacing a key updates its value and weight', () => {
    const cache = new LruCache<string>(10, 10);
    cache.set('a', 'old', 9);
    cache.set('a', 'new', 1);
    cache.set('b', 'b', 9);
    expect(cache.get('a')).toBe('new');
    expect(cache.size).toBe(2);
  });

  it('keeps nothing with zero entries', () => {
    const cache = new LruCache<string>(0, 10);
    cache.set('a', 'a', 1);
    expect(cache.size).toBe(0);
  });
});
