import { describe, expect, it } from 'vitest';
import { sha256Hex } from './digest.js';
import { describeTarget, mcpTarget, sameTarget, targetDigest, type HttpTarget, type Target } from './target.js';

const http = (overrides: Partial<HttpTarget> = {}): HttpTarget => ({ kind: 'http', method: 'DELETE', path: '/x', query: '', headers: [], ...overrides });

describe('targetDigest / sameTarget', () => {
  it('tells HTTP requests apart by query', () => {
    expect(sameTarget(http({ query: 'id=1' }), http({ query: 'id=1' }))).toBe(true);
    expect(sameTarget(http({ query: 'id=1' }), http({ query: 'id=2' }))).toBe(false);
    expect(sameTarget(http({ query: 'id=1' }), http())).toBe(false);
    // Raw, as forwarded: another spelling is another request.
    expect(sameTarget(http({ query: 'a=1&b=2' }), http({ query: 'b=2&a=1' }))).toBe(false);
  });

  it('tells HTTP requests apart by decision headers: names, values, order and duplicates', () => {
    const json = { name: 'content-type', value: 'application/json' };
    const agent = { name: 'user-agent', value: 'bot/1' };
    expect(sameTarget(http({ headers: [json, agent] }), http({ headers: [json, agent] }))).toBe(true);
    expect(sameTarget(http({ headers: [json] }), http({ headers: [{ ...json, value: 'text/plain' }] }))).toBe(false);
    expect(sameTarget(http({ headers: [json, agent] }), http({ headers: [agent, json] }))).toBe(false);
    expect(sameTarget(http({ headers: [json] }), http({ headers: [json, json] }))).toBe(false);
    expect(sameTarget(http({ headers: [json] }), http())).toBe(false);
  });

  it('lets no field bleed into the next', () => {
    const pairs: [HttpTarget, HttpTarget][] = [
      [http({ path: '/a', query: 'b' }), http({ path: '/ab', query: '' })],
      [http({ query: '1', headers: [] }), http({ query: '', headers: [{ name: '1', value: '' }] })],
      [http({ headers: [{ name: 'a', value: 'bc' }] }), http({ headers: [{ name: 'ab', value: 'c' }] })],
      [http({ headers: [{ name: 'a', value: '' }, { name: 'b', value: '' }] }), http({ headers: [{ name: 'a', value: '' }] })],
    ];
    for (const [a, b] of pairs) expect(targetDigest(a), JSON.stringify([a, b])).not.toBe(targetDigest(b));
  });

  it('keeps the digest an HTTP target had before queries and headers: holds stored then still compare', () => {
    const netstring = (text: string) => `${Buffer.byteLength(text)}:${text},`;
    const before = sha256Hex(Buffer.from(netstring('http') + netstring('POST') + netstring('/orders/café')));
    expect(targetDigest(http({ method: 'POST', path: '/orders/café' }))).toBe(before);
    expect(targetDigest(http({ method: 'POST', path: '/orders/café', query: 'x=1' }))).not.toBe(before);
  });

  it('is never the same across kinds, nor for an absent target', () => {
    const mcp: Target = mcpTarget('DELETE', '/x', undefined);
    expect(sameTarget(http(), mcp)).toBe(false);
    expect(sameTarget(undefined, undefined)).toBe(false);
    expect(sameTarget(http(), undefined)).toBe(false);
  });
});

describe('describeTarget', () => {
  it('shows METHOD /path?query, never the headers', () => {
    expect(describeTarget(http())).toBe('DELETE /x');
    expect(describeTarget(http({ query: 'id=1', headers: [{ name: 'user-agent', value: 'bot' }] }))).toBe('DELETE /x?id=1');
  });

  it('shortens a long query', () => {
    const line = describeTarget(http({ query: `q=${'a'.repeat(200)}` }));
    expect(line).toBe(`DELETE /x?q=${'a'.repeat(75)}...`);
    expect(line.length).toBe('DELETE /x?'.length + 80);
  });
});
