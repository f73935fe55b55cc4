import { describe, expect, it } from 'vitest';
import { parseRoute } from './route.js';

const pathOf = (target: string) => {
  const route = parseRoute(target);
  return route.ok ? route.path : `refused: ${route.message}`;
};

describe('parseRoute', () => {
  it('splits connection, path and query', () => {
    expect(parseRoute('/http/demo-http/customers?limit=2')).toEqual({ ok: true, connection: 'demo-http', path: '/customers', search: '?limit=2' });
    expect(parseRoute('/http/demo-http')).toMatchObject({ ok: true, path: '/' });
  });

  it('resolves dot segments before anything is decided, including encoded ones', () => {
    expect(pathOf('/http/demo-http/public/../admin')).toBe('/admin');
    expect(pathOf('/http/demo-http/a/%2e%2e/admin')).toBe('/admin');
    expect(pathOf('/http/demo-http/a/%2E%2E/admin')).toBe('/admin');
    // Climbing out of the connection lands on another connection name, which is then what is checked.
    expect(parseRoute('/http/demo-http/../other/x')).toMatchObject({ ok: true, connection: 'other', path: '/x' });
  });

  it('decodes escaped unreserved characters, so %61dmin is admin', () => {
    expect(pathOf('/http/demo/%61dmin/x')).toBe('/admin/x');
    expect(pathOf('/http/demo/%7Euser')).toBe('/~user');
  });

  it('keeps other escapes, upper-cased, as one canonical form', () => {
    expect(pathOf('/http/demo/a%20b')).toBe('/a%20b');
    expect(pathOf('/http/demo/a%2bb')).toBe('/a%2Bb');
  });

  it('leaves case as sent (policy globs match case-insensitively)', () => {
    expect(pathOf('/http/demo/Admin/x')).toBe('/Admin/x');
  });

  it.each([
    ['/http/demo-http/a%2fb', 'encoded slash'],
    ['/http/demo-http/a%2Fb', 'encoded slash'],
    ['/http/demo-http/a%5cb', 'encoded backslash'],
    ['/http/demo-http/a\\b', 'backslash'],
    ['/http/demo-http/a%00', 'NUL'],
    ['/http/demo/admin;x/y', 'path parameter'],
    ['/http/demo/admin%3bx/y', 'encoded path parameter'],
    ['/http/demo//admin/x', 'empty segment'],
    ['/http/demo/a%zz', 'malformed escape'],
    ['/http/demo/a%4', 'truncated escape'],
    ['/http/demo/%2561dmin', 'double encoding'],
    ['/http/demo/a%0Ab', 'encoded control character'],
    ['/http/demo/a%7F', 'encoded DEL'],
    ['/http/demo/%C0%AE%C0%AE/admin', 'overlong UTF-8'],
    ['/http/demo/%FF', 'invalid UTF-8'],
    ['/http/demo/admin./x', 'trailing dot'],
    ['/http/demo/admin%20/x', 'trailing space'],
  ])('refuses %s (%s)', (target) => {
    expect(parseRoute(target).ok).toBe(false);
  });

  it('refuses paths over the length limit, saying so', () => {
    expect(parseRoute(`/http/demo/${'a'.repeat(3000)}`)).toMatchObject({ ok: false, tooLong: true });
  });

  it('accepts valid UTF-8 and dots inside segments', () => {
    expect(pathOf('/http/demo/donn%C3%A9es/v1.2/.well-known')).toBe('/donn%C3%A9es/v1.2/.well-known');
  });

  it('applies the path checks to the path only, not the query', () => {
    expect(parseRoute('/http/demo/login?next=https%3A%2F%2Fexample.com%2F;x')).toMatchObject({ ok: true, path: '/login', search: '?next=https%3A%2F%2Fexample.com%2F;x' });
  });

  it('refuses other shapes', () => {
    expect(parseRoute('http://evil.example/http/demo-http/')).toMatchObject({ ok: false });
    expect(parseRoute('/mcp')).toMatchObject({ ok: false });
    expect(parseRoute('//evil.example/http/x')).toMatchObject({ ok: false });
  });
});
