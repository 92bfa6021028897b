import { describe, expect, it } from 'vitest';
import { QuotaRouter, type Plan, type RouterTarget } from '../../../src/core/balancer/router';
import { pick } from '../../../src/core/balancer/pick';
import { chooseByQuota } from '../../../src/core/balancer/choose';

const T0 = 10_000_000;
/** Windows exactly as long as Azure's (no admission slack; ./fixedPeriods.test.ts has a test with it): the arithmetic below stays readable. */
const EXACT = { admissionSlackMs: 0 };
const target = (name: string, tpm: number | undefined, o: Partial<RouterTarget> = {}): RouterTarget =>
  ({ name, priority: 1, weight: 1, quotaKey: `${name}/d`, availableAt: 0, limits: tpm === undefined ? undefined : { tokensPerMinute: tpm }, ...o });
const where = (p: Plan<RouterTarget>): string =>
  p.kind === 'dispatch' ? p.target.name : p.kind === 'wait' ? `wait@${p.until - T0}` : `reject:${p.reason}:${p.retryAfterMs}`;

describe('QuotaRouter (quota mode)', () => {
  it('dispatches where the request fits, charging the model', () => {
    const r = new QuotaRouter(EXACT);
    const ts = [target('small', 30_000), target('big', 90_000)];
    expect(where(r.admit({ alias: 'm', charge: 4000 }, ts, T0))).toBe('big');
    expect(r.quota('big/d', T0)?.remainingTokens).toBe(15_000 - 4000);
    // big has 11000, then 7000, then 3000 left in its 10 s window, small 5000: small once big is lower.
    expect(where(r.admit({ alias: 'm', charge: 4000 }, ts, T0))).toBe('big');
    expect(where(r.admit({ alias: 'm', charge: 4000 }, ts, T0))).toBe('big');
    expect(where(r.admit({ alias: 'm', charge: 4000 }, ts, T0))).toBe('small');
  });

  it('waits when nothing fits now but something will within the maximum wait, then dispatches on poll', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 15_000 });
    const ts = [target('a', 6000)]; // 1000 tokens per 10 s
    expect(where(r.admit({ alias: 'm', charge: 900 }, ts, T0))).toBe('a');
    const p = r.admit({ alias: 'm', charge: 900 }, ts, T0 + 1);
    expect(where(p)).toBe('wait@10000');
    expect(r.nextWakeAt()).toBe(T0 + 10_000);
    expect(r.queued('m')).toMatchObject({ length: 1, tokens: 900, reservedOn: 'a/d' });
    expect(r.poll(T0 + 9999)).toEqual([]);
    const done = r.poll(T0 + 10_000);
    expect(done).toHaveLength(1);
    expect(done[0]!.outcome).toMatchObject({ kind: 'dispatch', target: { name: 'a' } });
    expect(done[0]!.waiter.state).toBe('dispatched');
    expect(r.nextWakeAt()).toBe(Infinity);
  });

  it('refuses at once, with a retry time true for its size, when the wait would exceed the maximum', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 3000 });
    const ts = [target('a', 6000)];
    r.admit({ alias: 'm', charge: 900 }, ts, T0);
    expect(where(r.admit({ alias: 'm', charge: 900 }, ts, T0 + 1000))).toBe('reject:busy:9000');
    expect(r.queued('m').length).toBe(0);
  });

  it('keeps room for timer lateness: a fit just inside the maximum wait is refused, one well inside waits', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 10_000 });
    const ts = [target('a', 6000)]; // 1000 tokens per 10 s
    r.admit({ alias: 'm', charge: 900 }, ts, T0);
    // Fits at T0 + 10000: 10 ms before the maximum, inside the 20 ms kept back for a late timer.
    expect(where(r.admit({ alias: 'm', charge: 900 }, ts, T0 + 10))).toBe('reject:busy:9990');
    // 30 ms before it: waits.
    expect(where(r.admit({ alias: 'm', charge: 900 }, ts, T0 + 30))).toBe('wait@10000');
  });

  it('queues a newcomer whose own fit time is within the maximum even when the work ahead projects longer, and refuses it at its deadline', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 12_000 });
    const ts = [target('a', 60_000), target('b', 60_000)]; // 10000 tokens per 10 s each
    expect([where(r.admit({ alias: 'm', charge: 9000 }, ts, T0)), where(r.admit({ alias: 'm', charge: 9000 }, ts, T0))]).toEqual(['a', 'b']);
    for (let i = 1; i <= 3; i++) expect(where(r.admit({ alias: 'm', charge: 9000 }, ts, T0 + i))).toBe('wait@10000');
    // 27000 tokens queued drain in 13.5 s at both rates, but this one fits in 10 s: the queue decides, not a guess.
    const p = r.admit({ alias: 'm', charge: 9000 }, ts, T0 + 4);
    expect(where(p)).toBe('wait@10000');
    expect(r.queued('m').length).toBe(4);
    const settled = r.poll(T0 + 12_004).map(({ waiter, outcome }) => [waiter.arrivedAt - T0, outcome.kind === 'reject' ? outcome.reason : outcome.kind]);
    expect(settled).toEqual([[1, 'dispatch'], [2, 'dispatch'], [3, 'deadline'], [4, 'deadline']]);
  });

  it('refuses what no deployment can ever take, without a retry time', () => {
    const r = new QuotaRouter(EXACT);
    expect(where(r.admit({ alias: 'm', charge: 50_000 }, [target('a', 30_000), target('b', 40_000)], T0))).toBe('reject:tooLarge:undefined');
  });

  it('a request larger than the limits known still goes to a deployment whose limit is unknown (learn from it)', () => {
    const r = new QuotaRouter(EXACT);
    expect(where(r.admit({ alias: 'm', charge: 50_000 }, [target('a', 30_000), target('u', undefined)], T0))).toBe('u');
  });

  it('keeps the queue bounded in length and bytes', () => {
    const r = new QuotaRouter({ ...EXACT, maxQueueLength: 2, maxQueuedBytes: 1000, maxWaitMs: 60_000 });
    const ts = [target('a', 6000)];
    r.admit({ alias: 'm', charge: 1000 }, ts, T0);
    expect(r.admit({ alias: 'm', charge: 10, bytes: 600 }, ts, T0).kind).toBe('wait');
    expect(where(r.admit({ alias: 'm', charge: 10, bytes: 600 }, ts, T0))).toMatch(/^reject:queueFull:/);
    expect(r.admit({ alias: 'm', charge: 10, bytes: 100 }, ts, T0).kind).toBe('wait');
    expect(where(r.admit({ alias: 'm', charge: 10, bytes: 1 }, ts, T0))).toMatch(/^reject:queueFull:/);
  });

  it('a waiter past its deadline is refused with a retry time for its size', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 15_000 });
    const ts = [target('a', 6000)];
    r.admit({ alias: 'm', charge: 1000 }, ts, T0);
    // Re-admitted after a failover: keeps its first deadline, which ends before the window frees.
    const p = r.admit({ alias: 'm', charge: 500, deadline: T0 + 2000 }, ts, T0 + 1000);
    expect(where(p)).toBe('reject:busy:9000');
    const q = r.admit({ alias: 'm', charge: 500, deadline: T0 + 12_000 }, ts, T0 + 1000);
    expect(q.kind).toBe('wait');
    expect(r.nextWakeAt()).toBe(T0 + 10_000);
    // Something else took the window in the meantime (headers say so): at the deadline it is refused.
    r.observe(ts[0]!, { quotaKey: 'a/d', charge: 1000, sentAt: T0 }, 200, { 'x-ratelimit-limit-tokens': '6000', 'x-ratelimit-remaining-tokens': '0' }, T0 + 9000);
    expect(r.poll(T0 + 10_000)).toEqual([]);
    const out = r.poll(T0 + 12_000);
    expect(out[0]!.outcome).toMatchObject({ kind: 'reject', reason: 'deadline' });
    expect(out[0]!.outcome.kind === 'reject' && out[0]!.outcome.retryAfterMs).toBe(T0 + 60_000 - (T0 + 12_000));
  });

  it('a client that leaves takes its place out of the queue', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 15_000 });
    const ts = [target('a', 6000)];
    r.admit({ alias: 'm', charge: 1000 }, ts, T0);
    const p = r.admit({ alias: 'm', charge: 10 }, ts, T0);
    if (p.kind !== 'wait') throw new Error('expected to wait');
    r.leave(p.waiter);
    expect(p.waiter.state).toBe('left');
    expect(r.queued('m').length).toBe(0);
    expect(r.poll(T0 + 10_000)).toEqual([]);
  });

  it('is fair to a large request: small ones may not take the deployment it waits for, only others (no starvation)', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 30_000 });
    const big = target('big', 60_000); // 10000 per 10 s
    const other = target('other', 6000); // 1000 per 10 s
    const ts = [big, other];
    r.admit({ alias: 'm', charge: 9000 }, ts, T0); // big
    const large = r.admit({ alias: 'm', charge: 9000 }, ts, T0 + 1);
    expect(where(large)).toBe('wait@10000');
    // Small requests keep coming: they fit big's remaining 1000 now, but big is reserved; they go to other.
    expect(where(r.admit({ alias: 'm', charge: 500 }, ts, T0 + 2))).toBe('other');
    expect(where(r.admit({ alias: 'm', charge: 500 }, ts, T0 + 3))).toBe('other');
    const small = r.admit({ alias: 'm', charge: 500 }, ts, T0 + 4);
    expect(small.kind).toBe('wait');
    // The large one goes first, the moment big has room for it; the small one after it, in the 1000 left.
    const out = r.poll(T0 + 10_000);
    expect(out.map((o) => [o.waiter.charge, o.outcome.kind === 'dispatch' ? o.outcome.target.name : o.outcome.kind])).toEqual([[9000, 'big'], [500, 'big']]);
  });

  it('a refused request\'s retry keeps its place in line: it queues ahead of requests that came while it was away', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 5000 });
    const ts = [target('a', 6000)]; // 1000 tokens per 10 s
    expect(where(r.admit({ alias: 'm', charge: 900 }, ts, T0))).toBe('a');
    // Fits at T0 + 10000, past the 5 s maximum: refused, told to come back then.
    expect(where(r.admit({ alias: 'm', charge: 700 }, ts, T0 + 1000))).toBe('reject:busy:9000');
    // Someone else arrives while it is away, and queues.
    expect(where(r.admit({ alias: 'm', charge: 600 }, ts, T0 + 6000))).toBe('wait@10000');
    // The retry (same alias and charge) queues ahead of it, as of its first arrival.
    const retry = r.admit({ alias: 'm', charge: 700 }, ts, T0 + 7000);
    expect(where(retry)).toBe('wait@10000');
    expect(retry.kind === 'wait' && retry.waiter.firstSeen).toBe(T0 + 1000);
    expect(r.queued('m')).toMatchObject({ length: 2, reservedOn: 'a/d' });
    // The window holds one of them: the retry gets it.
    const out = r.poll(T0 + 10_000);
    expect(out.map((o) => [o.waiter.charge, o.outcome.kind])).toEqual([[700, 'dispatch']]);
    // A request of the same charge arriving later is a newcomer again: the refusal was recalled once.
    const again = r.admit({ alias: 'm', charge: 700 }, ts, T0 + 16_000);
    expect(again.kind === 'wait' && again.waiter.firstSeen).toBe(T0 + 16_000);
  });

  it('gives refused requests retry times one after another, past the work ahead of them, not all the same moment', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 2000 });
    const ts = [target('a', 60_000)]; // 10000 tokens per 10 s, 1000 per 1 s of drain
    expect(where(r.admit({ alias: 'm', charge: 10_000 }, ts, T0))).toBe('a');
    // Each fits alone at T0 + 10000; each also waits for those refused before it to drain (1 token a ms).
    // (Charges differ: a retry is told from a newcomer by its charge.)
    const refused = [0, 1, 2, 3].map((i) => r.admit({ alias: 'm', charge: 5000 + i }, ts, T0 + 1 + i));
    expect(refused.map(where)).toEqual(['reject:busy:9999', 'reject:busy:9998', 'reject:busy:10001', 'reject:busy:15003']);
    // The retry of the first keeps its place: it is not behind the others.
    const back = r.admit({ alias: 'm', charge: 5000 }, ts, T0 + 9000);
    expect(back.kind === 'wait' && back.waiter.firstSeen).toBe(T0 + 1);
  });

  it('observe: a 429 undoes the charge and rests that size and larger; smaller requests keep flowing', () => {
    const r = new QuotaRouter(EXACT);
    const a = target('a', undefined);
    const p = r.admit({ alias: 'm', charge: 5000 }, [a], T0);
    if (p.kind !== 'dispatch') throw new Error('expected a dispatch');
    const rest = r.observe(a, p.ticket, 429, { 'retry-after-ms': '2000', 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '60000' }, T0 + 10);
    expect(rest).toEqual({ ms: 2000, source: 'retry-after-ms' });
    expect(r.quota('a/d', T0 + 10)).toMatchObject({ limitTokens: 60_000, remainingTokens: 10_000, restingFrom: 5000 });
    expect(where(r.admit({ alias: 'm', charge: 6000 }, [a], T0 + 20))).toBe('wait@2010');
    expect(where(r.admit({ alias: 'x', charge: 4000 }, [a], T0 + 20))).toBe('a');
  });

  it('observe: headers correct the model, so the next request waits instead of meeting a 429', () => {
    const r = new QuotaRouter({ ...EXACT, maxWaitMs: 15_000 });
    const a = target('a', 60_000);
    const p = r.admit({ alias: 'm', charge: 1000 }, [a], T0);
    if (p.kind !== 'dispatch') throw new Error('expected a dispatch');
    expect(where(r.admit({ alias: 'm', charge: 8000 }, [a], T0 + 1))).toBe('a');
    r.observe(a, p.ticket, 200, { 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '50000' }, T0 + 2);
    // Azure counted 10000 at T0 for our 1000: the window is full until T0 + 10 s, and 1 ms more:
    // the correction shares its 10 ms bucket with the 8000 sent at T0 + 1 (quotaModel.ts: a bucket ages with its latest charge).
    expect(where(r.admit({ alias: 'm', charge: 500 }, [a], T0 + 3))).toBe('wait@10001');
  });

  it('release undoes a dispatch that never reached the backend', () => {
    const r = new QuotaRouter(EXACT);
    const a = target('a', 6000);
    const p = r.admit({ alias: 'm', charge: 1000 }, [a], T0);
    if (p.kind !== 'dispatch') throw new Error('expected a dispatch');
    r.release(p.ticket);
    expect(where(r.admit({ alias: 'm', charge: 1000 }, [a], T0))).toBe('a');
  });

  it('respects health: a target that cannot serve until later is waited for, excluded ones are skipped', () => {
    const r = new QuotaRouter(EXACT);
    expect(where(r.admit({ alias: 'm', charge: 1 }, [target('a', 60_000, { availableAt: T0 + 500 })], T0))).toBe('wait@500');
    expect(where(r.admit({ alias: 'n', charge: 1 }, [target('a', 60_000), target('b', 60_000)], T0, new Set(['a'])))).toBe('b');
    expect(where(r.admit({ alias: 'o', charge: 1 }, [target('a', 60_000)], T0, new Set(['a'])))).toBe('reject:unavailable:undefined');
  });
});

describe('QuotaRouter (quota mode, limits unknown: the fast path)', () => {
  // Issue 10: with no limit known anywhere the router skips building options; it must choose exactly as the rule does.
  it('chooses as chooseByQuota would over the same options, whatever the weights, priorities, health and exclusions', () => {
    const r = new QuotaRouter();
    const rr = new Map<string, number>();
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const names = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < 400; i++) {
      const now = T0 + i;
      const ts = names.map((n) => target(n, undefined, { weight: 1 + rnd(3), priority: 1 + rnd(2), availableAt: rnd(4) === 0 ? now + 100 : 0 }));
      const exclude = rnd(3) === 0 ? new Set([names[rnd(4)]!]) : undefined;
      const open = ts.filter((t) => !exclude?.has(t.name));
      const c = chooseByQuota(open.map((t) => ({ candidate: t, name: t.name, priority: t.priority, weight: t.weight, fitAt: Math.max(t.availableAt, now), headroom: undefined, availableAt: Math.max(t.availableAt, now) })), now, rr);
      const expected = c.kind === 'now' ? c.option.candidate.name : c.kind === 'later' ? `wait@${c.at - T0}` : 'reject:unavailable:undefined';
      const p = r.admit({ alias: 'm', charge: 1000 }, ts, now, exclude);
      expect(where(p)).toBe(expected);
      // Nobody waits in this test: a waiter would turn the fast path off for the alias.
      if (p.kind === 'wait') r.leave(p.waiter);
    }
  });

  it('counts what it sent while the limit was unknown once a limit is learned, and gives every open target a model', () => {
    const r = new QuotaRouter();
    const a = target('a', undefined);
    const b = target('b', undefined);
    const sent = [];
    for (let i = 0; i < 4; i++) {
      const p = r.admit({ alias: 'm', charge: 2000 }, [a, b], T0 + i);
      if (p.kind !== 'dispatch') throw new Error('expected a dispatch');
      sent.push(p);
    }
    expect(sent.map((p) => (p.kind === 'dispatch' ? p.target.name : ''))).toEqual(['a', 'b', 'a', 'b']);
    expect(r.quota('b/d', T0)).toMatchObject({ limitTokens: undefined, remainingTokens: undefined });
    // a learns its limit from the answer (remaining as we count it, so no correction): both its charges still count.
    const first = sent[0]!;
    if (first.kind !== 'dispatch') throw new Error('expected a dispatch');
    r.observe(a, first.ticket, 200, { 'x-ratelimit-limit-tokens': '60000' }, T0 + 10);
    expect(r.quota('a/d', T0 + 10)?.remainingTokens).toBe(10_000 - 4000);
  });

  it('leaves the fast path when a target knows its limit, rests this size, or someone waits', () => {
    // Known limit: headroom decides (b has more), not round-robin (which would start with a).
    const known = new QuotaRouter();
    expect(where(known.admit({ alias: 'm', charge: 100 }, [target('a', 6000), target('b', 60_000)], T0))).toBe('b');
    // A size rest on a: this size goes to b while a rests, twice in a row (round-robin would alternate).
    const rested = new QuotaRouter();
    const a = target('a', undefined);
    const b = target('b', undefined);
    const p = rested.admit({ alias: 'm', charge: 5000 }, [a, b], T0);
    if (p.kind !== 'dispatch' || p.target.name !== 'a') throw new Error('expected a dispatch to a');
    rested.observe(a, p.ticket, 429, { 'retry-after-ms': '2000' }, T0);
    expect(where(rested.admit({ alias: 'm', charge: 5000 }, [a, b], T0 + 1))).toBe('b');
    expect(where(rested.admit({ alias: 'm', charge: 5000 }, [a, b], T0 + 2))).toBe('b');
    // Smaller requests do not rest: both share them again.
    const small = [3, 4].map((i) => where(rested.admit({ alias: 'm', charge: 100 }, [a, b], T0 + i)));
    expect(small.sort()).toEqual(['a', 'b']);
    // Someone waits for u (down until T0 + 500): when u is back early, a newcomer still may not go ahead of the head.
    const queued = new QuotaRouter();
    expect(where(queued.admit({ alias: 'q', charge: 10 }, [target('u', undefined, { availableAt: T0 + 500 })], T0))).toBe('wait@500');
    expect(where(queued.admit({ alias: 'q', charge: 10 }, [target('u', undefined)], T0 + 1))).toBe('wait@500');
  });
});

describe('QuotaRouter (roundRobin mode)', () => {
  it('chooses exactly as today\'s smooth weighted round-robin, ignoring quota, never queueing', () => {
    const r = new QuotaRouter({ mode: 'roundRobin' });
    const ts = [target('a', 1000, { weight: 2 }), target('b', 1000), target('c', 1000, { priority: 2 })];
    const rr = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const expected = pick(ts, T0, rr)!.name;
      expect(where(r.admit({ alias: 'm', charge: 999_999 }, ts, T0))).toBe(expected);
    }
    expect(where(r.admit({ alias: 'm', charge: 1 }, [target('a', 1, { availableAt: T0 + 700 })], T0))).toBe('reject:unavailable:700');
  });
});
