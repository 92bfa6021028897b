import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../../src/core/balancer/retryBudget';

/** Starts `n` requests; returns how many of them got a retry slot. */
function retryAll(b: RetryBudget, n: number): number {
  let granted = 0;
  for (let i = 0; i < n; i++) if (b.tryRetry()) granted++;
  return granted;
}

describe('RetryBudget (concurrency, as Envoy)', () => {
  it('lets at least 3 requests retry at once, however quiet the pool', () => {
    const b = new RetryBudget();
    b.start();
    expect(retryAll(b, 10)).toBe(3);
    expect(b.inFlight).toEqual({ requests: 1, retries: 3, limit: 3 });
  });

  it('lets at most 20 % of the requests in flight retry at once', () => {
    const b = new RetryBudget();
    for (let i = 0; i < 100; i++) b.start();
    expect(retryAll(b, 100)).toBe(20);
    for (let i = 0; i < 50; i++) b.start();
    expect(retryAll(b, 100)).toBe(10); // 150 in flight: 30 in all
  });

  it('gives slots back when requests end: a storm that is over leaves nothing behind', () => {
    const b = new RetryBudget();
    for (let i = 0; i < 100; i++) b.start();
    expect(retryAll(b, 100)).toBe(20);
    expect(b.tryRetry()).toBe(false);
    for (let i = 0; i < 100; i++) b.end(i < 20);
    expect(b.inFlight).toEqual({ requests: 0, retries: 0, limit: 3 });
    b.start();
    expect(b.tryRetry()).toBe(true);
  });

  it('ending a request that did not retry leaves the retry count alone', () => {
    const b = new RetryBudget();
    for (let i = 0; i < 20; i++) b.start();
    expect(retryAll(b, 4)).toBe(4);
    for (let i = 0; i < 10; i++) b.end(false);
    expect(b.inFlight).toEqual({ requests: 10, retries: 4, limit: 3 });
    expect(b.tryRetry()).toBe(false);
  });
});
