import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { brotliCompressSync, constants, createGzip, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@portcullis/testkit';
import { CLIENTS, E2eEnvironment } from './harness.js';

// The gateway's HTTP response path on masked connections, end to end: the real stack, and an
// upstream in this process that records what reached it and serves each case (validators and
// digests, partial content, compressed bodies, Server-Sent Events that wait for the test).
// Connection `mask-http` masks /masked/** with profile e2e-http and leaves /plain/** unmasked.

const env = new E2eEnvironment();
let token: string;
let upstream: http.Server;

/** The values planted in upstream answers: none may reach a caller of /masked/**, a log or an event. */
const PLANTED = ['ada@example.com', 'grace@example.org', '4111 1111 1111 1111', '5555555555554444'];
const BODY = JSON.stringify({ owner: 'ada@example.com', card: '4111 1111 1111 1111', order: '1234567812345678' });
const MASKED_BODY = JSON.stringify({ owner: 'a***@example.com', card: '**** **** **** 1111', order: '1234567812345678' });

/** The request headers each upstream path last received. */
const received = new Map<string, IncomingHttpHeaders>();
/** Releases a waiting event stream's next event, by path. */
const waiting = new Map<string, () => void>();
const released = (path: string) => new Promise<void>((resolve) => waiting.set(path, resolve));

function serve(req: IncomingMessage, res: ServerResponse): unknown {
  const path = (req.url ?? '').split('?')[0]!.replace(/^\/(masked|plain)/, '');
  received.set(req.url ?? '', req.headers);
  const json = (status: number, headers: Record<string, string | string[]>, body: string | Buffer) => res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length), ...headers }).end(body);
  switch (path) {
    case '/echo':
      return json(200, {}, JSON.stringify({ ok: true }));
    case '/partial':
      return json(206, { 'content-range': `bytes 0-15/${BODY.length}` }, BODY.slice(0, 16));
    case '/tagged': {
      const sum = createHash('sha256').update(BODY).digest('base64');
      return json(200, {
        etag: '"abc123"',
        digest: `sha-256=${sum}`,
        'content-md5': createHash('md5').update(BODY).digest('base64'),
        'content-digest': `sha-256=:${sum}:`,
        'repr-digest': `sha-256=:${sum}:`,
        'accept-ranges': 'bytes',
        'set-cookie': ['contact=grace@example.org; Path=/; HttpOnly'],
        'x-card-on-file': '5555555555554444',
      }, BODY);
    }
    case '/gzip':
      return json(200, { 'content-encoding': 'gzip' }, gzipSync(BODY));
    case '/deflate':
      return json(200, { 'content-encoding': 'deflate' }, deflateSync(BODY));
    case '/br':
      return json(200, { 'content-encoding': 'br' }, brotliCompressSync(BODY));
    case '/events':
    case '/events-gzip':
    case '/events-broken': {
      const gzip = path === '/events-gzip';
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
      const out = gzip ? createGzip({ flush: constants.Z_SYNC_FLUSH }) : res;
      if (gzip) out.pipe(res);
      out.write('event: owner\ndata: {"owner":"ada@example.com"}\n\n');
      // The second event exists only once the test has seen the first.
      void released(req.url ?? '').then(() => {
        if (path === '/events-broken') out.write(Buffer.from('data: caf\xe9 grace@example.org\n\n', 'latin1')); // not UTF-8
        out.write('data: card 4111 1111 1111 1111, mail grace@example.org\n\n');
        out.end();
      });
      return;
    }
    default:
      return json(404, {}, '{}');
  }
}

beforeAll(async () => {
  upstream = http.createServer(serve);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  await env.start({
    connections: [{ name: 'mask-http', type: 'http', upstream: `http://127.0.0.1:${port}` }],
    maskingProfiles: [{ name: 'e2e-http', detectors: ['email', 'card'] }],
    policies: [
      { id: 'agents-mask-http-masked', effect: 'allow', match: { groups: ['agents'], connections: ['mask-http'], http: { methods: ['GET', 'HEAD', 'PUT'], paths: ['/masked/**'] } }, maskingProfile: 'e2e-http' },
      { id: 'agents-mask-http-plain', effect: 'allow', match: { groups: ['agents'], connections: ['mask-http'], http: { methods: ['GET', 'HEAD'], paths: ['/plain/**'] } } },
    ],
  });
  token = await env.token(CLIENTS.agent);
});
afterAll(async () => {
  await env.stop();
  upstream.closeAllConnections();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body ended without its last chunk. */
  readonly broken: boolean;
}

/** A request through the gateway with node:http (so a broken chunked body is told from an ended one); `next` is the next chunk received. */
function call(path: string, options: { method?: string; headers?: Record<string, string> } = {}) {
  const url = new URL(`/http/mask-http${path}`, env.stack.ingressUrl);
  let readers: ((chunk: string) => void)[] = [];
  const next = () => new Promise<string>((resolve) => readers.push(resolve));
  const done = new Promise<Answer>((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: { authorization: `Bearer ${token}`, ...options.headers }, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
        const waitingReaders = readers;
        readers = [];
        for (const read of waitingReaders) read(chunk.toString('utf8'));
      });
      const finish = (broken: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, broken });
      res.on('end', () => finish(!res.complete));
      res.on('error', () => finish(true));
    });
    req.on('error', reject);
    req.end();
  });
  return { done, next };
}

const get = (path: string, options?: Parameters<typeof call>[1]) => call(path, options).done;
const errorOf = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string; message: string; requestId: string } }).error;
const completedOf = (requestId: string) =>
  eventually(async () => (await env.auditEvents(requestId)).find((e) => e.type === 'request.completed')?.event_json.requestCompleted as Record<string, unknown> | undefined, 15_000, `RequestCompleted of ${requestId}`);
const requestIdOf = (answer: Answer) => answer.headers['x-portcullis-request-id'] as string;

describe('conditional and range requests on a masked connection', () => {
  const asked = { range: 'bytes=0-15', 'if-range': '"abc123"', 'if-none-match': '"abc123"', 'if-match': '"abc123"', 'want-content-digest': 'sha-256=1' };

  it('are not forwarded to the upstream; on an unmasked connection they are', async () => {
    expect((await get('/masked/echo?case=conditions', { headers: asked })).status).toBe(200);
    expect((await get('/plain/echo?case=conditions', { headers: asked })).status).toBe(200);
    const masked = received.get('/masked/echo?case=conditions')!;
    const plain = received.get('/plain/echo?case=conditions')!;
    for (const [name, value] of Object.entries(asked)) {
      expect(masked[name], name).toBeUndefined();
      expect(plain[name], name).toBe(value);
    }
  });

  it('a conditional write that would lose its condition is refused, not forwarded', async () => {
    received.delete('/masked/echo?case=write');
    const answer = await get('/masked/echo?case=write', { method: 'PUT', headers: { 'if-match': '"abc123"' } });
    expect([answer.status, errorOf(answer).code]).toEqual([400, 'BAD_REQUEST']);
    expect(received.has('/masked/echo?case=write')).toBe(false);
  });

  it('a 206 from the upstream is refused with RESPONSE_NOT_MASKABLE, its content never sent; unmasked, it passes', async () => {
    const answer = await get('/masked/partial');
    expect([answer.status, errorOf(answer).code]).toEqual([502, 'RESPONSE_NOT_MASKABLE']);
    expect(errorOf(answer).message).toMatch(/partial content \(206/);
    expect(answer.body).not.toContain('ada');
    expect(await completedOf(requestIdOf(answer))).toMatchObject({ outcome: 'OUTCOME_FAILED', httpStatus: 502, errorCode: 'RESPONSE_NOT_MASKABLE' });
    expect((await get('/plain/partial')).status).toBe(206);
  });
});

describe('a masked body and its headers', () => {
  it('drops validators and digests of the unmasked body, recomputes Content-Digest / Repr-Digest over the body sent, and counts header values per detector', async () => {
    const answer = await get('/masked/tagged');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(MASKED_BODY);
    const digest = `sha-256=:${createHash('sha256').update(answer.body).digest('base64')}:`;
    expect(answer.headers).toMatchObject({ 'content-length': String(Buffer.byteLength(answer.body)), 'content-digest': digest, 'repr-digest': digest });
    for (const name of ['etag', 'digest', 'content-md5', 'accept-ranges', 'content-encoding']) expect(answer.headers[name], name).toBeUndefined();
    expect(answer.headers['set-cookie']).toEqual(['contact=g***@example.org; Path=/; HttpOnly']);
    expect(answer.headers['x-card-on-file']).toBe('************4444');
    expect((await completedOf(requestIdOf(answer))).masked).toEqual({ email: 2, card: 2 });
  });

  it('answers HEAD without a length of the unmasked body', async () => {
    const answer = await get('/masked/tagged', { method: 'HEAD' });
    expect([answer.status, answer.headers['content-length'], answer.headers.etag, answer.body]).toEqual([200, undefined, undefined, '']);
  });

  it.each(['/gzip', '/deflate', '/br'])('decodes %s from an upstream that compressed anyway, masks it and sends it identity-coded', async (path) => {
    const answer = await get(`/masked${path}`);
    expect(answer.body).toBe(MASKED_BODY);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(MASKED_BODY)));
  });
});

describe('Server-Sent Events', () => {
  it('streams each masked event as it arrives: the first reaches the caller before the upstream has sent the second', async () => {
    const stream = call('/masked/events?case=1');
    expect(await stream.next()).toBe('event: owner\ndata: {"owner":"a***@example.com"}\n\n');
    waiting.get('/masked/events?case=1')!();
    const answer = await stream.done;
    expect(answer).toMatchObject({ status: 200, broken: false, body: 'event: owner\ndata: {"owner":"a***@example.com"}\n\ndata: card **** **** **** 1111, mail g***@example.org\n\n' });
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.headers['content-length']).toBeUndefined();
    expect(await completedOf(requestIdOf(answer))).toMatchObject({ outcome: 'OUTCOME_FORWARDED', httpStatus: 200, masked: { email: 2, card: 1 }, responseBytes: String(Buffer.byteLength(answer.body)) });
  });

  it('decodes a gzip-compressed stream as it arrives, and sends it identity-coded', async () => {
    const stream = call('/masked/events-gzip?case=2');
    expect(await stream.next()).toBe('event: owner\ndata: {"owner":"a***@example.com"}\n\n');
    waiting.get('/masked/events-gzip?case=2')!();
    const answer = await stream.done;
    expect(answer.body).toBe('event: owner\ndata: {"owner":"a***@example.com"}\n\ndata: card **** **** **** 1111, mail g***@example.org\n\n');
    expect(answer.headers['content-encoding']).toBeUndefined();
  });

  it('ends the stream broken at an event it cannot mask, sends nothing of it or after it, and records the request as failed', async () => {
    const stream = call('/masked/events-broken?case=3');
    expect(await stream.next()).toBe('event: owner\ndata: {"owner":"a***@example.com"}\n\n');
    waiting.get('/masked/events-broken?case=3')!();
    const answer = await stream.done;
    expect(answer.broken).toBe(true);
    expect(answer.body).toBe('event: owner\ndata: {"owner":"a***@example.com"}\n\n');
    expect(await completedOf(requestIdOf(answer))).toMatchObject({ outcome: 'OUTCOME_FAILED', httpStatus: 200, errorCode: 'RESPONSE_NOT_MASKABLE', masked: { email: 1 } });
  });

  it('streams an unmasked connection’s events too, unchanged, instead of buffering a stream that never ends', async () => {
    const stream = call('/plain/events?case=4');
    expect(await stream.next()).toBe('event: owner\ndata: {"owner":"ada@example.com"}\n\n');
    waiting.get('/plain/events?case=4')!();
    expect((await stream.done).broken).toBe(false);
  });
});

describe('nothing unmasked leaves', () => {
  it('no planted value is in any service log or audit event', async () => {
    const logs = readdirSync(env.logDir).map((name) => readFileSync(join(env.logDir, name), 'utf8')).join('\n');
    const { rows } = await env.sql().query("select event_json::text as json from audit.events where connection = 'mask-http'");
    expect(rows.length).toBeGreaterThan(0);
    const events = rows.map((r: { json: string }) => r.json).join('\n');
    for (const value of PLANTED) {
      expect(logs, value).not.toContain(value);
      expect(events, value).not.toContain(value);
    }
  });
});
