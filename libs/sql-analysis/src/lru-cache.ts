/**
 * A least-recently-used cache bounded by entry count and by total weight (the analyzer weighs an
 * entry by its text's length), so neither many small texts nor a few huge ones grow it without limit.
 * A Map keeps insertion order: re-inserting on a hit makes the first key the least recently used.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly weight: number }>();
  private weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, weight: number): void {
    if (this.maxEntries <= 0 || weight > this.maxWeight) return;
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.entries.delete(key);
      this.weight -= previous.weight;
    }
    this.entries.set(key, { value, weight });
    this.weight += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.weight <= this.maxWeight) break;
      this.entries.delete(oldest);
      this.weight -= entry.weight;
    }
  }
}
