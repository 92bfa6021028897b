#!/usr/bin/env -S npx tsx
/**
 * The quota benchmark replayed in virtual time (issue 10): the same
 * arrivals, sizes and SDK-like client as `npm run bench -- --only quota`
 * (bench/lib/quotaClient.mjs), sent through the quota router
 * (src/core/balancer/router.ts) to the simulator's limiters
 * (src/core/simulator/quota.ts), with no sockets, no timers and no noise.
 * A run of ten simulated minutes takes a fraction of a second, so a change to
 * routing can be judged on many seeds before the real benchmark; the real
 * benchmark stays the measurement of record.
 *
 *   npx tsx bench/quotaReplay.ts --load 0.9 --seeds 8
 *
 * Minutes are real (60 s); requests reach a deployment the moment they are
 * sent; an answer's headers come back `--latency` ms later. Each seed first
 * runs `--warm` minutes at 60 % (as the benchmark's 60 % cell comes first),
 * then `--minutes` at `--load`; only those count. Goodput "% of quota" counts
 * what was admitted within those minutes, "% of offered" everything served.
 */
import { parseArgs } from 'node:util';
import { QuotaRouter, type Outcome, type RouterTarget } from '../src/core/balancer/router';
import { QuotaLimiter } from '../src/core/simulator/quota';
import { arrivalSpecs, mulberry32, QUOTA_SCENARIO } from './lib/arrivals.mjs';

const { values: opt } = parseArgs({
  options: {
    load: { type: 'string', default: '0.9' },
    seeds: { type: 'string', default: '8' },
    seed: { type: 'string', default: '2001' },
    minutes: { type: 'string', default: '10' },
    warm: { type: 'string', default: '5' },
    'max-wait': { type: 'string', default: '5000' },
    latency: { type: 'string', default: '600' },
  },
});
const TPMS = QUOTA_SCENARIO.tpms;
const POOL_TPM = TPMS.reduce((a, b) => a + b, 0);
const MINUTE = 60_000;
const MAX_RETRIES = 2;

/** Poisson arrivals and sizes as the benchmark's client draws them (the same module). */
function arrivals(seed: number, load: number, fromMs: number, minutes: number): { at: number; charge: number }[] {
  return arrivalSpecs({ seed, ratePerMin: (load * POOL_TPM) / QUOTA_SCENARIO.meanCharge, minuteMs: MINUTE, durationMs: minutes * MINUTE, streamShare: QUOTA_SCENARIO.streamShare })
    .map((s) => ({ at: fromMs + s.at, charge: s.prompt + s.maxTokens }));
}

/** A tiny event loop in virtual time: events run in time order, ties in the order they were scheduled. */
class Clock {
  now = 0;
  private events: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  at(t: number, fn: () => void): void {
    this.events.push({ at: t, seq: this.seq++, fn });
  }
  run(): void {
    while (this.events.length) {
      let bi = 0;
      for (let i = 1; i < this.events.length; i++) {
        const e = this.events[i]!;
        const b = this.events[bi]!;
        if (e.at < b.at || (e.at === b.at && e.seq < b.seq)) bi = i;
      }
      const [e] = this.events.splice(bi, 1);
      this.now = e!.at;
      e!.fn();
    }
  }
}

interface Req { at: number; charge: number; attempts: number; counted: boolean; ok: boolean; admittedAt: number }

function replay(seed: number, load: number, minutes: number, warm: number, maxWaitMs: number, latency: number) {
  const clock = new Clock();
  const jitter = mulberry32(seed + 7);
  const sims = TPMS.map((tpm) => new QuotaLimiter({ tokensPerMinute: tpm }, 0));
  const targets: RouterTarget[] = TPMS.map((_, i) => ({ name: `q${i + 1}`, priority: 0, weight: i + 1, quotaKey: `q${i + 1}/d`, availableAt: 0 }));
  const router = new QuotaRouter<RouterTarget>({ maxWaitMs, minuteMs: MINUTE });
  const start = warm > 0 ? (warm + 1) * MINUTE : 0;
  const reqs: Req[] = [
    ...arrivals(seed + 99, 0.6, 0, warm).map((a) => ({ ...a, attempts: 0, counted: false, ok: false, admittedAt: NaN })),
    ...arrivals(seed, load, start, minutes).map((a) => ({ ...a, attempts: 0, counted: true, ok: false, admittedAt: NaN })),
  ];
  const waiting = new Map<number, { r: Req; tried: Set<string> }>();
  let upstream429 = 0;
  let pollAt = Infinity;

  const schedulePoll = (): void => {
    const w = router.nextWakeAt();
    if (w >= pollAt) return;
    pollAt = w;
    clock.at(Math.max(w, clock.now), () => {
      if (pollAt !== w) return;
      pollAt = Infinity;
      for (const { waiter, outcome } of router.poll(clock.now)) {
        const st = waiting.get(waiter.id)!;
        waiting.delete(waiter.id);
        settle(st.r, outcome, st.tried, waiter.deadline);
      }
      schedulePoll();
    });
  };
  const admit = (r: Req, tried: Set<string>, deadline: number | undefined): void => {
    const p = router.admit({ alias: 'gpt', charge: r.charge, deadline }, targets, clock.now, tried);
    if (p.kind === 'wait') {
      waiting.set(p.waiter.id, { r, tried });
      schedulePoll();
    } else settle(r, p, tried, deadline);
  };
  const attempt = (r: Req): void => {
    r.attempts++;
    admit(r, new Set(), undefined);
  };
  function settle(r: Req, p: Outcome<RouterTarget>, tried: Set<string>, deadline: number | undefined): void {
    if (p.kind === 'dispatch') {
      const sim = sims[targets.indexOf(p.target)]!;
      const verdict = sim.admit(r.charge, clock.now);
      const headers: Record<string, string> = sim.headers(clock.now);
      if (verdict.ok) {
        r.ok = true;
        r.admittedAt = clock.now;
        clock.at(clock.now + latency * (0.8 + 0.4 * jitter()), () => {
          router.observe(p.target, p.ticket, 200, headers, clock.now);
          schedulePoll();
        });
        return;
      }
      // Failover at once, as the proxy's attempt loop does, keeping the first deadline.
      upstream429++;
      if (verdict.retryAfterMs !== undefined) headers['retry-after-ms'] = String(verdict.retryAfterMs);
      router.observe(p.target, p.ticket, 429, headers, clock.now);
      tried.add(p.target.name);
      admit(r, tried, deadline);
      return;
    }
    if (r.attempts > MAX_RETRIES) return;
    // The openai SDK: retry-after-ms when 0 < it <= 60 s, else backoff 0.5 s x 2^n (<= 8 s) less up to 25 %.
    const ms = p.retryAfterMs;
    const wait = ms !== undefined && ms > 0 && ms <= 60_000 ? ms : Math.min(500 * 2 ** (r.attempts - 1), 8000) * (1 - jitter() * 0.25);
    clock.at(clock.now + wait, () => attempt(r));
  }

  for (const r of reqs) clock.at(r.at, () => attempt(r));
  clock.run();
  const counted = reqs.filter((r) => r.counted);
  const served = counted.filter((r) => r.ok);
  const sum = (list: Req[]): number => list.reduce((a, r) => a + r.charge, 0);
  const inCell = served.filter((r) => r.admittedAt <= start + minutes * MINUTE);
  return {
    seed, requests: counted.length, errors: counted.length - served.length, upstream429,
    offeredPctQuota: (100 * sum(counted)) / minutes / POOL_TPM,
    goodputPctQuota: (100 * sum(inCell)) / minutes / POOL_TPM,
    goodputPctOffered: (100 * sum(served)) / sum(counted),
  };
}

const load = Number(opt.load);
const runs = Array.from({ length: Number(opt.seeds) }, (_, i) =>
  replay(Number(opt.seed) + i, load, Number(opt.minutes), Number(opt.warm), Number(opt['max-wait']), Number(opt.latency)));
const f = (x: number): string => x.toFixed(1);
for (const r of runs) console.log(`seed ${r.seed}: ${r.requests} requests, offered ${f(r.offeredPctQuota)} % of quota; served ${f(r.goodputPctOffered)} % of it; quota used ${f(r.goodputPctQuota)} %; ${r.errors} client errors; ${r.upstream429} upstream 429s`);
const mean = (k: 'goodputPctOffered' | 'goodputPctQuota'): number => runs.reduce((a, r) => a + r[k], 0) / runs.length;
console.log(`load ${load * 100} %, ${runs.length} seeds: served ${f(mean('goodputPctOffered'))} % of the offered work (lowest ${f(Math.min(...runs.map((r) => r.goodputPctOffered)))}), quota used ${f(mean('goodputPctQuota'))} %, client errors ${runs.reduce((a, r) => a + r.errors, 0)} (at most ${Math.max(...runs.map((r) => r.errors))} in a run), upstream 429s ${runs.reduce((a, r) => a + r.upstream429, 0)}`);
