/**
 * The quota scenario (issue 10) and its arrivals: Poisson at `ratePerMin` per
 * `minuteMs` for `durationMs`, sizes drawn from a seeded generator (prompt
 * 200-6000 tokens, max_tokens 100-1500, a share streaming). One place, so the
 * benchmark (./quota.mjs, ./quotaClient.mjs) and its replay in virtual time
 * (../quotaReplay.ts) run the same deployments and draw exactly the same
 * requests for a seed.
 */

/** Time scale: a simulated minute lasts 3 s, so every quota period (1 s, 10 s) shrinks 20x too. */
export const QUOTA_SCENARIO = {
  timeScale: 20,
  tpms: [30_000, 60_000, 90_000],
  loads: [0.6, 0.9, 1.2],
  /** Mean charge of the size mix: prompt 200-6000 (mean 3100) + max_tokens 100-1500 (mean 800). */
  meanCharge: 3100 + 800,
  streamShare: 0.3,
  /** Per simulated request: before headers, and between the 8 SSE chunks (scaled like the quota). */
  latencyMs: 30,
  chunkDelayMs: 15,
};

/** A small seeded generator (mulberry32): the same sequence for a seed on every machine. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The requests of one cell, by offset from its start (ms), in order. */
export function arrivalSpecs({ seed, ratePerMin, minuteMs, durationMs, streamShare }) {
  const rnd = mulberry32(seed);
  const meanGapMs = minuteMs / ratePerMin;
  const specs = [];
  for (let t = -Math.log(1 - rnd()) * meanGapMs; t < durationMs; t += -Math.log(1 - rnd()) * meanGapMs) {
    specs.push({ at: t, prompt: 200 + Math.floor(rnd() * 5801), maxTokens: 100 + Math.floor(rnd() * 1401), stream: rnd() < streamShare });
  }
  return specs;
}
