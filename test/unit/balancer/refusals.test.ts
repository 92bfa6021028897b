import { describe, expect, it } from 'vitest';
import { Refusals } from '../../../src/core/balancer/refusals';

describe('Refusals', () => {
  it('recalls a refused request by its charge once, the oldest first, until it is no longer expected', () => {
    const r = new Refusals(10);
    r.remember(700, 100, 5000, 100);
    r.remember(700, 50, 5000, 120);
    expect(r.recall(800, 200)).toBeUndefined();
    expect(r.recall(700, 200)).toBe(50);
    expect(r.recall(700, 200)).toBe(100);
    expect(r.recall(700, 200)).toBeUndefined();
    r.remember(900, 300, 1000, 300);
    expect(r.recall(900, 1001)).toBeUndefined();
    expect(r.size).toBe(0);
  });

  it('counts the tokens expected back ahead of a request', () => {
    const r = new Refusals(10);
    r.remember(1000, 10, 9000, 10);
    r.remember(2000, 20, 9000, 20);
    r.remember(4000, 30, 500, 30);
    expect(r.tokensBefore(25, 100)).toBe(3000);
    expect(r.tokensBefore(31, 100)).toBe(7000);
    // The last one's client should have been back by 500.
    expect(r.tokensBefore(31, 600)).toBe(3000);
  });

  it('stays bounded: past the maximum, what is no longer expected goes first, then nothing new is kept', () => {
    const r = new Refusals(3);
    for (let i = 0; i < 3; i++) r.remember(100 + i, i, 1000, i);
    r.remember(200, 5, 1000, 5);
    expect(r.size).toBe(3);
    expect(r.recall(200, 6)).toBeUndefined();
    // At 2000 the first three are no longer expected: room again.
    r.remember(300, 2000, 5000, 2000);
    expect(r.size).toBe(1);
    expect(r.recall(300, 2001)).toBe(2000);
  });
});
