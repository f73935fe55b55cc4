import { describe, expect, it } from 'vitest';
import { FetchBuffer } from './fetch-buffer.js';

async function read<T>(iterator: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('FetchBuffer', () => {
  it('hands items to the reader in order, waiting for them, and ends after end()', async () => {
    const buffer = new FetchBuffer<string>(10, () => 1);
    const iterator = buffer[Symbol.asyncIterator]();
    const first = read(iterator, 2);
    buffer.push('a');
    buffer.push('b');
    await expect(first).resolves.toEqual(['a', 'b']);
    buffer.push('c');
    buffer.end();
    await expect(read(iterator, 5)).resolves.toEqual(['c']);
  });

  it('keeps the fetcher waiting while it holds its limit, and lets it go once read below it', async () => {
    const buffer = new FetchBuffer<number>(5, (n) => n);
    buffer.push(3);
    buffer.push(2);
    expect(buffer.buffered).toBe(5);
    let room = false;
    const waiting = buffer.room(new AbortController().signal).then(() => (room = true));
    await new Promise((r) => setImmediate(r));
    expect(room).toBe(false);
    await read(buffer[Symbol.asyncIterator](), 1);
    await waiting;
    expect(room).toBe(true);
    expect(buffer.buffered).toBe(2);
  });

  it('stops a waiting fetcher when aborted', async () => {
    const buffer = new FetchBuffer<number>(1, () => 1);
    buffer.push(1);
    const aborter = new AbortController();
    const waiting = buffer.room(aborter.signal);
    aborter.abort();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('does not keep what was read (a buffer under load never empties)', async () => {
    const buffer = new FetchBuffer<number>(1_000, () => 1);
    const iterator = buffer[Symbol.asyncIterator]();
    for (let i = 0; i < 500; i++) {
      buffer.push(i);
      buffer.push(i);
      await read(iterator, 1);
    }
    expect(buffer.buffered).toBe(500);
    expect((buffer as unknown as { items: unknown[] }).items.length).toBeLessThan(1_000);
  });
});
