import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { relay, type ChunkMasker, type Relayed } from './response-stream.js';

// relay() between a source the test writes and a real client over a real socket.

let server: Server;
let port: number;
let next: (res: ServerResponse) => void = () => undefined;

beforeAll(async () => {
  server = createServer((_req, res) => next(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Starts a relay of `source` for the next request, and the client's response to it. */
function start(source: PassThrough, masker?: ChunkMasker): { relayed: Promise<Relayed>; response: Promise<IncomingMessage>; res: Promise<ServerResponse> } {
  let relayed!: Promise<Relayed>;
  const res = new Promise<ServerResponse>((resolve) => {
    next = (r) => {
      r.writeHead(200, { 'content-type': 'text/event-stream' });
      r.flushHeaders();
      relayed = relay(source, r, masker);
      resolve(r);
    };
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/', agent: false }, resolve).on('error', reject).end());
  return {
    get relayed() {
      return res.then(() => relayed);
    },
    response,
    res,
  };
}

/** The next chunk the client receives. */
function nextChunk(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => response.once('data', (chunk: Buffer) => resolve(chunk.toString())));
}

/** Reads to the end; `broken` when the body ended without its last chunk. */
function rest(response: IncomingMessage): Promise<{ text: string; broken: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    response.on('data', (chunk: Buffer) => (text += chunk.toString()));
    response.on('end', () => resolve({ text, broken: !response.complete }));
    response.on('error', () => resolve({ text, broken: true }));
  });
}

const upper: ChunkMasker = { push: (chunk) => Buffer.from(chunk.toString().toUpperCase()), end: () => Buffer.from('<end>') };

describe('relay', () => {
  it('sends each chunk as it arrives (masked), and ends when the source ends', async () => {
    const source = new PassThrough();
    const run = start(source, upper);
    const response = await run.response;
    source.write('data: one\n\n');
    expect(await nextChunk(response)).toBe('DATA: ONE\n\n'); // before the second exists
    source.write('data: two\n\n');
    expect(await nextChunk(response)).toBe('DATA: TWO\n\n');
    const remaining = rest(response);
    source.end();
    expect(await remaining).toEqual({ text: '<end>', broken: false });
    expect(await run.relayed).toEqual({ end: 'complete', bytes: 27 });
  });

  it('reads no more of the source while the caller is not taking what was sent (backpressure)', async () => {
    const source = new PassThrough();
    const pushedWhileFull: boolean[] = [];
    let res: ServerResponse | undefined;
    const watching: ChunkMasker = {
      push: (chunk) => {
        pushedWhileFull.push(res?.writableNeedDrain ?? false);
        return chunk;
      },
      end: () => Buffer.alloc(0),
    };
    const run = start(source, watching);
    res = await run.res;
    const response = await run.response;
    response.pause();
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let i = 0; i < 512; i++) source.write(chunk); // 32 MiB, far more than the sockets hold
    // The caller takes nothing: its side fills up and stays full.
    await vi.waitFor(() => expect(res!.writableNeedDrain).toBe(true), { timeout: 10_000 });
    // Most of it is still in the source, unread.
    expect(source.writableLength + source.readableLength).toBeGreaterThan(16 << 20);
    let received = 0;
    response.on('data', (c: Buffer) => (received += c.length));
    const ended = new Promise((resolve) => response.on('end', resolve));
    response.resume();
    source.end();
    await ended;
    expect(received).toBe(512 * chunk.length);
    // Every chunk was read from the source only once the caller's side could take more.
    expect(pushedWhileFull.every((full) => !full)).toBe(true);
    expect((await run.relayed).end).toBe('complete');
  });

  it('cuts the stream off when a part cannot be masked: nothing more is sent, the caller sees it broken', async () => {
    const source = new PassThrough();
    const failing: ChunkMasker = {
      push: (chunk) => {
        if (chunk.toString().includes('bad')) throw new Error('cannot mask');
        return chunk;
      },
      end: () => Buffer.alloc(0),
    };
    const run = start(source, failing);
    const response = await run.response;
    source.write('data: ok\n\n');
    expect(await nextChunk(response)).toBe('data: ok\n\n');
    const remaining = rest(response);
    source.write('data: bad\n\n');
    source.write('data: after\n\n');
    expect(await remaining).toEqual({ text: '', broken: true });
    expect(await run.relayed).toMatchObject({ end: 'unmaskable', bytes: 10 });
    expect(source.destroyed).toBe(true);
  });

  it('cuts the stream off when the tail cannot be masked', async () => {
    const source = new PassThrough();
    const run = start(source, { push: (chunk) => chunk, end: () => {
      throw new Error('incomplete event');
    } });
    const response = await run.response;
    const remaining = rest(response);
    source.end('data: x\n\n');
    expect(await remaining).toEqual({ text: 'data: x\n\n', broken: true });
    expect((await run.relayed).end).toBe('unmaskable');
  });

  it('breaks the caller’s stream when the source breaks off', async () => {
    const source = new PassThrough();
    const run = start(source);
    const response = await run.response;
    source.write('data: one\n\n');
    expect(await nextChunk(response)).toBe('data: one\n\n');
    const remaining = rest(response);
    source.destroy(new Error('upstream reset'));
    expect(await remaining).toEqual({ text: '', broken: true });
    expect(await run.relayed).toEqual({ end: 'broken', bytes: 11 });
  });

  it('stops the source when the caller goes away', async () => {
    const source = new PassThrough();
    const run = start(source);
    const response = await run.response;
    source.write('data: one\n\n');
    await nextChunk(response);
    response.destroy();
    expect(await run.relayed).toEqual({ end: 'gone', bytes: 11 });
    expect(source.destroyed).toBe(true);
  });
});
