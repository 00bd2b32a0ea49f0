// Percentiles and small aggregates for the figures the bench reports.

/** Latency summary in the bench's JSON: `{ p50, p95, max }`, in milliseconds. */
export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

/**
 * The value below which `share` (0..1) of the samples fall, nearest-rank
 * (no interpolation: every reported figure is one that was measured).
 */
export function percentile(sortedAscending: ArrayLike<number>, share: number): number {
  if (sortedAscending.length === 0) return 0;
  const rank = Math.ceil(share * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1]!;
}

/** p50/p95/max of the samples, rounded to `digits`; zeros when there are none. */
export function summarize(samples: readonly number[], digits = 1): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5), digits),
    p95: round(percentile(sorted, 0.95), digits),
    max: round(sorted.at(-1) ?? 0, digits),
  };
}

/** `Percentiles` plus p99, for latencies judged by their tail (chat delivery); other figures keep three. */
export interface TailPercentiles extends Percentiles {
  p99: number;
}

/** p50/p95/max/p99 of the samples (a typed array copes with millions), rounded to `digits`. */
export function summarizeTail(samples: ArrayLike<number>, digits = 1): TailPercentiles {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: round(percentile(sorted, 0.5), digits),
    p95: round(percentile(sorted, 0.95), digits),
    max: round(sorted.at(-1) ?? 0, digits),
    p99: round(percentile(sorted, 0.99), digits),
  };
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** Lost ÷ expected as a percentage; 0 when nothing was expected. */
export function lossPercent(lost: number, expected: number): number {
  return expected > 0 ? (Math.max(0, lost) / expected) * 100 : 0;
}
