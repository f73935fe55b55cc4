export interface BatchOptions<T> {
  /** Largest batch, in the sum of its items' sizes. */
  readonly maxSize: number;
  /** Longest wait for more items once a batch has its first one (ms). */
  readonly maxWaitMs: number;
  /** Size of an item; 1 when not given. */
  readonly sizeOf?: (item: T) => number;
}

/**
 * Groups the items of `source` into batches: a batch is yielded when it is full or `maxWaitMs`
 * after its first item arrived, whichever comes first. An item that would take a batch past
 * `maxSize` starts the next one instead (an item larger than `maxSize` is a batch of its own).
 * While the caller works on a batch the next item is already being awaited, so a pulling source
 * keeps pulling. Ends when the source ends; the caller ends the source (e.g. closes the
 * subscription) to stop, and still gets what was buffered.
 */
export async function* batches<T>(source: AsyncIterable<T>, options: BatchOptions<T>): AsyncGenerator<T[]> {
  const sizeOf = options.sizeOf ?? (() => 1);
  const iterator = source[Symbol.asyncIterator]();
  // A source failure while the caller holds a batch must surface at the next await, not as an
  // unhandled rejection: mark each pending read as handled.
  const read = () => {
    const next = iterator.next();
    next.catch(() => undefined);
    return next;
  };
  let pending = read();
  let carried: { value: T } | undefined;
  for (;;) {
    if (!carried) {
      const first = await pending;
      if (first.done) return;
      carried = { value: first.value };
      pending = read();
    }
    const batch = [carried.value];
    let size = sizeOf(carried.value);
    carried = undefined;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), options.maxWaitMs);
    });
    try {
      while (size < options.maxSize) {
        const next = await Promise.race([pending, expired]);
        if (next === 'expired' || next.done) break;
        pending = read();
        const itemSize = sizeOf(next.value);
        if (size + itemSize > options.maxSize) {
          carried = { value: next.value };
          break;
        }
        batch.push(next.value);
        size += itemSize;
      }
    } finally {
      clearTimeout(timer);
    }
    yield batch;
  }
}
