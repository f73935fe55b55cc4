import { Readable } from 'node:stream';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodedStream } from './response-stream.js';

const text = 'data: {"card":"4111 1111 1111 1111"}\n\n'.repeat(2000);

/** A source that hands over `bytes` in small chunks, as a socket would. */
function chunked(bytes: Buffer, size = 1000): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

async function read(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString();
}

describe('decodedStream', () => {
  it.each([
    ['gzip', ['gzip'], gzipSync(text)],
    ['x-gzip', ['x-gzip'], gzipSync(text)],
    ['deflate (zlib-wrapped)', ['deflate'], deflateSync(text)],
    ['deflate (raw, as some servers send it)', ['deflate'], deflateRawSync(text)],
    ['br', ['br'], brotliCompressSync(text)],
    ['gzip then br', ['gzip', 'br'], brotliCompressSync(gzipSync(text))],
  ])('undoes %s, chunk by chunk', async (_name, codings, body) => {
    expect(await read(decodedStream(chunked(body), codings))).toBe(text);
  });

  it('passes an identity body through as it is', () => {
    const source = chunked(Buffer.from(text));
    expect(decodedStream(source, [])).toBe(source);
  });

  it('fails on a corrupt body instead of ending as if it were complete', async () => {
    const corrupt = Buffer.concat([gzipSync(text).subarray(0, 200), Buffer.from('not gzip at all')]);
    await expect(read(decodedStream(chunked(corrupt, 50), ['gzip']))).rejects.toThrow();
    const truncated = deflateRawSync(text).subarray(0, 100);
    await expect(read(decodedStream(chunked(truncated, 50), ['deflate']))).rejects.toThrow();
  });

  it('fails when the source breaks off', async () => {
    const compressed = gzipSync(text);
    const source = new Readable({ read() {} });
    source.push(compressed.subarray(0, 100));
    const decoded = decodedStream(source, ['gzip']);
    setImmediate(() => source.destroy(new Error('socket reset')));
    await expect(read(decoded)).rejects.toThrow();
  });
});
