import { describe, expect, it } from 'vitest';
import { SizeRest } from '../../../src/core/balancer/sizeRest';

const T0 = 1_000_000;

describe('SizeRest', () => {
  it('rests the refused size and larger for the time the headers say; smaller sizes keep flowing', () => {
    const r = new SizeRest();
    expect(r.throttled(5000, { 'retry-after-ms': '1500', 'retry-after': '2' }, T0, 10_000, 300_000)).toEqual({ ms: 1500, source: 'retry-after-ms' });
    expect(r.availableAt(5000, T0)).toBe(T0 + 1500);
    expect(r.availableAt(9000, T0 + 100)).toBe(T0 + 1500);
    expect(r.availableAt(4999, T0)).toBe(T0);
    expect(r.availableAt(5000, T0 + 1500)).toBe(T0 + 1500);
    expect(r.active(T0 + 1500)).toEqual([]);
  });

  it('falls back to the default rest without headers, and caps absurd ones', () => {
    const r = new SizeRest();
    expect(r.throttled(100, {}, T0, 10_000, 300_000)).toEqual({ ms: 10_000, source: 'default' });
    expect(r.throttled(100, { 'retry-after-ms': '99999999' }, T0, 10_000, 300_000).ms).toBe(300_000);
  });

  it('a smaller refused size extends the rest to everything above it', () => {
    const r = new SizeRest();
    r.rest(8000, T0 + 3000, T0);
    r.rest(2000, T0 + 1000, T0);
    expect(r.availableAt(1999, T0)).toBe(T0);
    expect(r.availableAt(5000, T0)).toBe(T0 + 1000);
    expect(r.availableAt(8000, T0)).toBe(T0 + 3000);
  });

  it('stays bounded however many sizes are refused, never shortening a rest', () => {
    const r = new SizeRest();
    for (let i = 0; i < 100; i++) r.rest(100 + i * 100, T0 + 10_000 - i, T0);
    expect(r.active(T0).length).toBeLessThanOrEqual(16);
    for (let i = 0; i < 100; i++) expect(r.availableAt(100 + i * 100, T0)).toBeGreaterThanOrEqual(T0 + 10_000 - i);
  });
});
