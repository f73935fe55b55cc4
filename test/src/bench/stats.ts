/** Nearest-rank percentile (p in 0..100) of values already sorted ascending; NaN when there are none. */
function ranked(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  return ranked([...values].sort((a, b) => a - b), p);
}

export const median = (values: readonly number[]) => percentile(values, 50);

/** The figures a latency row reports, in the unit of its samples; NaN figures when there are none. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank p50, p90, p99 and the maximum of unsorted samples, sorting them once. */
export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, p50: ranked(sorted, 50), p90: ranked(sorted, 90), p99: ranked(sorted, 99), max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]! };
}
