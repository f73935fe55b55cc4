export interface BatchOptions {
  /** Largest batch. */
  readonly maxSize: number;
  /** Longest wait for more items once a batch has its first one (ms). */
  readonly maxWaitMs: number;
}

/**
 * Groups the items of `source` into batches: a batch is yielded when it is full or `maxWaitMs`
 * after its first item arrived, whichever comes first. While the caller works on a batch the next
 * item is already being awaited, so a pulling source keeps pulling. Ends when the source ends; the
 * caller ends the source (e.g. closes the subscription) to stop, and still gets what was buffered.
 */
export async function* batches<T>(source: AsyncIterable<T>, options: BatchOptions): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  // A source failure while the caller holds a batch must surface at the next await, not as an
  // unhandled rejection: mark each pending read as handled.
  const read = () => {
    const next = iterator.next();
    next.catch(() => undefined);
    return next;
  };
  let pending = read();
  for (;;) {
    const first = await pending;
    if (first.done) return;
    const batch = [first.value];
    pending = read();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), options.maxWaitMs);
    });
    try {
      while (batch.length < options.maxSize) {
        const next = await Promise.race([pending, expired]);
        if (next === 'expired' || next.done) break;
        batch.push(next.value);
        pending = read();
      }
    } finally {
      clearTimeout(timer);
    }
    yield batch;
  }
}
