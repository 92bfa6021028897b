import { describe, expect, it } from 'vitest';
import { parseDuration, parseRemaining, throttleDelay } from '../../../src/core/balancer/throttle';

const now = Date.parse('2026-11-21T10:00:00Z');
const d = (h: Record<string, string>) => throttleDelay(h, now, 10_000, 300_000);

describe('throttle headers', () => {
  it('prefers retry-after-ms, then x-ms-retry-after-ms, then Retry-After, then x-ratelimit-reset-*', () => {
    expect(d({ 'retry-after-ms': '1500', 'x-ms-retry-after-ms': '2500', 'retry-after': '9' })).toEqual({ ms: 1500, source: 'retry-after-ms' });
    expect(d({ 'x-ms-retry-after-ms': '2500', 'retry-after': '9' })).toEqual({ ms: 2500, source: 'x-ms-retry-after-ms' });
    expect(d({ 'retry-after': '9', 'x-ratelimit-reset-requests': '1s' })).toEqual({ ms: 9000, source: 'retry-after' });
    expect(d({ 'x-ratelimit-reset-requests': '1m30s' })).toEqual({ ms: 90_000, source: 'x-ratelimit-reset-requests' });
    expect(d({ 'x-ratelimit-reset-tokens': '250ms' })).toEqual({ ms: 250, source: 'x-ratelimit-reset-tokens' });
    expect(d({})).toEqual({ ms: 10_000, source: 'default' });
  });

  it('reads Retry-After as an HTTP date; a date in the past means now', () => {
    expect(d({ 'retry-after': 'Sat, 21 Nov 2026 10:00:30 GMT' }).ms).toBe(30_000);
    expect(d({ 'retry-after': 'Sat, 21 Nov 2026 09:00:00 GMT' }).ms).toBe(0);
  });

  it('skips negative, garbage and non-finite values and clamps huge ones', () => {
    expect(d({ 'retry-after-ms': '-5', 'retry-after': '3' })).toEqual({ ms: 3000, source: 'retry-after' });
    expect(d({ 'retry-after': 'soon' })).toEqual({ ms: 10_000, source: 'default' });
    expect(d({ 'retry-after': '1e400' }).source).toBe('default');
    expect(d({ 'retry-after': '99999999' }).ms).toBe(300_000);
    expect(d({ 'retry-after-ms': 'NaN', 'x-ms-retry-after-ms': '' }).source).toBe('default');
  });

  it('parses Go-style durations and rejects trailing junk', () => {
    expect(parseDuration('6m0s')).toBe(360_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('2.5s')).toBe(2500);
    expect(parseDuration('5s later')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });

  it('ignores the -1 the Responses API sends for remaining counts', () => {
    expect(parseRemaining('-1')).toBeUndefined();
    expect(parseRemaining('0')).toBe(0);
    expect(parseRemaining('120000')).toBe(120000);
    expect(parseRemaining('abc')).toBeUndefined();
  });
});
