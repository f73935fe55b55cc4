import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, createGzip, deflateRawSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePortcullisConfig, type HttpConnectionConfig } from '@portcullis/config';
import type { MaskingProfile } from '@portcullis/detectors';
import type { Delivery } from '../domain/exchange.js';
import type { Refusal } from '../domain/refusal.js';
import { HttpExchange } from './http.exchange.js';
import { parseRoute } from './route.js';
import { UpstreamForwarder } from './upstream.forwarder.js';

// HttpExchange between a real upstream and a real caller, driven in the order the request flow
// drives it (describe → forward → mask → respond, or refuse): connection `masked` masks every
// reply with `profile`, connection `plain` masks nothing.

const profile: MaskingProfile = { name: 'default', detectors: ['email', 'card'], fields: [], columns: [] };
const JSON_BODY = '{"email":"ada@example.com","card":"4111 1111 1111 1111"}';
const MASKED_JSON = '{"email":"a***@example.com","card":"**** **** **** 1111"}';

let upstream: Server;
let gateway: Server;
let gatewayPort: number;
const received: IncomingHttpHeaders[] = [];
const outcomes: { delivery?: Delivery; refusal?: Refusal; findings?: Record<string, number> }[] = [];
/** Called when the upstream's /sse-forever response closes. */
let upstreamClosed: () => void = () => undefined;
/** What the upstream's /sse waits for before its second event. */
let release: () => void = () => undefined;

function serveUpstream(req: IncomingMessage, res: ServerResponse): unknown {
  received.push(req.headers);
  const path = req.url ?? '';
  const json = (status: number, headers: Record<string, string | string[]>, body: Buffer | string) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  if (path === '/tagged') {
    const sum = createHash('sha256').update(JSON_BODY).digest('base64');
    return json(200, {
      etag: '"v1"',
      digest: `sha-256=${sum}`,
      'content-md5': createHash('md5').update(JSON_BODY).digest('base64'),
      'content-digest': `sha-256=:${sum}:`,
      'repr-digest': `sha-256=:${sum}:`,
      'want-digest': 'sha-256',
      'accept-ranges': 'bytes',
      'last-modified': 'Tue, 15 Nov 1994 08:12:31 GMT',
      'set-cookie': ['owner=ada@example.com; Path=/', 'plain=1'],
      location: '/cards/4111111111111111',
      'x-api-key': 'nothing-secret-here',
      'content-length': String(Buffer.byteLength(JSON_BODY)), // a HEAD is told it too
    }, JSON_BODY);
  }
  if (path === '/partial') return json(206, { 'content-range': 'bytes 0-9/57' }, JSON_BODY.slice(0, 10));
  if (path === '/range-unsatisfiable') return json(416, { 'content-range': 'bytes */57' }, '');
  if (path === '/gzip') return json(200, { 'content-encoding': 'gzip' }, gzipSync(JSON_BODY));
  if (path === '/deflate') return json(200, { 'content-encoding': 'deflate' }, deflateRawSync(JSON_BODY));
  if (path === '/br') return json(200, { 'content-encoding': 'br' }, brotliCompressSync(JSON_BODY));
  if (path === '/no-content') return void res.writeHead(204, { 'x-note': 'ada@example.com' }).end();
  if (path === '/not-modified') return void res.writeHead(304, { etag: '"v1"' }).end();
  if (path === '/bomb') return json(200, { 'content-encoding': 'gzip' }, gzipSync(JSON.stringify({ pad: 'x'.repeat(64 * 1024) })));
  if (path === '/sse-utf16') return void res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-16le' }).end(Buffer.from('data: x\n\n', 'utf16le'));
  if (path === '/sse-zstd') return void res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'zstd' }).end('data: x\n\n');
  if (path === '/sse-forever') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
    res.on('close', () => upstreamClosed());
    return;
  }
  if (path === '/binary') return json(200, { 'content-type': 'image/png' }, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  if (path === '/sse-huge') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: ok\n\n');
    return void new Promise<void>((resolve) => (release = resolve)).then(() => res.end(`data: ${'x'.repeat(8192)}\n\n`)); // over the connection's 4096 bytes
  }
  if (path === '/sse' || path === '/sse-bad' || path === '/sse-gzip') {
    const gzip = path === '/sse-gzip';
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    res.flushHeaders();
    const out = gzip ? createGzip({ flush: constants.Z_SYNC_FLUSH }) : undefined;
    out?.pipe(res);
    const write = (text: string | Buffer) => (out ?? res).write(text);
    write('data: {"email":"ada@example.com"}\n\n');
    new Promise<void>((resolve) => (release = resolve)).then(() => {
      if (path === '/sse-bad') write(Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a, 0x0a]));
      write('data: card 4111 1111 1111 1111\n\n');
      (out ?? res).end();
    });
    return;
  }
  json(200, {}, JSON.stringify({ headers: req.headers }));
}

function serveGateway(connections: Map<string, HttpConnectionConfig & { forwarder: UpstreamForwarder }>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const route = parseRoute(req.url ?? '');
    if (!route.ok) return void res.writeHead(400).end();
    const connection = connections.get(route.connection)!;
    const exchange = new HttpExchange(req, res, route.connection, route.path, route.search, { config: connection, forwarder: connection.forwarder });
    const masking = route.connection === 'masked' ? profile : undefined;
    const outcome: (typeof outcomes)[number] = {};
    outcomes.push(outcome);
    void (async () => {
      const described = await exchange.describe({ reserve: () => undefined, release: () => undefined });
      if (!described.ok) return void exchange.refuse((outcome.refusal = described.refusal), { requestId: 'r' });
      const forwarded = await exchange.forward({ requestId: 'r', signal: new AbortController().signal, ...(masking ? { masking } : {}) });
      if (!forwarded.ok) return void exchange.refuse((outcome.refusal = forwarded.refusal), { requestId: 'r' });
      if (masking) {
        const masked = forwarded.reply.mask(masking);
        if (!masked.ok) return void exchange.refuse((outcome.refusal = masked.refusal), { requestId: 'r' });
        outcome.findings = { ...masked.findings };
      }
      outcome.delivery = await exchange.respond(forwarded.reply, { requestId: 'r' });
    })();
  };
}

beforeAll(async () => {
  upstream = createServer(serveUpstream);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const configs = parsePortcullisConfig(`
connections:
  - { name: masked, type: http, upstream: "${upstreamUrl}", maxResponseBytes: 4096 }
  - { name: plain, type: http, upstream: "${upstreamUrl}" }
`).connections as HttpConnectionConfig[];
  gateway = createServer(serveGateway(new Map(configs.map((c) => [c.name, { ...c, forwarder: new UpstreamForwarder(c, undefined) }]))));
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayPort = (gateway.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const server of [gateway, upstream]) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  broken: boolean;
}

/** A request through the gateway; `response` resolves at the head, `done` with the whole answer. */
function call(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  let chunks: ((chunk: string) => void)[] = [];
  const next = () => new Promise<string>((resolve) => chunks.push(resolve));
  const done = new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gatewayPort, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
        const waiting = chunks;
        chunks = [];
        for (const resolve of waiting) resolve(chunk.toString('utf8'));
      });
      const finish = (broken: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, broken });
      res.on('end', () => finish(!res.complete));
      res.on('error', () => finish(true));
    });
    req.on('error', reject);
    req.end(options.body);
  });
  return { done, next };
}

const get = (path: string, options?: Parameters<typeof call>[1]) => call(path, options).done;
const errorOf = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string; message: string } }).error;

describe('HttpExchange on a masked connection', () => {
  it('does not forward ranges, digest requests or entity-tag conditions; an unmasked connection forwards them', async () => {
    const asked = { range: 'bytes=0-9', 'if-range': '"v1"', 'if-none-match': '"v1"', 'if-match': '"v1"', 'want-digest': 'sha-256', 'if-modified-since': 'Tue, 15 Nov 1994 08:12:31 GMT' };
    received.length = 0;
    expect((await get('/http/masked/echo', { headers: asked })).status).toBe(200);
    expect((await get('/http/plain/echo', { headers: asked })).status).toBe(200);
    const [masked, plain] = received;
    for (const name of ['range', 'if-range', 'if-none-match', 'if-match', 'want-digest']) {
      expect(masked![name], name).toBeUndefined();
      expect(plain![name], name).toBe(asked[name as keyof typeof asked]);
    }
    expect(masked!['if-modified-since']).toBe(asked['if-modified-since']);
    expect(masked!['accept-encoding']).toBe('identity');
  });

  it('refuses a conditional write it would have to make unconditional (never forwarded)', async () => {
    received.length = 0;
    const answer = await get('/http/masked/echo', { method: 'PUT', headers: { 'if-match': '"v1"', 'content-type': 'application/json' }, body: '{}' });
    expect([answer.status, errorOf(answer).code]).toEqual([400, 'BAD_REQUEST']);
    expect(errorOf(answer).message).toMatch(/if-match/);
    expect(received).toHaveLength(0);
    expect((await get('/http/masked/echo', { method: 'PUT', headers: { 'if-none-match': '*' }, body: '{}' })).status).toBe(200);
  });

  it('drops validators, digests and ranges of the unmasked body; recomputes Content-Digest and Repr-Digest over what it sends; masks the other headers', async () => {
    const answer = await get('/http/masked/tagged');
    expect(answer.body).toBe(MASKED_JSON);
    const sent = `sha-256=:${createHash('sha256').update(answer.body).digest('base64')}:`;
    expect(answer.headers).toMatchObject({ 'content-digest': sent, 'repr-digest': sent, 'content-length': String(Buffer.byteLength(answer.body)), 'last-modified': 'Tue, 15 Nov 1994 08:12:31 GMT' });
    for (const name of ['etag', 'digest', 'content-md5', 'want-digest', 'accept-ranges', 'content-encoding']) expect(answer.headers[name], name).toBeUndefined();
    expect(answer.headers['set-cookie']).toEqual(['owner=a***@example.com; Path=/', 'plain=1']);
    expect(answer.headers.location).toBe('/cards/************1111');
    expect(outcomes.at(-1)!.findings).toEqual({ email: 2, card: 2 });
    // Unmasked, all of it passes as the upstream sent it.
    const plain = await get('/http/plain/tagged');
    expect(plain.body).toBe(JSON_BODY);
    expect(plain.headers).toMatchObject({ etag: '"v1"', 'accept-ranges': 'bytes', location: '/cards/4111111111111111' });
  });

  it('refuses partial content: a 206, or a 416 stating the unmasked length', async () => {
    for (const path of ['/partial', '/range-unsatisfiable']) {
      const answer = await get(`/http/masked${path}`);
      expect([answer.status, errorOf(answer).code], path).toEqual([502, 'RESPONSE_NOT_MASKABLE']);
      expect(errorOf(answer).message).toMatch(/partial content/);
      expect(answer.body).not.toContain('ada');
    }
    expect((await get('/http/plain/partial')).status).toBe(206);
  });

  it.each(['/gzip', '/deflate', '/br'])('decodes a body the upstream compressed anyway (%s), masks it, sends it identity-coded', async (path) => {
    const answer = await get(`/http/masked${path}`);
    expect(answer.body).toBe(MASKED_JSON);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(MASKED_JSON)));
  });

  it('sends no Content-Length where there is no body (HEAD, 204, 304), and nothing of the GET’s unmasked length for HEAD', async () => {
    const head = await get('/http/masked/tagged', { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.headers['transfer-encoding'], head.body]).toEqual([200, undefined, undefined, '']);
    const plainHead = await get('/http/plain/tagged', { method: 'HEAD' });
    expect(plainHead.headers['content-length']).toBe(String(Buffer.byteLength(JSON_BODY)));
    const empty = await get('/http/masked/no-content');
    expect([empty.status, empty.headers['content-length'], empty.headers['x-note']]).toEqual([204, undefined, 'a***@example.com']);
    const notModified = await get('/http/masked/not-modified');
    expect([notModified.status, notModified.headers['content-length'], notModified.headers.etag]).toEqual([304, undefined, undefined]);
  });

  it('refuses a body it cannot read, and one that decodes beyond the response limit', async () => {
    const binary = await get('/http/masked/binary');
    expect([binary.status, errorOf(binary).code]).toEqual([502, 'RESPONSE_NOT_MASKABLE']);
    const bomb = await get('/http/masked/bomb'); // under the limit compressed, far over it decoded
    expect([bomb.status, errorOf(bomb).code]).toEqual([502, 'RESPONSE_TOO_LARGE']);
  });
});

describe('HttpExchange: Server-Sent Events', () => {
  it('streams a masked event before the upstream has sent the next, chunked, and counts per detector', async () => {
    const stream = call('/http/masked/sse');
    const first = await stream.next();
    expect(first).toBe('data: {"email":"a***@example.com"}\n\n');
    release(); // only now does the upstream send its second event
    const answer = await stream.done;
    expect(answer.body).toBe('data: {"email":"a***@example.com"}\n\ndata: card **** **** **** 1111\n\n');
    expect(answer.broken).toBe(false);
    expect(answer.headers).toMatchObject({ 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked' });
    expect(answer.headers['content-length']).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.at(-1)!.delivery).toEqual({ status: { http: 200 }, bytes: Buffer.byteLength(answer.body), rows: 0, masked: { email: 1, card: 1 } });
  });

  it('decodes a compressed stream as it arrives and sends it identity-coded', async () => {
    const stream = call('/http/masked/sse-gzip');
    expect(await stream.next()).toBe('data: {"email":"a***@example.com"}\n\n');
    release();
    const answer = await stream.done;
    expect(answer.body).toBe('data: {"email":"a***@example.com"}\n\ndata: card **** **** **** 1111\n\n');
    expect(answer.headers['content-encoding']).toBeUndefined();
  });

  it('cuts the stream off at an event it cannot mask: nothing of it or after it, a broken stream, a failure with the counts so far', async () => {
    const stream = call('/http/masked/sse-bad');
    expect(await stream.next()).toBe('data: {"email":"a***@example.com"}\n\n');
    release();
    const answer = await stream.done;
    expect(answer.broken).toBe(true);
    expect(answer.body).toBe('data: {"email":"a***@example.com"}\n\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.at(-1)!.delivery).toMatchObject({ status: { http: 200 }, masked: { email: 1 }, failure: { code: 'RESPONSE_NOT_MASKABLE' } });
  });

  it('cuts the stream off at an event over the limit (RESPONSE_TOO_LARGE)', async () => {
    const stream = call('/http/masked/sse-huge');
    expect(await stream.next()).toBe('data: ok\n\n');
    release();
    const answer = await stream.done;
    expect([answer.status, answer.broken, answer.body]).toEqual([200, true, 'data: ok\n\n']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.at(-1)!.delivery).toMatchObject({ failure: { code: 'RESPONSE_TOO_LARGE' } });
  });

  it('refuses, before anything is sent, a stream in a coding it cannot decode', async () => {
    const answer = await get('/http/masked/sse-zstd');
    expect([answer.status, errorOf(answer).code]).toEqual([502, 'RESPONSE_NOT_MASKABLE']);
  });

  it('refuses, before anything is sent, a stream declared in a charset other than UTF-8', async () => {
    const answer = await get('/http/masked/sse-utf16');
    expect([answer.status, errorOf(answer).code]).toEqual([502, 'RESPONSE_NOT_MASKABLE']);
    expect(errorOf(answer).message).toContain('event streams are UTF-8');
  });

  it('stops the upstream when the caller goes away', async () => {
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const req = request({ host: '127.0.0.1', port: gatewayPort, path: '/http/masked/sse-forever', agent: false });
    req.on('response', (res) => res.once('data', () => req.destroy()));
    req.on('error', () => undefined);
    req.end();
    await closed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcomes.at(-1)!.delivery).toMatchObject({ status: { http: 200 }, bytes: 11 });
    expect(outcomes.at(-1)!.delivery).not.toHaveProperty('failure');
  });

  it('streams an unmasked event stream too (buffered, it would never end), unchanged', async () => {
    const stream = call('/http/plain/sse');
    expect(await stream.next()).toBe('data: {"email":"ada@example.com"}\n\n');
    release();
    expect((await stream.done).body).toBe('data: {"email":"ada@example.com"}\n\ndata: card 4111 1111 1111 1111\n\n');
  });
});
