import { describe, expect, it } from 'vitest';
import { BINS, LATENCY_BOUNDS_MS, binOf, quantile } from '../../../src/core/metrics/histogram';

describe('latency histogram', () => {
  it('puts a duration in the first bin whose bound it does not exceed; slower than 10 min in the overflow bin', () => {
    expect(binOf(0)).toBe(0);
    expect(binOf(1)).toBe(0);
    expect(binOf(1.01)).toBe(1);
    expect(binOf(100)).toBe(LATENCY_BOUNDS_MS.indexOf(100));
    expect(binOf(101)).toBe(LATENCY_BOUNDS_MS.indexOf(150));
    expect(binOf(600_000)).toBe(BINS - 2);
    expect(binOf(3_600_000)).toBe(BINS - 1);
  });

  it('finds quantiles within their bin, interpolated, and undefined without samples', () => {
    const bins = new Uint32Array(BINS);
    expect(quantile(bins, 0.5)).toBeUndefined();
    // 90 samples at ~40 ms (bin 35..50), 10 at ~900 ms (bin 750..1000).
    bins[binOf(40)] = 90;
    bins[binOf(900)] = 10;
    const p50 = quantile(bins, 0.5)!;
    expect(p50).toBeGreaterThan(35);
    expect(p50).toBeLessThanOrEqual(50);
    const p95 = quantile(bins, 0.95)!;
    expect(p95).toBeGreaterThan(750);
    expect(p95).toBeLessThanOrEqual(1000);
  });

  it('reads a slice of a larger array (one histogram per time bucket)', () => {
    const many = new Uint32Array(BINS * 3);
    many[BINS * 2 + binOf(3)] = 5;
    expect(quantile(many, 0.5, BINS)).toBeUndefined();
    expect(quantile(many, 0.5, BINS * 2)).toBeGreaterThan(2);
  });
});
