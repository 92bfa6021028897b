/**
 * One time series: the last 15 minutes of one backend deployment (or of the
 * pool as clients see it) in 5-second buckets, kept in fixed-size typed
 * arrays that are allocated once. A bucket's slot is reused when its time
 * comes round again, so memory never grows with traffic, and recording is a
 * handful of array writes.
 */
import { BINS, binOf } from './histogram';

/** Width of one time bucket. */
export const BUCKET_MS = 5_000;
/** Buckets kept: 15 minutes. */
export const SLOTS = 180;

/** Counter fields, per bucket and in the running totals. */
export const F = {
  requests: 0,
  /** 1xx-3xx */
  ok: 1,
  throttled: 2,
  /** 4xx other than 429: the caller's mistake, or a deployment that does not exist. */
  clientErrors: 3,
  /** 5xx and 408 */
  serverErrors: 4,
  /** No HTTP answer: connect errors, resets, timeouts, a body cut short. */
  transportErrors: 5,
  /** Tokens the responses reported (`usage.total_tokens`). */
  tokens: 6,
  promptTokens: 7,
  completionTokens: 8,
} as const;
export const FIELDS = 9;

/**
 * What one attempt (or one request, for the pool's series) contributes.
 * Whole numbers, -1 for "unknown": V8 keeps small integers in the object
 * itself, where a double or NaN field would cost a heap box per sample.
 */
export interface Sample {
  /** HTTP status; 0 when no answer came (transport error). */
  readonly status: number;
  /** Whether the attempt failed after its status line (a body cut short): counted as a transport error. */
  readonly broken: boolean;
  /** Microseconds until the response ended, or until the status line for answers that were not relayed. */
  readonly latencyUs: number;
  /** Microseconds until the first body byte; -1 when none was relayed. */
  readonly ttfbUs: number;
  /** Token usage from the response; -1 when unknown. */
  readonly totalTokens: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** `x-ratelimit-limit-tokens` / `-remaining-tokens` of the answer; -1 when absent. */
  readonly limitTokens: number;
  readonly remainingTokens: number;
}

export class Series {
  /** Bucket number (epoch ms / BUCKET_MS) each slot holds; -1 = never used. */
  readonly stamp = new Float64Array(SLOTS).fill(-1);
  readonly counts = new Float64Array(SLOTS * FIELDS);
  readonly latency = new Uint32Array(SLOTS * BINS);
  readonly ttfb = new Uint32Array(SLOTS * BINS);
  /** Last `x-ratelimit-limit-tokens` and `-remaining-tokens` seen in each bucket (NaN = none). */
  readonly limitTokens = new Float64Array(SLOTS).fill(NaN);
  readonly remainingTokens = new Float64Array(SLOTS).fill(NaN);

  /** Since the series was created: Prometheus counters and histograms. */
  readonly totals = new Float64Array(FIELDS);
  readonly latencyTotal = new Float64Array(BINS);
  readonly ttfbTotal = new Float64Array(BINS);
  /** Sums of latency and of time to first byte, in ms (typed arrays: no number box per update). */
  private readonly sums = new Float64Array(2);
  /** The most recent `x-ratelimit-limit-tokens` and `-remaining-tokens`, whenever they came (NaN = never). */
  private readonly lastTokens = new Float64Array([NaN, NaN]);
  /** Epoch ms of the last sample (series nobody used for long are the first to be reused). */
  private readonly last = new Float64Array(1);

  constructor(
    readonly backend: string,
    readonly deployment: string,
    /** The alias clients asked for the first time this series was used (a label). */
    public alias: string | undefined,
  ) {}

  get latencySumMs(): number {
    return this.sums[0]!;
  }

  get ttfbSumMs(): number {
    return this.sums[1]!;
  }

  get lastLimitTokens(): number {
    return this.lastTokens[0]!;
  }

  get lastRemainingTokens(): number {
    return this.lastTokens[1]!;
  }

  get lastAt(): number {
    return this.last[0]!;
  }

  record(now: number, s: Sample): void {
    this.last[0] = now;
    const slot = this.slot(now);
    const base = slot * FIELDS;
    const field = s.status === 0 || s.broken ? F.transportErrors
      : s.status === 429 ? F.throttled
        : s.status >= 500 || s.status === 408 ? F.serverErrors
          : s.status >= 400 ? F.clientErrors : F.ok;
    this.counts[base + F.requests]! += 1;
    this.counts[base + field]! += 1;
    this.totals[F.requests]! += 1;
    this.totals[field]! += 1;
    if (s.totalTokens >= 0) {
      this.add(base, F.tokens, s.totalTokens);
      if (s.promptTokens >= 0) this.add(base, F.promptTokens, s.promptTokens);
      if (s.completionTokens >= 0) this.add(base, F.completionTokens, s.completionTokens);
    }
    const lb = binOf(s.latencyUs / 1000);
    this.latency[slot * BINS + lb]! += 1;
    this.latencyTotal[lb]! += 1;
    this.sums[0]! += s.latencyUs / 1000;
    if (s.ttfbUs >= 0) {
      const tb = binOf(s.ttfbUs / 1000);
      this.ttfb[slot * BINS + tb]! += 1;
      this.ttfbTotal[tb]! += 1;
      this.sums[1]! += s.ttfbUs / 1000;
    }
    if (s.limitTokens >= 0) this.limitTokens[slot] = this.lastTokens[0] = s.limitTokens;
    if (s.remainingTokens >= 0) this.remainingTokens[slot] = this.lastTokens[1] = s.remainingTokens;
  }

  /** The slot of bucket `bucket` if it still holds that bucket's data, else -1. */
  slotOf(bucket: number): number {
    const slot = bucket % SLOTS;
    return this.stamp[slot] === bucket ? slot : -1;
  }

  private add(base: number, field: number, n: number): void {
    this.counts[base + field]! += n;
    this.totals[field]! += n;
  }

  /** The slot for `now`, cleared first when it still holds a bucket from 15 minutes ago. */
  private slot(now: number): number {
    const bucket = Math.floor(now / BUCKET_MS);
    const slot = bucket % SLOTS;
    if (this.stamp[slot] !== bucket) {
      this.stamp[slot] = bucket;
      this.counts.fill(0, slot * FIELDS, (slot + 1) * FIELDS);
      this.latency.fill(0, slot * BINS, (slot + 1) * BINS);
      this.ttfb.fill(0, slot * BINS, (slot + 1) * BINS);
      this.limitTokens[slot] = NaN;
      this.remainingTokens[slot] = NaN;
    }
    return slot;
  }
}
