import { describe, expect, it } from 'vitest';
import { forwardableHeaders, reinterpretingHeader, reinterpretingParameter, withoutContentOracles } from './headers.js';

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

describe('forwardableHeaders: smuggling', () => {
  it('drops underscore names, Proxy, URL rewrites and caller-gateway headers', () => {
    const out = forwardableHeaders({ x_http_method_override: 'DELETE', x_forwarded_for: '6.6.6.6', proxy: 'http://evil', 'x-original-url': '/admin', 'x-rewrite-url': '/admin', 'accept-charset': 'utf-7', expect: '100-continue', via: '1.1 x', 'max-forwards': '0' });
    expect(out).toEqual({});
  });
});

describe('reinterpretingParameter', () => {
  const none = Buffer.alloc(0);
  const found = (search: string, body: string) => reinterpretingParameter(search, undefined, Buffer.from(body));
  it('finds _method and the override headers’ names in the query, any case, percent-encoded or ;-separated', () => {
    expect(reinterpretingParameter('?_method=DELETE', undefined, none)).toMatch(/query/);
    expect(reinterpretingParameter('?a=1&_METHOD=put', undefined, none)).toMatch(/query/);
    expect(reinterpretingParameter('?a=1;x-http-method-override=DELETE', undefined, none)).toMatch(/query/);
    expect(reinterpretingParameter('?%5Fmethod=DELETE', undefined, none)).toMatch(/query/);
    expect(reinterpretingParameter('?method=x&methods=_method', undefined, none)).toBeUndefined();
  });

  it('finds them in any body, whatever its content type says: forms with & or ;, no type, JSON at any depth, multipart', () => {
    for (const body of ['a=1&_method=DELETE', 'a=1;_method=DELETE', '_method=DELETE', ' _Method =DELETE', 'X-HTTP-Method=DELETE', '%5fmethod=DELETE']) expect(found('', body), body).toMatch(/form/);
    for (const body of ['{"_method":"DELETE"}', '{"a":{"b":[{"X-HTTP-Method-Override":"DELETE"}]}}', '[{"x-method-override":"DELETE"}]']) expect(found('', body), body).toMatch(/JSON|form/);
    expect(found('', '--x\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--x--')).toMatch(/form/);
    expect(found('', "--x\r\nContent-Disposition: form-data; name='_method'\r\n\r\nDELETE\r\n--x--")).toMatch(/form/);
  });

  it('passes ordinary bodies', () => {
    for (const body of ['{"method":"card","note":"use _method sparingly"}', 'a=1&b=2', '<xml method="x"/>', 'plain text', '{"methods":["GET"]}']) expect(found('', body), body).toBeUndefined();
  });
});


describe('reinterpretingHeader', () => {
  it.each(['x-http-method-override', 'x-http-method', 'x-method-override'])('finds %s', (name) => {
    expect(reinterpretingHeader({ [name]: 'DELETE' })).toBe(name);
  });

  it('finds nothing in ordinary requests', () => {
    expect(reinterpretingHeader({ accept: '*/*' })).toBeUndefined();
  });
});

describe('withoutContentOracles (masked connections)', () => {
  const asked = { accept: 'application/json', range: 'bytes=0-9', 'if-range': '"v1"', 'want-digest': 'sha-256', 'want-content-digest': 'sha-256=1', 'want-repr-digest': 'sha-256=1', 'if-modified-since': 'Tue, 15 Nov 1994 08:12:31 GMT', 'if-unmodified-since': 'Tue, 15 Nov 1994 08:12:31 GMT' };

  it('drops ranges and digest requests; keeps date conditions, which compare no content', () => {
    expect(withoutContentOracles(asked, 'GET')).toEqual({ ok: true, headers: { accept: 'application/json', 'if-modified-since': 'Tue, 15 Nov 1994 08:12:31 GMT', 'if-unmodified-since': 'Tue, 15 Nov 1994 08:12:31 GMT' } });
  });

  it('drops entity-tag conditions from safe methods (the whole masked answer instead of a 304 or 412)', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      expect(withoutContentOracles({ 'if-none-match': '"abc", W/"def"', 'if-match': '"abc"', accept: '*/*' }, method)).toEqual({ ok: true, headers: { accept: '*/*' } });
    }
  });

  it('refuses an entity-tag condition on a write: without it the write would no longer be conditional', () => {
    expect(withoutContentOracles({ 'if-match': '"abc"' }, 'PUT')).toEqual({ ok: false, header: 'if-match' });
    expect(withoutContentOracles({ 'if-none-match': '"abc"' }, 'POST')).toEqual({ ok: false, header: 'if-none-match' });
  });

  it('keeps `*`, which names no tag (create-only and exists-only writes)', () => {
    expect(withoutContentOracles({ 'if-none-match': '*' }, 'PUT')).toEqual({ ok: true, headers: { 'if-none-match': '*' } });
    expect(withoutContentOracles({ 'if-match': ' * ' }, 'GET')).toEqual({ ok: true, headers: { 'if-match': ' * ' } });
  });

  it('does not touch the headers it was given', () => {
    const headers = { range: 'bytes=0-1' };
    withoutContentOracles(headers, 'GET');
    expect(headers).toEqual({ range: 'bytes=0-1' });
  });
});
