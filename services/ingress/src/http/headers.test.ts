import { describe, expect, it } from 'vitest';
import { forwardableHeaders, reinterpretingHeader } from './headers.js';

describe('forwardableHeaders', () => {
  it('keeps end-to-end headers', () => {
    expect(forwardableHeaders({ 'content-type': 'application/json', accept: 'application/json', 'x-custom': 'kept' })).toEqual({ 'content-type': 'application/json', accept: 'application/json', 'x-custom': 'kept' });
  });

  it('drops the caller token, cookies and client-address claims', () => {
    const out = forwardableHeaders({
      authorization: 'Bearer caller-token',
      cookie: 'session=1',
      forwarded: 'for=1.2.3.4',
      'x-forwarded-for': '1.2.3.4',
      'x-forwarded-host': 'evil',
      'x-real-ip': '1.2.3.4',
      'true-client-ip': '1.2.3.4',
      'cf-connecting-ip': '1.2.3.4',
      'x-portcullis-request-id': 'spoofed',
    });
    expect(out).toEqual({});
  });

  it('drops hop-by-hop headers and those the caller nominated in Connection', () => {
    expect(forwardableHeaders({ connection: 'close, X-Secret-Hop', 'x-secret-hop': '1', 'transfer-encoding': 'chunked', te: 'trailers', upgrade: 'h2c', host: 'gw', 'x-kept': '1' })).toEqual({ 'x-kept': '1' });
  });
});

describe('reinterpretingHeader', () => {
  it.each(['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-rewrite-url'])('finds %s', (name) => {
    expect(reinterpretingHeader({ [name]: 'DELETE' })).toBe(name);
  });

  it('finds nothing in ordinary requests', () => {
    expect(reinterpretingHeader({ accept: '*/*' })).toBeUndefined();
  });
});
