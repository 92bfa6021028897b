import { describe, expect, it } from 'vitest';
import { BUCKET_MS, F, SLOTS, Series, type Sample } from '../../../src/core/metrics/series';
import { MAX_SERIES, OTHER, PoolMetrics, RECENT_REQUESTS } from '../../../src/core/metrics/recorder';
import { RequestRing } from '../../../src/core/metrics/ring';
import { metricsReport } from '../../../src/core/metrics/report';
import { Trace } from '../../../src/core/metrics/trace';
import type { RequestRecord } from '../../../src/core/events';
import { validateConfig } from '../../../src/core/config/validate';

const sample = (status: number, latencyMs = 10, extra: Partial<Sample> = {}): Sample => ({
  status, broken: false, latencyUs: latencyMs * 1000, ttfbUs: -1, totalTokens: -1, promptTokens: -1, completionTokens: -1, limitTokens: -1, remainingTokens: -1, ...extra,
});

const record = (id: number, status = 200): RequestRecord => ({
  id: String(id), method: 'POST', route: '/', alias: 'gpt-4o', backend: 'a', attempts: 1, status, ms: 5, failovers: [], stream: false, error: undefined,
  at: 0, requestBytes: 0, responseBytes: 0, tokens: undefined, timeline: [],
});

describe('Series', () => {
  it('counts each answer in its bucket and class, and in the totals', () => {
    const s = new Series('a', 'd', 'd');
    const t = 1_000 * BUCKET_MS;
    s.record(t, sample(200, 10, { totalTokens: 30, promptTokens: 20, completionTokens: 10, limitTokens: 1000, remainingTokens: 400 }));
    s.record(t + 1, sample(429));
    s.record(t + 2, sample(503));
    s.record(t + 3, sample(0));
    s.record(t + 4, sample(200, 10, { broken: true }));
    const slot = s.slotOf(1_000);
    const at = (f: number) => s.counts[slot * 9 + f];
    expect([at(F.requests), at(F.ok), at(F.throttled), at(F.serverErrors), at(F.transportErrors), at(F.tokens)]).toEqual([5, 1, 1, 1, 2, 30]);
    expect(s.totals[F.requests]).toBe(5);
    expect([s.lastLimitTokens, s.lastRemainingTokens]).toEqual([1000, 400]);
  });

  it('keeps 15 minutes: a bucket\'s slot is cleared when its time comes round again', () => {
    const s = new Series('a', 'd', 'd');
    const t = 2_000 * BUCKET_MS;
    s.record(t, sample(200));
    expect(s.slotOf(2_000)).toBeGreaterThanOrEqual(0);
    s.record(t + SLOTS * BUCKET_MS, sample(429));
    expect(s.slotOf(2_000)).toBe(-1);
    const slot = s.slotOf(2_000 + SLOTS);
    expect(s.counts[slot * 9 + F.requests]).toBe(1);
    expect(s.counts[slot * 9 + F.ok]).toBe(0);
    // The totals are since start.
    expect(s.totals[F.requests]).toBe(2);
  });
});

describe('PoolMetrics memory bounds', () => {
  it(`keeps at most ${MAX_SERIES} deployment series however many model names clients invent; the rest share (other)`, () => {
    const m = new PoolMetrics();
    const now = Date.now();
    for (let i = 0; i < MAX_SERIES * 3; i++) m.get('passthrough', `made-up-${i}`, `made-up-${i}`, now).record(now, sample(404));
    const all = m.series();
    expect(all.length).toBe(MAX_SERIES + 1);
    const other = all.find((s) => s.backend === OTHER)!;
    expect(other.totals[F.requests]).toBe(MAX_SERIES * 2);
    // A series unused for the whole window gives its place to a new one.
    const later = now + (SLOTS + 1) * BUCKET_MS;
    m.get('passthrough', 'fresh', 'fresh', later).record(later, sample(200));
    expect(m.series().some((s) => s.deployment === 'fresh')).toBe(true);
    expect(m.series().length).toBe(MAX_SERIES + 1);
  });

  it(`keeps the last ${RECENT_REQUESTS} requests`, () => {
    const m = new PoolMetrics();
    const pool = { backends: [] };
    for (let i = 1; i <= RECENT_REQUESTS + 100; i++) {
      m.finish(record(i), new Trace(), 0, 0, pool, undefined, false, (t) => t);
    }
    const list = m.requests.list();
    expect(list).toHaveLength(RECENT_REQUESTS);
    expect(list[0]!.id).toBe(String(RECENT_REQUESTS + 100));
    expect(list.at(-1)!.id).toBe('101');
    expect(m.requests.total).toBe(RECENT_REQUESTS + 100);
  });
});

describe('RequestRing filters', () => {
  it('lists newest first, by limit, after an id, status class, alias and backend', () => {
    const ring = new RequestRing(4);
    for (let i = 1; i <= 6; i++) ring.push({ ...record(i, i % 2 ? 200 : 429), alias: i === 6 ? 'other' : 'gpt-4o' });
    expect(ring.list().map((r) => r.id)).toEqual(['6', '5', '4', '3']);
    expect(ring.list({ limit: 2 }).map((r) => r.id)).toEqual(['6', '5']);
    expect(ring.list({ after: 4 }).map((r) => r.id)).toEqual(['6', '5']);
    expect(ring.list({ status: '429' }).map((r) => r.id)).toEqual(['6', '4']);
    expect(ring.list({ status: '4xx' }).map((r) => r.id)).toEqual(['6', '4']);
    expect(ring.list({ status: 'error' }).map((r) => r.id)).toEqual(['6', '4']);
    expect(ring.list({ alias: 'other' }).map((r) => r.id)).toEqual(['6']);
    expect(ring.list({ backend: 'nobody' })).toEqual([]);
  });
});

describe('metricsReport', () => {
  it('takes the token limit from the headers, else the configured tpm, else says unknown', () => {
    const m = new PoolMetrics();
    const now = Date.now();
    m.get('a', 'dep-a', 'gpt-4o', now).record(now, sample(200, 10, { limitTokens: 30_000, remainingTokens: 29_000 }));
    m.get('b', 'dep-b', 'gpt-4o', now).record(now, sample(200));
    m.get('c', 'dep-c', 'gpt-4o', now).record(now, sample(200));
    const snap = (name: string, deployment: string) => ({
      name, endpoint: 'http://127.0.0.1:1', priority: 1, weight: 1, auth: 'apiKey' as const, enabled: true, status: 'healthy' as const, reason: undefined,
      cooldownUntil: 0, ejectedUntil: 0, latencyMs: undefined, lastStatus: undefined, lastError: undefined, lastErrorAt: undefined, remainingRequests: undefined,
      remainingTokens: undefined, requests: 0, failures: 0, throttled: 0, consecutiveFailures: 0, lastProbeAt: undefined,
      deployments: [{ alias: 'gpt-4o', deployment, status: 'healthy' as const, cooldownUntil: 0, lastStatus: undefined, requests: 0 }],
    });
    // Capacity as a config states it (or discovery writes it): the validated config's deploymentInfo.
    const config = validateConfig({ backends: [
      { name: 'a', endpoint: 'http://127.0.0.1:1', deployments: { 'gpt-4o': { deployment: 'dep-a', tpm: 1 } } },
      { name: 'b', endpoint: 'http://127.0.0.1:2', deployments: { 'gpt-4o': { deployment: 'dep-b', tpm: 450_000 } } },
      { name: 'c', endpoint: 'http://127.0.0.1:3', deployments: { 'gpt-4o': 'dep-c' } },
    ] });
    if (!config.ok) throw new Error(JSON.stringify(config.errors));
    const report = metricsReport(m, [snap('a', 'dep-a'), snap('b', 'dep-b'), snap('c', 'dep-c')], config.config.backends, now, { windowSec: 60 });
    const dep = (name: string) => report.backends.find((b) => b.name === name)!.deployments[0]!;
    expect(dep('a').limit).toEqual({ tokensPerMin: 30_000, source: 'header' });
    expect(dep('a').usedTokensPerMin).toBe(1_000);
    expect(dep('b').limit).toEqual({ tokensPerMin: 450_000, source: 'config' });
    expect(dep('c').limit).toEqual({ tokensPerMin: null, source: 'unknown' });
    expect(report.times).toHaveLength(12);
    expect(dep('a').series!.usedTokensPerMin.at(-1)).toBe(1_000);
  });
});
