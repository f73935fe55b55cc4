import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parsePortcullisConfig } from '@portcullis/config';
import { parseRoute } from './route.js';
import { HttpExchange } from './http.exchange.js';
import { UpstreamForwarder } from './upstream.forwarder.js';

// describe() on a request built in memory (no socket is ever connected): what policy is told.

const [plain, tenanted] = parsePortcullisConfig(`
connections:
  - name: plain
    type: http
    upstream: "http://127.0.0.1:1"
    credential: { header: x-api-key, secret: { env: KEY } }
  - { name: tenanted, type: http, upstream: "http://127.0.0.1:1", decisionHeaders: [x-tenant, accept] }
`).connections;

/** An HTTP/1.1 request as Node parsed it: `raw` is the header list in wire order and case. */
function exchange(target: string, raw: string[], connection = plain!) {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = target;
  req.rawHeaders = raw;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const known = req.headers[name];
    req.headers[name] = known === undefined ? raw[i + 1] : `${String(known)}, ${raw[i + 1]}`;
  }
  req.push(null);
  const route = parseRoute(target);
  if (!route.ok) throw new Error(route.message);
  return new HttpExchange(req, new ServerResponse(req), route.connection, route.path, route.search, { config: connection, forwarder: new UpstreamForwarder(connection, undefined) });
}

describe('HttpExchange.describe', () => {
  it('describes method, canonical path and the raw query as forwarded', async () => {
    expect(await exchange('/http/plain/orders/%61?id=1&id=2&note=caf%C3%A9', []).describe()).toEqual({
      ok: true,
      target: { kind: 'http', method: 'GET', path: '/orders/a', query: 'id=1&id=2&note=caf%C3%A9', headers: [] },
    });
    expect(await exchange('/http/plain/orders?', []).describe()).toMatchObject({ target: { query: '' } });
    expect(await exchange('/http/plain/orders', []).describe()).toMatchObject({ target: { query: '' } });
  });

  it('carries the default decision headers, lowercased, in request order with duplicates kept', async () => {
    const raw = ['User-Agent', 'bot/1', 'Accept', 'text/csv', 'X-Other', 'x', 'accept', 'application/json', 'Content-Type', 'text/plain'];
    expect(await exchange('/http/plain/orders', raw).describe()).toMatchObject({
      target: {
        headers: [
          { name: 'user-agent', value: 'bot/1' },
          { name: 'accept', value: 'text/csv' },
          { name: 'accept', value: 'application/json' },
          { name: 'content-type', value: 'text/plain' },
        ],
      },
    });
  });

  it('carries only the headers the connection names', async () => {
    const raw = ['X-Tenant', 'acme', 'User-Agent', 'bot/1', 'Accept', '*/*'];
    expect(await exchange('/http/tenanted/orders', raw, tenanted).describe()).toMatchObject({
      target: { headers: [{ name: 'x-tenant', value: 'acme' }, { name: 'accept', value: '*/*' }] },
    });
  });

  it('never carries the caller token, cookies or the connection credential header', async () => {
    const raw = ['Authorization', 'Bearer caller-token', 'Proxy-Authorization', 'Basic c2VjcmV0', 'Cookie', 'session=secret', 'X-Api-Key', 'upstream-secret', 'Accept', '*/*'];
    const described = await exchange('/http/plain/orders', raw).describe();
    expect(described).toMatchObject({ target: { headers: [{ name: 'accept', value: '*/*' }] } });
    for (const secret of ['caller-token', 'c2VjcmV0', 'session=secret', 'upstream-secret']) expect(JSON.stringify(described)).not.toContain(secret);
  });
});
