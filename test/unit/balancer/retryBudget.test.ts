import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../../src/core/balancer/retryBudget';

describe('RetryBudget', () => {
  it('allows the floor on a quiet pool, then a share of the volume', () => {
    const clock = { t: 1_000_000 };
    const b = new RetryBudget(0.2, 3, 10_000, () => clock.t);
    const granted = () => Array.from({ length: 50 }, () => b.tryRetry()).filter(Boolean).length;
    expect(granted()).toBe(3);
    for (let i = 0; i < 100; i++) b.recordRequest();
    expect(granted()).toBe(17); // 20% of 100 = 20, 3 already spent
  });

  it('forgets what left the window', () => {
    const clock = { t: 5_000_000 };
    const b = new RetryBudget(0.2, 2, 10_000, () => clock.t);
    for (let i = 0; i < 100; i++) b.recordRequest();
    expect(Array.from({ length: 30 }, () => b.tryRetry()).filter(Boolean).length).toBe(20);
    clock.t += 5_000;
    expect(b.tryRetry()).toBe(false);
    clock.t += 6_000;
    expect(Array.from({ length: 30 }, () => b.tryRetry()).filter(Boolean).length).toBe(2);
    clock.t += 3_600_000;
    expect(b.tryRetry()).toBe(true);
  });
});
