import { describe, expect, it } from 'vitest';
import { QuotaModel } from '../../../src/core/balancer/quotaModel';
import { QuotaLimiter } from '../../../src/core/simulator/quota';

const T0 = 5_000_000;
/** Windows exactly as long as Azure's (no admission slack, tested in ./fixedPeriods.test.ts): the arithmetic below stays readable. */
const EXACT = { slackMs: 0 };

describe('QuotaModel', () => {
  it('without any limit known, says every request fits now (send it and learn)', () => {
    const m = new QuotaModel({}, EXACT);
    expect(m.known).toBe(false);
    m.charge(1e9, T0);
    expect(m.fitAt(1e9, T0)).toBe(T0);
    expect(m.headroom(T0)).toBeUndefined();
  });

  it('seeded from configured tpm: 10 s token window of a sixth, 6 rpm per 1000 tpm', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 }, EXACT);
    expect(m.limits).toEqual({ tokensPerMinute: 60_000, requestsPerMinute: 360 });
    m.charge(6000, T0);
    m.charge(4000, T0 + 1000);
    expect(m.headroom(T0 + 1000)).toBe(0);
    // The first charge ages out 10 s after it was sent: then 1 token fits, 6000 too.
    expect(m.fitAt(1, T0 + 2000)).toBe(T0 + 10_000);
    expect(m.fitAt(6000, T0 + 2000)).toBe(T0 + 10_000);
    expect(m.fitAt(6001, T0 + 2000)).toBe(T0 + 11_000);
    expect(m.headroom(T0 + 10_000)).toBe(6000);
  });

  it('limits requests per 1 s and per minute', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 }, EXACT);
    for (let i = 0; i < 6; i++) m.charge(1, T0 + i * 10);
    expect(m.fitAt(1, T0 + 100)).toBe(T0 + 1000);
    const slow = new QuotaModel({ tokensPerMinute: 1000 }, EXACT); // 6 rpm: one per 10 s
    slow.charge(1, T0);
    expect(slow.fitAt(1, T0 + 1)).toBe(T0 + 10_000);
  });

  it('lets a request above the 10 s share through only into an empty window, and never one above the minute', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 }, EXACT);
    m.charge(10, T0);
    expect(m.fitAt(15_000, T0 + 5)).toBe(T0 + 10_000);
    expect(m.fitAt(60_001, T0 + 5)).toBe(Infinity);
  });

  it('learns the limits from x-ratelimit-limit-*, which win over the config (Azure may lower them for a while)', () => {
    const m = new QuotaModel({ tokensPerMinute: 90_000 }, EXACT);
    m.observe({ 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-limit-requests': '180' }, T0, T0 + 50);
    expect(m.limits).toEqual({ tokensPerMinute: 30_000, requestsPerMinute: 180 });
    const unknown = new QuotaModel({}, EXACT);
    unknown.observe({ 'x-ratelimit-limit-tokens': '6000' }, T0, T0);
    expect(unknown.known).toBe(true);
    // The Responses API's -1 means "not applicable": nothing learned.
    const r = new QuotaModel({}, EXACT);
    r.observe({ 'x-ratelimit-limit-tokens': '-1', 'x-ratelimit-remaining-tokens': '-1' }, T0, T0);
    expect(r.known).toBe(false);
  });

  it('adds what Azure counted and we did not send (another client on the deployment), as of the send time', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 }, EXACT);
    m.charge(1000, T0);
    // Azure says 60000 - 45000 = 15000 used when it admitted our 1000: 14000 came from elsewhere.
    m.observe({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '45000' }, T0, T0 + 300);
    expect(m.snapshot(T0 + 300).remainingTokens).toBe(0);
    expect(m.fitAt(1000, T0 + 300)).toBe(T0 + 10_000);
  });

  it('never lowers its own count from headers: a remaining larger than ours changes nothing', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 }, EXACT);
    m.charge(9000, T0);
    m.observe({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '60000' }, T0, T0 + 10);
    expect(m.headroom(T0 + 10)).toBe(1000);
  });

  it('a correction is taken at the send time, not double-counted for what we sent after it', () => {
    const m = new QuotaModel({ tokensPerMinute: 600_000 }, EXACT);
    m.charge(1000, T0);
    m.charge(5000, T0 + 100);
    // The answer to the first arrives after the second was sent; Azure saw exactly our first.
    m.observe({ 'x-ratelimit-limit-tokens': '600000', 'x-ratelimit-remaining-tokens': '599000' }, T0, T0 + 200);
    expect(m.headroom(T0 + 200)).toBe(100_000 - 6000);
  });

  it('release undoes a charge Azure did not make', () => {
    const m = new QuotaModel({ tokensPerMinute: 60_000 }, EXACT);
    m.charge(4000, T0);
    m.release(4000, T0);
    expect(m.headroom(T0)).toBe(10_000);
  });

  it('works in a scaled minute', () => {
    const m = new QuotaModel({ tokensPerMinute: 6000 }, { minuteMs: 2000, slackMs: 0 });
    m.charge(1000, T0);
    expect(m.fitAt(1, T0 + 1)).toBe(T0 + 2000 / 6);
  });

  it('whatever it says fits, the simulated Azure admits (sliding windows inside fixed ones)', () => {
    let seed = 11;
    const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const tpm of [30_000, 60_000, 90_000, 1000]) {
      const model = new QuotaModel({ tokensPerMinute: tpm }, EXACT);
      const azure = new QuotaLimiter({ tokensPerMinute: tpm }, T0 - Math.floor(rnd() * 60_000));
      let now = T0;
      let sent = 0;
      for (let i = 0; i < 3000; i++) {
        now += Math.floor(rnd() * 150);
        const size = 200 + Math.floor(rnd() * Math.min(tpm, 7500));
        if (model.fitAt(size, now) > now) continue;
        model.charge(size, now);
        sent++;
        expect(azure.admit(size, now), `tpm ${tpm}, #${i} size ${size}`).toEqual({ ok: true });
      }
      expect(sent).toBeGreaterThan(10);
    }
  });

  it('counts in fixed buckets as a list of every charge would, at most one 10 ms bucket late, through idle gaps and ring wrap-around', () => {
    // The reference: every charge kept, sliding windows checked exactly (the model before buckets).
    const list: { at: number; tokens: number }[] = [];
    const inWindow = (ms: number, at: number): number => list.filter((c) => c.at > at - ms && c.at <= at).reduce((n, c) => n + c.tokens, 0);
    const fitsAt = (tokens: number, at: number): boolean => inWindow(60_000, at) + tokens <= 60_000 && inWindow(10_000, at) + tokens <= 10_000;
    let seed = 7;
    const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const m = new QuotaModel({ tokensPerMinute: 60_000, requestsPerMinute: 1e9 }, EXACT);
    let now = T0;
    let checked = 0;
    for (let i = 0; i < 4000; i++) {
      // Mostly busy, sometimes idle for seconds, a few times for longer than the ring (82 s).
      const r = rnd();
      now += r < 0.002 ? 90_000 : r < 0.02 ? 5000 + Math.floor(rnd() * 20_000) : Math.floor(rnd() * 40);
      const size = 1 + Math.floor(rnd() * 3000);
      const at = m.fitAt(size, now);
      // The exact answer is the first moment the reference admits; ours may be up to a bucket later, never earlier.
      const exact = [now, ...list.map((c) => c.at + 10_000), ...list.map((c) => c.at + 60_000)].filter((t) => t >= now && fitsAt(size, t)).sort((a, b) => a - b)[0]!;
      expect(at, `#${i}`).toBeGreaterThanOrEqual(exact);
      expect(at - exact, `#${i}`).toBeLessThanOrEqual(10);
      checked++;
      if (at <= now) {
        m.charge(size, now);
        list.push({ at: now, tokens: size });
        if (rnd() < 0.1) {
          m.release(size, now);
          list.pop();
        }
      }
    }
    expect(checked).toBe(4000);
    expect(list.length).toBeGreaterThan(500);
  });
});
