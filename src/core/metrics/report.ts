/**
 * `GET /_pool/metrics` as JSON, and the data the dashboard draws: per
 * backend and deployment, rates and percentiles per 5-second bucket over the
 * last 15 minutes, the last minute's figures, totals since start, the token
 * limit and where it comes from, and the health state with its reason.
 * Built on demand from the fixed series; nothing here runs per request.
 */
import type { BackendSnapshot, BackendStatus, DeploymentStatus } from '../balancer/health';
import type { BackendConfig } from '../config/types';
import { BINS, LATENCY_BOUNDS_MS, addBins, quantile } from './histogram';
import { OTHER, type PoolMetrics } from './recorder';
import { BUCKET_MS, F, FIELDS, SLOTS, type Series } from './series';

/** The config facts the report needs: aliases, and configured or discovered capacity (`deploymentInfo[alias].tpm`). */
export type ReportBackendConfig = Pick<BackendConfig, 'name' | 'deployments' | 'deploymentInfo'>;

export interface HistogramJson {
  count: number;
  sumMs: number;
  /** Samples per bin (not cumulative); bin i holds durations <= latencyBoundsMs[i], the last bin the rest. */
  bins: number[];
}

export interface TotalsJson {
  requests: number;
  ok: number;
  throttled: number;
  clientErrors: number;
  serverErrors: number;
  transportErrors: number;
  tokens: number;
  promptTokens: number;
  completionTokens: number;
  latency: HistogramJson;
  ttfb: HistogramJson;
}

/** The last minute (or less, right after start). */
export interface CurrentJson {
  windowSec: number;
  requests: number;
  requestsPerSec: number;
  tokensPerMin: number;
  throttled: number;
  errors: number;
  p50Ms: number | null;
  p95Ms: number | null;
  ttfbP50Ms: number | null;
  ttfbP95Ms: number | null;
}

/** One value per bucket, aligned with `MetricsJson.times`; null where there was no sample. */
export interface SeriesJson {
  requestsPerSec: number[];
  tokensPerMin: number[];
  /** 429s in the bucket. */
  throttled: number[];
  /** 5xx, 408 and transport errors in the bucket. */
  errors: number[];
  p50Ms: (number | null)[];
  p95Ms: (number | null)[];
  ttfbP50Ms: (number | null)[];
  ttfbP95Ms: (number | null)[];
  /** The deployment's own count of the rolling minute (limit - remaining from its headers). */
  usedTokensPerMin: (number | null)[];
}

export interface GroupJson {
  totals: TotalsJson;
  current: CurrentJson;
  series?: SeriesJson;
}

export interface DeploymentJson extends GroupJson {
  deployment: string;
  alias: string | undefined;
  status: DeploymentStatus;
  cooldownUntil: number;
  /** Tokens per minute the deployment allows: from its `x-ratelimit-limit-tokens`, the config (`tpm`), or unknown. */
  limit: { tokensPerMin: number | null; source: 'header' | 'config' | 'unknown' };
  /** The latest `limit - remaining` the deployment reported. */
  usedTokensPerMin: number | null;
}

export interface BackendJson extends GroupJson {
  name: string;
  status: BackendStatus | 'other';
  reason: string | undefined;
  priority: number;
  weight: number;
  enabled: boolean;
  cooldownUntil: number;
  ejectedUntil: number;
  deployments: DeploymentJson[];
}

export interface MetricsJson {
  now: number;
  /** When recording began (the proxy's start): series before it are zeros for want of data, not for want of traffic. */
  since: number;
  bucketMs: number;
  /** Start of each bucket (epoch ms), oldest first; the last one is still filling. */
  times: number[];
  latencyBoundsMs: readonly number[];
  /** The pool as its clients see it: the status they got, the whole request's time. */
  pool: GroupJson;
  backends: BackendJson[];
}

export interface ReportOptions {
  /** Seconds of series to include (5..900, default 900); 0 leaves the series out. */
  windowSec?: number;
}

/** Builds the metrics report. `snapshots` give the state and reason; `backends` the aliases and configured capacity. */
export function metricsReport(m: PoolMetrics, snapshots: readonly BackendSnapshot[], backends: readonly ReportBackendConfig[], now = Date.now(), opts: ReportOptions = {}): MetricsJson {
  const points = opts.windowSec === 0 ? 0 : Math.max(1, Math.min(SLOTS, Math.ceil((opts.windowSec ?? SLOTS * BUCKET_MS / 1000) * 1000 / BUCKET_MS)));
  const frame = new Frame(now, m.createdAt, points);
  const all = m.series();
  const configs = new Map(backends.map((b) => [b.name, b]));
  const out: BackendJson[] = [];
  const listed = new Set<string>();
  for (const snap of snapshots) {
    listed.add(snap.name);
    const mine = all.filter((s) => s.backend === snap.name);
    const deps = deploymentsOf(snap, mine, configs.get(snap.name), frame);
    out.push({
      name: snap.name, status: snap.status, reason: snap.reason, priority: snap.priority, weight: snap.weight, enabled: snap.enabled,
      cooldownUntil: snap.cooldownUntil, ejectedUntil: snap.ejectedUntil, ...frame.group(mine), deployments: deps,
    });
  }
  // Backends removed by a reload keep their series until they age out; the (other) series holds the overflow.
  const gone = all.filter((s) => !listed.has(s.backend));
  for (const name of [...new Set(gone.map((s) => s.backend))]) {
    const mine = gone.filter((s) => s.backend === name);
    out.push({
      name, status: name === OTHER ? 'other' : 'disabled', reason: name === OTHER ? `more than the ${all.length - 1} deployments kept` : 'no longer in the config',
      priority: 0, weight: 0, enabled: false, cooldownUntil: 0, ejectedUntil: 0, ...frame.group(mine),
      deployments: mine.map((s) => ({ deployment: s.deployment, alias: s.alias, status: 'unknown', cooldownUntil: 0, ...limitOf(s, undefined), ...frame.group([s]) })),
    });
  }
  return { now, since: m.createdAt, bucketMs: BUCKET_MS, times: frame.times(), latencyBoundsMs: LATENCY_BOUNDS_MS, pool: frame.group([m.pool]), backends: out };
}

function deploymentsOf(snap: BackendSnapshot, series: Series[], config: ReportBackendConfig | undefined, frame: Frame): DeploymentJson[] {
  const out: DeploymentJson[] = [];
  const seen = new Set<string>();
  for (const d of snap.deployments) {
    seen.add(d.deployment);
    const s = series.find((x) => x.deployment === d.deployment);
    out.push({
      deployment: d.deployment, alias: d.alias, status: d.status, cooldownUntil: d.cooldownUntil,
      ...limitOf(s, config?.deploymentInfo[d.alias]?.tpm), ...frame.group(s ? [s] : []),
    });
  }
  for (const s of series) {
    if (seen.has(s.deployment)) continue;
    out.push({ deployment: s.deployment, alias: s.alias, status: 'unknown', cooldownUntil: 0, ...limitOf(s, undefined), ...frame.group([s]) });
  }
  return out;
}

function limitOf(s: Series | undefined, configured: number | undefined): Pick<DeploymentJson, 'limit' | 'usedTokensPerMin'> {
  const header = s && !Number.isNaN(s.lastLimitTokens) ? s.lastLimitTokens : undefined;
  const used = s && header !== undefined && !Number.isNaN(s.lastRemainingTokens) ? Math.max(0, header - s.lastRemainingTokens) : null;
  if (header !== undefined) return { limit: { tokensPerMin: header, source: 'header' }, usedTokensPerMin: used };
  if (configured !== undefined) return { limit: { tokensPerMin: configured, source: 'config' }, usedTokensPerMin: used };
  return { limit: { tokensPerMin: null, source: 'unknown' }, usedTokensPerMin: used };
}

/** The buckets a report covers, and the sums over them. */
class Frame {
  private readonly last: number;
  /** Seconds of data in the bucket still filling (at least 1, so a fresh bucket is not divided by zero). */
  private readonly partialSec: number;

  constructor(
    private readonly now: number,
    private readonly since: number,
    private readonly points: number,
  ) {
    this.last = Math.floor(now / BUCKET_MS);
    this.partialSec = Math.max(1, (now - Math.max(this.last * BUCKET_MS, since)) / 1000);
  }

  times(): number[] {
    return Array.from({ length: this.points }, (_, i) => (this.last - this.points + 1 + i) * BUCKET_MS);
  }

  group(series: readonly Series[]): GroupJson {
    const g: GroupJson = { totals: totalsOf(series), current: this.current(series) };
    if (this.points > 0) g.series = this.series(series);
    return g;
  }

  private current(series: readonly Series[]): CurrentJson {
    const buckets = Math.min(SLOTS, 60_000 / BUCKET_MS);
    const sums = new Float64Array(FIELDS);
    const lat = new Float64Array(BINS);
    const ttfb = new Float64Array(BINS);
    for (const s of series) {
      for (let b = this.last - buckets + 1; b <= this.last; b++) {
        const slot = s.slotOf(b);
        if (slot < 0) continue;
        for (let f = 0; f < FIELDS; f++) sums[f]! += s.counts[slot * FIELDS + f]!;
        addBins(lat, s.latency, slot * BINS);
        addBins(ttfb, s.ttfb, slot * BINS);
      }
    }
    const start = Math.max(this.since, (this.last - buckets + 1) * BUCKET_MS);
    const windowSec = Math.max(1, (this.now - start) / 1000);
    return {
      windowSec: Math.round(windowSec), requests: sums[F.requests]!, requestsPerSec: round(sums[F.requests]! / windowSec),
      tokensPerMin: Math.round((sums[F.tokens]! * 60) / windowSec), throttled: sums[F.throttled]!,
      errors: sums[F.serverErrors]! + sums[F.transportErrors]!,
      p50Ms: ms(quantile(lat, 0.5)), p95Ms: ms(quantile(lat, 0.95)), ttfbP50Ms: ms(quantile(ttfb, 0.5)), ttfbP95Ms: ms(quantile(ttfb, 0.95)),
    };
  }

  private series(series: readonly Series[]): SeriesJson {
    const n = this.points;
    const out: SeriesJson = {
      requestsPerSec: [], tokensPerMin: [], throttled: [], errors: [], p50Ms: [], p95Ms: [], ttfbP50Ms: [], ttfbP95Ms: [], usedTokensPerMin: [],
    };
    const sums = new Float64Array(FIELDS);
    const lat = new Float64Array(BINS);
    const ttfb = new Float64Array(BINS);
    for (let i = 0; i < n; i++) {
      const b = this.last - n + 1 + i;
      sums.fill(0);
      lat.fill(0);
      ttfb.fill(0);
      let used: number | null = null;
      for (const s of series) {
        const slot = s.slotOf(b);
        if (slot < 0) continue;
        for (let f = 0; f < FIELDS; f++) sums[f]! += s.counts[slot * FIELDS + f]!;
        addBins(lat, s.latency, slot * BINS);
        addBins(ttfb, s.ttfb, slot * BINS);
        const limit = s.limitTokens[slot]!;
        const remaining = s.remainingTokens[slot]!;
        if (!Number.isNaN(limit) && !Number.isNaN(remaining)) used = (used ?? 0) + Math.max(0, limit - remaining);
      }
      const sec = b === this.last ? this.partialSec : BUCKET_MS / 1000;
      out.requestsPerSec.push(round(sums[F.requests]! / sec));
      out.tokensPerMin.push(Math.round((sums[F.tokens]! * 60) / sec));
      out.throttled.push(sums[F.throttled]!);
      out.errors.push(sums[F.serverErrors]! + sums[F.transportErrors]!);
      out.p50Ms.push(ms(quantile(lat, 0.5)));
      out.p95Ms.push(ms(quantile(lat, 0.95)));
      out.ttfbP50Ms.push(ms(quantile(ttfb, 0.5)));
      out.ttfbP95Ms.push(ms(quantile(ttfb, 0.95)));
      out.usedTokensPerMin.push(used);
    }
    return out;
  }
}

function totalsOf(series: readonly Series[]): TotalsJson {
  const t = new Float64Array(FIELDS);
  const lat = new Float64Array(BINS);
  const ttfb = new Float64Array(BINS);
  let latSum = 0;
  let ttfbSum = 0;
  for (const s of series) {
    for (let f = 0; f < FIELDS; f++) t[f]! += s.totals[f]!;
    addBins(lat, s.latencyTotal);
    addBins(ttfb, s.ttfbTotal);
    latSum += s.latencySumMs;
    ttfbSum += s.ttfbSumMs;
  }
  const hist = (bins: Float64Array, sum: number): HistogramJson => ({ count: bins.reduce((a, b) => a + b, 0), sumMs: Math.round(sum), bins: [...bins] });
  return {
    requests: t[F.requests]!, ok: t[F.ok]!, throttled: t[F.throttled]!, clientErrors: t[F.clientErrors]!, serverErrors: t[F.serverErrors]!,
    transportErrors: t[F.transportErrors]!, tokens: t[F.tokens]!, promptTokens: t[F.promptTokens]!, completionTokens: t[F.completionTokens]!,
    latency: hist(lat, latSum), ttfb: hist(ttfb, ttfbSum),
  };
}

function ms(v: number | undefined): number | null {
  return v === undefined ? null : Math.round(v * 10) / 10;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
