import { afterEach, describe, expect, it, vi } from 'vitest';
import { batches } from './batches.js';

/** A source whose items are pushed by the test, like a subscription. */
function channel<T>() {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const source: AsyncIterable<T> = {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) yield queue.shift()!;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
  const kick = () => {
    wake?.();
    wake = undefined;
  };
  return { source, push: (...items: T[]) => (queue.push(...items), kick()), end: () => ((ended = true), kick()) };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('batches', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('cuts full batches and yields the rest when the source ends', async () => {
    const c = channel<number>();
    c.push(1, 2, 3, 4, 5);
    c.end();
    await expect(collect(batches(c.source, { maxSize: 2, maxWaitMs: 10_000 }))).resolves.toEqual([[1, 2], [3, 4], [5]]);
  });

  it('yields a partial batch once the wait after its first item is over', async () => {
    vi.useFakeTimers();
    const c = channel<number>();
    const iterator = batches(c.source, { maxSize: 100, maxWaitMs: 250 })[Symbol.asyncIterator]();
    c.push(1, 2);
    const first = iterator.next();
    await vi.advanceTimersByTimeAsync(250);
    await expect(first).resolves.toEqual({ done: false, value: [1, 2] });

    c.push(3);
    let second: IteratorResult<number[]> | undefined;
    void iterator.next().then((r) => (second = r));
    await vi.advanceTimersByTimeAsync(200);
    c.push(4);
    await vi.advanceTimersByTimeAsync(49);
    expect(second).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second).toEqual({ done: false, value: [3, 4] });

    c.end();
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('cuts by size: an item that would overflow starts the next batch, a large one is alone', async () => {
    const c = channel<number>();
    c.push(3, 4, 2, 9, 1, 1);
    c.end();
    await expect(collect(batches(c.source, { maxSize: 8, maxWaitMs: 10_000, sizeOf: (n) => n }))).resolves.toEqual([[3, 4], [2], [9], [1, 1]]);
  });

  it('surfaces a source failure to the caller', async () => {
    const failing: AsyncIterable<number> = {
      async *[Symbol.asyncIterator]() {
        yield 1;
        throw new Error('boom');
      },
    };
    await expect(collect(batches(failing, { maxSize: 10, maxWaitMs: 10 }))).rejects.toThrow('boom');
  });
});
