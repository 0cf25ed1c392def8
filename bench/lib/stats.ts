/** The value below which `p` percent of the sorted samples fall (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export interface Distribution {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN };
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A distribution with each figure rounded to 0.1 ms. */
export const roundedDistribution = (spread: Distribution): Distribution => ({ p50: round(spread.p50), p95: round(spread.p95), p99: round(spread.p99), max: round(spread.max) });

/** `p50 … / p95 … / p99 … / max … ms`, as the bench prints a latency distribution. */
export const formatDistribution = (spread: Distribution) => `p50 ${spread.p50} / p95 ${spread.p95} / p99 ${spread.p99} / max ${spread.max} ms`;
