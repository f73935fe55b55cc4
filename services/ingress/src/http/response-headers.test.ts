import { describe, expect, it } from 'vitest';
import { contentCodings, isEventStream, upstreamReplyHeaders, withoutUnmaskedDescriptors } from './response-headers.js';

describe('upstreamReplyHeaders', () => {
  it('drops hop-by-hop headers, the length and the gateway’s own', () => {
    expect(
      upstreamReplyHeaders({ connection: 'keep-alive', 'keep-alive': 'timeout=5', 'transfer-encoding': 'chunked', 'content-length': '3', 'x-portcullis-request-id': 'forged', 'x-portcullis-hold-id': 'forged', etag: '"a"', 'set-cookie': ['a=1', 'b=2'] }),
    ).toEqual({ etag: '"a"', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe('withoutUnmaskedDescriptors', () => {
  it('drops validators, digests, ranges and the coding of the unmasked bytes, and says which digests to recompute', () => {
    const out = withoutUnmaskedDescriptors({
      'content-type': 'application/json',
      etag: '"abc"',
      digest: 'sha-256=x',
      'content-md5': 'x',
      'content-digest': 'sha-256=:x:',
      'repr-digest': 'sha-256=:x:',
      'want-digest': 'sha-256',
      'want-content-digest': 'sha-256=1',
      'want-repr-digest': 'sha-256=1',
      'accept-ranges': 'bytes',
      'content-range': 'bytes 0-1/2',
      'content-encoding': 'gzip',
      'last-modified': 'Tue, 15 Nov 1994 08:12:31 GMT',
    });
    expect(out).toEqual({ headers: { 'content-type': 'application/json', 'last-modified': 'Tue, 15 Nov 1994 08:12:31 GMT' }, digests: ['content-digest', 'repr-digest'] });
    expect(withoutUnmaskedDescriptors({ 'content-digest': 'x' }).digests).toEqual(['content-digest']);
    expect(withoutUnmaskedDescriptors({ etag: 'x' }).digests).toEqual([]);
  });
});

describe('contentCodings', () => {
  it('lists codings in the order applied, lower-case, without identity', () => {
    expect(contentCodings(' GZip , identity,br')).toEqual(['gzip', 'br']);
    expect(contentCodings(undefined)).toEqual([]);
    expect(contentCodings('identity')).toEqual([]);
  });
});

describe('isEventStream', () => {
  it('matches text/event-stream in any case, with parameters', () => {
    expect(isEventStream('text/event-stream')).toBe(true);
    expect(isEventStream(' Text/Event-Stream ; charset=utf-8')).toBe(true);
    expect(isEventStream('text/event-streams')).toBe(false);
    expect(isEventStream('application/json')).toBe(false);
    expect(isEventStream(undefined)).toBe(false);
  });
});
