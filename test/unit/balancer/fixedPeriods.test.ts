/**
 * Learning where Azure's minute starts and counting in its fixed periods
 * (src/core/balancer/quotaPhase.ts, fixedPeriods.ts, through QuotaModel),
 * against the simulator's limiter, which counts fixed periods from its start
 * the way issue 10 says Azure does.
 */
import { describe, expect, it } from 'vitest';
import { QuotaModel } from '../../../src/core/balancer/quotaModel';
import { MinutePhase } from '../../../src/core/balancer/quotaPhase';
import { admissionSlackFor } from '../../../src/core/balancer/slidingWindows';
import { QuotaLimiter } from '../../../src/core/simulator/quota';

const T0 = 7_000_000;
const MINUTE = 60_000;

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

/**
 * Greedy traffic of random sizes against one deployment: whatever the model
 * says fits is sent, reaching the limiter `delay()` later (in order), and the
 * limiter's headers go back to the model when `learn`. Returns the tokens
 * Azure admitted and what it refused.
 */
function drive(model: QuotaModel, azure: QuotaLimiter, opts: { tpm: number; steps: number; seed: number; learn: boolean; delay?: () => number; other?: number; from?: number; patient?: boolean }) {
  const rnd = random(opts.seed);
  let now = opts.from ?? T0;
  let reached = now;
  let admitted = 0;
  const refused: string[] = [];
  for (let i = 0; i < opts.steps; i++) {
    now += Math.floor(rnd() * 150);
    // Someone else spending the same quota: Azure counts it, the model never sees it sent.
    if (opts.other && rnd() < 0.05) azure.admit(opts.other, now);
    const size = 200 + Math.floor(rnd() * Math.min(opts.tpm, 7500));
    // Patient: wait for the moment the model says it fits and send then, right at a window's edge.
    const fit = model.fitAt(size, now);
    if (opts.patient && Number.isFinite(fit)) now = fit;
    else if (fit > now) continue;
    model.charge(size, now);
    reached = Math.max(reached, now + (opts.delay?.() ?? 0));
    const verdict = azure.admit(size, reached);
    if (!verdict.ok) {
      refused.push(`#${i} size ${size} at ${now - T0}`);
      model.release(size, now);
      model.refused();
    } else admitted += size;
    if (opts.learn) model.observe(azure.headers(reached), now, reached);
  }
  return { admitted, refused, end: reached };
}

describe('MinutePhase', () => {
  it('places the boundary only once two answers agree, narrowed to what they share, minutes apart', () => {
    const p = new MinutePhase(MINUTE);
    p.learn(T0 + 1000, T0 + 3000);
    expect(p.boundary).toBeUndefined();
    // A minute later, in a different place of its own gap: the boundary is in the overlap.
    p.learn(T0 + MINUTE + 2000, T0 + MINUTE + 4000);
    expect(p.boundary).toEqual({ lo: T0 + 2000, hi: T0 + 3000 });
    // Two minutes earlier works the same.
    p.learn(T0 - 2 * MINUTE + 2500, T0 - 2 * MINUTE + 5000);
    expect(p.boundary).toEqual({ lo: T0 + 2500, hi: T0 + 3000 });
  });

  it('starts again when an answer disagrees, and gives up on a deployment whose answers keep disagreeing', () => {
    const p = new MinutePhase(MINUTE);
    p.learn(T0 + 1000, T0 + 2000);
    p.learn(T0 + MINUTE + 1500, T0 + MINUTE + 2500);
    expect(p.boundary).toEqual({ lo: T0 + 1500, hi: T0 + 2000 });
    p.learn(T0 + 30_000, T0 + 31_000);
    expect(p.boundary).toBeUndefined();
    p.learn(T0 + MINUTE + 30_500, T0 + MINUTE + 31_500);
    expect(p.boundary).toEqual({ lo: T0 + 30_500, hi: T0 + 31_000 });
    // Refusals the boundary did not predict count against it too.
    p.conflict();
    expect(p.boundary).toBeUndefined();
    p.learn(T0 + 10_000, T0 + 11_000);
    p.learn(T0 + 40_000, T0 + 41_000);
    expect(p.givenUp).toBe(true);
    p.learn(T0 + MINUTE + 40_000, T0 + MINUTE + 41_000);
    p.learn(T0 + 2 * MINUTE + 40_000, T0 + 2 * MINUTE + 41_000);
    expect(p.boundary).toBeUndefined();
  });

  it('ignores evidence wider than a minute (it says nothing)', () => {
    const p = new MinutePhase(MINUTE);
    p.learn(T0, T0 + MINUTE);
    p.learn(T0, T0 + MINUTE + 5);
    p.learn(T0 + 10, T0 + 5);
    expect(p.boundary).toBeUndefined();
  });
});

describe('QuotaModel in learned fixed periods', () => {
  it('learns where Azure\'s minute starts from the answers, and then sends right after a boundary what sliding windows hold back', () => {
    for (const [tpm, seed] of [[30_000, 3], [60_000, 5], [90_000, 7]] as const) {
      const start = T0 - 23_456;
      const learning = new QuotaModel({ tokensPerMinute: tpm });
      const sliding = new QuotaModel({ tokensPerMinute: tpm });
      const a = drive(learning, new QuotaLimiter({ tokensPerMinute: tpm }, start), { tpm, steps: 6000, seed, learn: true });
      const b = drive(sliding, new QuotaLimiter({ tokensPerMinute: tpm }, start), { tpm, steps: 6000, seed, learn: false });
      expect(a.refused, `tpm ${tpm}`).toEqual([]);
      expect(b.refused).toEqual([]);
      expect(learning.snapshot(T0).periods).toBe('fixed');
      expect(sliding.snapshot(T0).periods).toBe('sliding');
      // About 7.5 minutes of saturating traffic: the fixed periods take clearly more.
      expect(a.admitted / b.admitted, `tpm ${tpm}`).toBeGreaterThan(1.05);
    }
  });

  it('whatever it says fits, Azure admits, when requests reach Azure up to the admission slack late', () => {
    const slack = admissionSlackFor(MINUTE);
    // Sending at the very moment the model says a request fits, in both views (sliding only, and learned periods).
    for (const learn of [false, true]) {
      for (const [tpm, seed] of [[30_000, 11], [60_000, 13], [90_000, 17], [6000, 19]] as const) {
        const rnd = random(seed * 7);
        const model = new QuotaModel({ tokensPerMinute: tpm });
        const azure = new QuotaLimiter({ tokensPerMinute: tpm }, T0 - Math.floor(rnd() * MINUTE));
        const r = drive(model, azure, { tpm, steps: 6000, seed, learn, delay: () => (rnd() < 0.5 ? 0 : slack), patient: true });
        expect(r.refused, `tpm ${tpm}, learn ${learn}`).toEqual([]);
        expect(r.admitted).toBeGreaterThan(tpm * 3);
      }
    }
  });

  it('ages a charge out of a sliding window the admission slack after Azure\'s window ends', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 });
    m.charge(9000, T0);
    expect(m.fitAt(9000, T0 + 1)).toBe(T0 + 10_000 + admissionSlackFor(MINUTE));
    expect(admissionSlackFor(MINUTE)).toBe(100);
    expect(admissionSlackFor(3000)).toBe(5);
  });

  it('stays on the safe side of what it learned: a request sent just before a boundary may count after it, and a period is used only once it has surely begun', () => {
    // Two answers a minute apart place the boundary in [T0 - 200, T0 + 70] (T0 - 30 sent, counted after it, plus the 100 ms slack).
    const learned = (): QuotaModel => {
      const m = new QuotaModel({ tokensPerMinute: 60_000 });
      const answer = (sentAt: number, used: number): void =>
        m.observe({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': String(60_000 - used) }, sentAt, sentAt + 5);
      m.charge(1000, T0 - 500);
      m.charge(1000, T0 - 30);
      answer(T0 - 30, 1000);
      m.charge(1000, T0 + MINUTE - 200);
      m.charge(1000, T0 + MINUTE + 40);
      answer(T0 + MINUTE + 40, 1000);
      expect(m.fixedPeriods).toBe(true);
      return m;
    };
    // Azure's minute may start at T0 - 150: a request sent 70 ms before T0 + 2 min - 150 may land after it, in the new 10 s period.
    const late = learned();
    late.charge(9000, T0 + 2 * MINUTE - 220);
    expect(late.fitAt(2000, T0 + 2 * MINUTE + 80)).toBeGreaterThan(T0 + 2 * MINUTE + 80);
    // Azure's minute may start as late as T0 + 50: until then the old period's 9000 still count.
    const early = learned();
    early.charge(9000, T0 + 2 * MINUTE - 1000);
    expect(early.fitAt(2000, T0 + 2 * MINUTE)).toBeGreaterThanOrEqual(T0 + 2 * MINUTE + 50);
    // Once the boundary is surely past (and nothing was sent near it), the new period's budget is there.
    expect(early.fitAt(2000, T0 + 2 * MINUTE + 70)).toBe(T0 + 2 * MINUTE + 70);
  });

  it('learns nothing from an answer whose request shares its moment with another one (Azure may have counted one and not the other)', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 });
    for (const at of [T0, T0 + MINUTE]) {
      m.charge(500, at - 9000);
      m.charge(1000, at - 5000);
      m.charge(2000, at - 3000);
      m.charge(3000, at);
      m.charge(1000, at);
      // Azure's minute began at at - 8000; it had counted the first request sent at `at` but not the second,
      // whose 1000 would make the walk stop at at - 3000 as if the 1000 sent at at - 5000 were before the boundary.
      m.observe({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': String(60_000 - 6000) }, at, at + 5);
    }
    expect(m.fixedPeriods).toBe(false);
  });

  it('learns nothing from answers that do not add up to what it sent (someone else spends the same quota)', () => {
    const tpm = 90_000;
    const alone = new QuotaModel({ tokensPerMinute: tpm });
    drive(alone, new QuotaLimiter({ tokensPerMinute: tpm }, T0 - 4321), { tpm, steps: 4000, seed: 23, learn: true });
    expect(alone.fixedPeriods).toBe(true);
    // The same traffic with another client spending about a third of the quota: no boundary fits the counts.
    const shared = new QuotaModel({ tokensPerMinute: tpm });
    drive(shared, new QuotaLimiter({ tokensPerMinute: tpm }, T0 - 4321), { tpm, steps: 4000, seed: 23, learn: true, other: 1500 });
    expect(shared.fixedPeriods).toBe(false);
  });

  it('drops the learned boundary when Azure refuses what it let through, and learns it again from later answers', () => {
    const tpm = 60_000;
    const model = new QuotaModel({ tokensPerMinute: tpm });
    const azure = new QuotaLimiter({ tokensPerMinute: tpm }, T0 - 999);
    const { end } = drive(model, azure, { tpm, steps: 3000, seed: 29, learn: true });
    expect(model.fixedPeriods).toBe(true);
    model.refused();
    expect(model.fixedPeriods).toBe(false);
    drive(model, azure, { tpm, steps: 3000, seed: 31, learn: true, from: end + 1 });
    expect(model.fixedPeriods).toBe(true);
  });
});
