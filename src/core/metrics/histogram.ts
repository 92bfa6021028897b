/**
 * Latency histograms with fixed bucket bounds: recording is one binary search
 * and one increment in a typed array, no allocation, and histograms of any
 * number of time buckets or deployments merge by adding counts. The bounds
 * are also the `le` labels of the Prometheus output.
 */

/** Upper bounds (ms) of the latency bins, 1 ms to 10 min; one more bin holds everything slower. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500,
  10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000,
];

/** Number of bins: one per bound plus the overflow bin. */
export const BINS = LATENCY_BOUNDS_MS.length + 1;

/** The bin a duration falls in: the first bound it does not exceed. */
export function binOf(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The q-quantile (0..1) of the counts in `bins[offset .. offset+BINS)`,
 * interpolated linearly inside its bin; undefined when there are no samples.
 * The overflow bin reports its lower bound (we cannot know more).
 */
export function quantile(bins: ArrayLike<number>, q: number, offset = 0): number | undefined {
  let total = 0;
  for (let i = 0; i < BINS; i++) total += bins[offset + i]!;
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < BINS; i++) {
    const n = bins[offset + i]!;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      if (i === BINS - 1) return lower;
      const upper = LATENCY_BOUNDS_MS[i]!;
      return lower + (upper - lower) * Math.max(0, Math.min(1, (rank - seen) / n));
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

/** Adds `src[srcOffset .. +BINS)` into `dst[dstOffset .. +BINS)`. */
export function addBins(dst: Float64Array | Uint32Array, src: ArrayLike<number>, srcOffset = 0, dstOffset = 0): void {
  for (let i = 0; i < BINS; i++) dst[dstOffset + i]! += src[srcOffset + i]!;
}
