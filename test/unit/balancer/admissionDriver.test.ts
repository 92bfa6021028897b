import { describe, expect, it } from 'vitest';
import { AdmissionDriver, type Timers } from '../../../src/core/balancer/admissionDriver';
import { QuotaRouter, type RouterTarget } from '../../../src/core/balancer/router';

const T0 = 10_000_000;
const a: RouterTarget = { name: 'a', priority: 1, weight: 1, quotaKey: 'a/d', availableAt: 0, limits: { tokensPerMinute: 6000 } };

/** A clock and timer table the test advances by hand. */
function fakeTime(): Timers & { now: number; armed: { fn: () => void; at: number }[]; advance(to: number): void } {
  const t = {
    now: T0,
    armed: [] as { fn: () => void; at: number }[],
    setTimeout(fn: () => void, ms: number) {
      const h = { fn, at: t.now + ms };
      t.armed.push(h);
      return h;
    },
    clearTimeout(h: unknown) {
      t.armed = t.armed.filter((x) => x !== h);
    },
    advance(to: number) {
      t.now = to;
      for (const h of t.armed.filter((x) => x.at <= to)) {
        t.armed = t.armed.filter((x) => x !== h);
        h.fn();
      }
    },
  };
  return t;
}

describe('AdmissionDriver', () => {
  it('keeps one timer for all waiters, at the router\'s next wake-up, and settles each waiter when it fits', async () => {
    const time = fakeTime();
    const router = new QuotaRouter<RouterTarget>({ maxWaitMs: 30_000, admissionSlackMs: 0 });
    const driver = new AdmissionDriver(router, () => time.now, time);
    router.admit({ alias: 'm', charge: 1000 }, [a], time.now);
    const waits = [300, 300, 300].map((charge) => {
      const p = router.admit({ alias: 'm', charge }, [a], time.now);
      if (p.kind !== 'wait') throw new Error('expected to wait');
      return driver.wait(p.waiter);
    });
    expect(time.armed).toHaveLength(1);
    expect(time.armed[0]!.at).toBe(T0 + 10_000);
    time.advance(T0 + 10_000);
    const outcomes = await Promise.all(waits.map((w) => w.done));
    expect(outcomes.map((o) => o.kind)).toEqual(['dispatch', 'dispatch', 'dispatch']);
    expect(driver.waiting).toBe(0);
    expect(time.armed).toHaveLength(0);
  });

  it('cancel (the client left) settles as left, takes it out of the queue and disarms the timer', async () => {
    const time = fakeTime();
    const router = new QuotaRouter<RouterTarget>({ maxWaitMs: 30_000, admissionSlackMs: 0 });
    const driver = new AdmissionDriver(router, () => time.now, time);
    router.admit({ alias: 'm', charge: 1000 }, [a], time.now);
    const p = router.admit({ alias: 'm', charge: 10 }, [a], time.now);
    if (p.kind !== 'wait') throw new Error('expected to wait');
    const w = driver.wait(p.waiter);
    expect(time.armed).toHaveLength(1);
    w.cancel();
    await expect(w.done).resolves.toEqual({ kind: 'left' });
    expect(router.queued('m').length).toBe(0);
    expect(time.armed).toHaveLength(0);
  });

  it('close refuses everyone still waiting', async () => {
    const time = fakeTime();
    const router = new QuotaRouter<RouterTarget>({ maxWaitMs: 30_000, admissionSlackMs: 0 });
    const driver = new AdmissionDriver(router, () => time.now, time);
    router.admit({ alias: 'm', charge: 1000 }, [a], time.now);
    const p = router.admit({ alias: 'm', charge: 10 }, [a], time.now);
    if (p.kind !== 'wait') throw new Error('expected to wait');
    const w = driver.wait(p.waiter);
    driver.close();
    await expect(w.done).resolves.toMatchObject({ kind: 'reject', reason: 'unavailable' });
    expect(time.armed).toHaveLength(0);
  });
});
