import { describe, expect, it } from 'vitest';
import { parseRoute } from './route.js';

describe('parseRoute', () => {
  it('splits connection and path', () => {
    expect(parseRoute('/http/demo-http/customers?limit=2')).toEqual({ ok: true, connection: 'demo-http', path: '/customers', search: '?limit=2' });
    expect(parseRoute('/http/demo-http')).toMatchObject({ ok: true, path: '/' });
  });

  it('resolves dot segments before anything is decided, including encoded ones', () => {
    expect(parseRoute('/http/demo-http/public/../admin')).toMatchObject({ ok: true, connection: 'demo-http', path: '/admin' });
    expect(parseRoute('/http/demo-http/a/%2e%2e/admin')).toMatchObject({ ok: true, path: '/admin' });
    // Climbing out of the connection lands on another connection name, which is then what is checked.
    expect(parseRoute('/http/demo-http/../other/x')).toMatchObject({ ok: true, connection: 'other', path: '/x' });
  });

  it('refuses encoded slashes, backslashes and NUL', () => {
    for (const target of ['/http/demo-http/a%2fb', '/http/demo-http/a%2Fb', '/http/demo-http/a%5cb', '/http/demo-http/a\\b', '/http/demo-http/a%00']) {
      expect(parseRoute(target).ok).toBe(false);
    }
  });

  it('refuses other shapes', () => {
    expect(parseRoute('http://evil.example/http/demo-http/')).toMatchObject({ ok: false });
    expect(parseRoute('/mcp')).toMatchObject({ ok: false });
    expect(parseRoute('//evil.example/http/x')).toMatchObject({ ok: false });
  });
});
