/**
 * The buffer between pulling and recording. The puller pushes each pulled message at once and asks
 * for the next pull only once the buffer holds less than its limit, so memory stays bounded while
 * the database is slow. The recorder reads it as an async iterable, which ends after end() once
 * everything buffered is read.
 */
export class FetchBuffer<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private next = 0;
  private size = 0;
  private ended = false;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(
    /** Sum of sizes at which the fetcher waits. */
    private readonly limit: number,
    private readonly sizeOf: (item: T) => number,
  ) {}

  /** The sum of the sizes of the items not yet read. */
  get buffered(): number {
    return this.size;
  }

  push(item: T): void {
    this.items.push(item);
    this.size += this.sizeOf(item);
    this.wake('reader');
  }

  /** No more items: the reader ends once it has read what is buffered. */
  end(): void {
    this.ended = true;
    this.wake('reader');
  }

  /** Resolves once the buffer holds less than its limit, or when `signal` is aborted. */
  async room(signal: AbortSignal): Promise<void> {
    while (this.size >= this.limit && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.wakeWriter = done;
        signal.addEventListener('abort', done);
      });
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.next < this.items.length) {
        const item = this.items[this.next++]!;
        // Drop what was read once it is most of the array (a buffer under load never empties).
        if (this.next >= 64 && this.next * 2 >= this.items.length) {
          this.items = this.items.slice(this.next);
          this.next = 0;
        }
        this.size -= this.sizeOf(item);
        if (this.size < this.limit) this.wake('writer');
        yield item;
      } else if (this.ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.wakeReader = resolve));
      }
    }
  }

  private wake(who: 'reader' | 'writer'): void {
    const wake = who === 'reader' ? this.wakeReader : this.wakeWriter;
    if (who === 'reader') this.wakeReader = undefined;
    else this.wakeWriter = undefined;
    wake?.();
  }
}
