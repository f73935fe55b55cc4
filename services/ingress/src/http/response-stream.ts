import type { ServerResponse } from 'node:http';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/** Masks a stream chunk by chunk: what `push` returns may be sent; `end` gives the rest. Both throw when a part cannot be masked. */
export interface ChunkMasker {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
}

/** Content codings a streamed body can be decoded from. */
export const STREAM_CODINGS: ReadonlySet<string> = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/**
 * `source` with its content codings undone (`codings` in the order they were applied; each one
 * of STREAM_CODINGS), as a stream that keeps the source's backpressure. An error of any stage
 * (a corrupt body, the source breaking off) destroys the result with it.
 */
export function decodedStream(source: Readable, codings: readonly string[]): Readable {
  if (codings.length === 0) return source;
  const stages = [...codings].reverse().map(decoderFor);
  return pipeline([source, ...stages], () => undefined) as unknown as Readable;
}

function decoderFor(coding: string): Transform {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return new Inflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      throw new Error(`unsupported content coding ${coding}`);
  }
}

/**
 * "deflate" is zlib-wrapped (RFC 9110 §8.4.1.2), but some servers send it raw: the first byte
 * tells (a zlib header's low nibble is 8, CM = deflate). The inner inflater's output is passed
 * on only as fast as it is read, so a small body that inflates hugely is not buffered whole.
 */
class Inflate extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;
  private pending: TransformCallback | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const inner = this.inner ?? this.start((chunk[0]! & 0x0f) === 8 ? zlib.createInflate() : zlib.createInflateRaw());
    inner.write(chunk, (err) => callback(err ?? undefined));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.inner) return callback();
    this.pending = callback;
    this.inner.end();
  }

  override _read(size: number): void {
    this.inner?.resume();
    super._read(size);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(err);
  }

  private start(inner: zlib.Inflate | zlib.InflateRaw): zlib.Inflate | zlib.InflateRaw {
    this.inner = inner;
    inner.on('data', (data: Buffer) => {
      if (!this.push(data)) inner.pause();
    });
    inner.on('end', () => this.pending?.());
    inner.on('error', (err) => this.destroy(err));
    return inner;
  }
}

/** How a relayed stream ended. */
export type Relayed =
  /** The source ended and everything was sent. */
  | { readonly end: 'complete'; readonly bytes: number }
  /** The caller went away (or the response was closed) first: the source was stopped. */
  | { readonly end: 'gone'; readonly bytes: number }
  /** A part could not be masked: nothing more was sent, the response was destroyed. */
  | { readonly end: 'unmaskable'; readonly bytes: number; readonly error: unknown }
  /** The source broke off (or was aborted) before its end: the response was destroyed. */
  | { readonly end: 'broken'; readonly bytes: number };

/**
 * Relays `source` to `res` (whose head is written) chunk by chunk, each through `masker` when
 * given, waiting for the caller to take each chunk before reading more (backpressure). The caller
 * going away stops the source. When a part cannot be masked, or the source breaks off, the
 * response is destroyed rather than ended, so the caller sees a broken stream (a chunked body
 * without its last chunk), never a complete-looking one.
 */
export async function relay(source: Readable, res: ServerResponse, masker: ChunkMasker | undefined): Promise<Relayed> {
  let bytes = 0;
  let gone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    gone = true;
    source.destroy();
  };
  res.once('close', onClose);
  const write = async (chunk: Buffer): Promise<void> => {
    if (chunk.length === 0 || gone) return;
    bytes += chunk.length;
    if (!res.write(chunk)) await drained(res);
  };
  const cutOff = (relayed: Relayed): Relayed => {
    source.destroy();
    res.destroy();
    return relayed;
  };
  try {
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        let out: Buffer;
        try {
          out = masker ? masker.push(chunk) : chunk;
        } catch (error) {
          return cutOff({ end: 'unmaskable', bytes, error });
        }
        await write(out);
        if (gone) return { end: 'gone', bytes };
      }
    } catch {
      return gone ? { end: 'gone', bytes } : cutOff({ end: 'broken', bytes });
    }
    if (gone) return { end: 'gone', bytes };
    let tail: Buffer;
    try {
      tail = masker ? masker.end() : EMPTY;
    } catch (error) {
      return cutOff({ end: 'unmaskable', bytes, error });
    }
    await write(tail);
    res.end();
    return gone ? { end: 'gone', bytes } : { end: 'complete', bytes };
  } finally {
    res.off('close', onClose);
  }
}

const EMPTY = Buffer.alloc(0);

/** Resolves when `res` can take more, or is closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
