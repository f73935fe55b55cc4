import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRequestBody, type BodyRead } from './body-reader.js';

// A real HTTP server and real sockets: a normal body, one too large, and a trickle.
let server: Server;
let port: number;
const results: BodyRead[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    void readRequestBody(req, 64, { minBytesPerSecond: 100, graceMs: 300 }).then((read) => {
      results.push(read);
      res.writeHead(read.ok ? 200 : read.reason === 'too_slow' ? 408 : 413, { connection: read.ok ? 'keep-alive' : 'close' }).end(read.ok ? read.body : read.reason);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (body: string) =>
  new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString())).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });

describe('readRequestBody', () => {
  it('reads a body, refuses one over the limit', async () => {
    expect(await post('hello')).toEqual({ status: 200, text: 'hello' });
    expect(await post('x'.repeat(65))).toMatchObject({ status: 413 });
  });

  it('cuts off a sender slower than the minimum rate once the grace has passed, and can still answer it', async () => {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 60\r\n\r\n');
    const trickle = setInterval(() => socket.write('a'), 100); // 10 bytes/s
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(results.at(-1)).toEqual({ ok: false, reason: 'too_slow' });
  });
});
