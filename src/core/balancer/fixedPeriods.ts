/**
 * Azure's own view of a deployment's quota, once its minute boundary is
 * learned (issue 10). Azure counts tokens in fixed periods (the minute, and
 * 10 s periods within it; src/core/simulator/quota.ts has the sources);
 * sliding windows (./slidingWindows.ts) are safe wherever those periods
 * start, but hold back work a fixed period would take: right after a
 * boundary Azure has a whole new budget, while a sliding window still holds
 * the previous period's tail. (In the replay of issue 10's benchmark,
 * bench/quotaReplay.ts, at 90 % load: about half of the gain from 93.5 % to
 * 99 % of the offered work served, the rest from ./refusals.ts.)
 *
 * The boundary is learned from `x-ratelimit-remaining-tokens` (./quotaPhase.ts
 * keeps the estimate; `learn` here does the matching) and known only to an
 * interval [lo, hi]. Every use is on the safe side of it: period `k` counts
 * from `hi + k * period` (the latest it can start: only then is its budget
 * sure to be there), and holds every charge sent from `lo + k * period`
 * less the admission slack (the earliest a charge can land in it). The 10 s
 * periods are taken to start with the minute, as they do in the simulator;
 * a refusal the learned periods did not predict drops the boundary
 * (`refused`), and a deployment that keeps contradicting it is left to the
 * sliding windows for good.
 *
 * Pure: every method takes the time; no timers.
 */
import { MinutePhase, type Boundary } from './quotaPhase';
import { BUCKETS_PER_MINUTE, RING, type SlidingWindows } from './slidingWindows';

const TEN_SECONDS_PER_MINUTE = 6;
/** A fixed 10 s period holding no more than this is empty (sums of charges and their releases leave float dust). */
const EMPTY = 1e-6;
/**
 * How far the proxy's charges for a minute may exceed Azure's count and still
 * place its boundary: our estimates are never below Azure's (./estimate.ts),
 * and above it by the JSON syntax counted as prompt, well under 1 %.
 */
const MATCH_TOLERANCE = 1.02;

/** The sum of every bucket from `from` (the earliest start of period `k`), kept running until the period changes. */
interface FixedTrack {
  readonly period: number;
  k: number;
  from: number;
  tokens: number;
}

export class FixedPeriods {
  private readonly phase: MinutePhase;
  private readonly ten: FixedTrack;
  private readonly minute: FixedTrack;
  /** The boundary the tracks were computed for. */
  private trackedFor: Boundary | undefined;
  /** A charge sent this close before a boundary may land on either side (./slidingWindows.ts); one landing later costs a 429, and the boundary is learned again. */
  private readonly slackMs: number;
  private lastLearnAt = -Infinity;

  constructor(private readonly ring: SlidingWindows) {
    const minuteMs = ring.minuteMs;
    this.phase = new MinutePhase(minuteMs);
    this.ten = { period: minuteMs / TEN_SECONDS_PER_MINUTE, k: NaN, from: Infinity, tokens: 0 };
    this.minute = { period: minuteMs, k: NaN, from: Infinity, tokens: 0 };
    this.slackMs = ring.slackMs;
  }

  /** The learned boundary while it is trusted and narrower than a 10 s period; undefined otherwise. */
  boundary(): Boundary | undefined {
    const b = this.phase.boundary;
    if (!b || b.hi - b.lo + this.slackMs >= this.ten.period) return undefined;
    if (b !== this.trackedFor) {
      this.trackedFor = b;
      this.ten.k = this.minute.k = NaN;
    }
    return b;
  }

  /** A charge (or a release, negative) was added to bucket `b` of the ring. */
  added(b: number, tokens: number): void {
    if (b >= this.ten.from) this.ten.tokens += tokens;
    if (b >= this.minute.from) this.minute.tokens += tokens;
  }

  /** Tokens that fit now in the fixed 10 s and minute periods (the ring is at `now`). */
  headroom(b: Boundary, tpm: number, share: number, now: number): number {
    return Math.min(tpm - this.used(this.minute, b, now), share - this.used(this.ten, b, now));
  }

  /**
   * When `tokens` fit the fixed 10 s and minute periods: now, or the first
   * period start (up to the next minute's) at which they do, counting what
   * was already sent into those periods' early edge. A request larger than
   * the 10 s share needs an empty 10 s period, as at Azure.
   */
  fitAt(b: Boundary, tpm: number, share: number, tokens: number, now: number): number {
    const fits = (ten: number, minute: number): boolean => minute + tokens <= tpm && (tokens > share ? ten <= EMPTY : ten + tokens <= share);
    const minute = this.used(this.minute, b, now);
    if (fits(this.used(this.ten, b, now), minute)) return now;
    const period = this.ten.period;
    // The next minute starts with this 10 s period (both count from b.hi).
    const nextMinute = (this.minute.k + 1) * TEN_SECONDS_PER_MINUTE;
    for (let k = this.ten.k + 1; k <= nextMinute; k++) {
      const m = k === nextMinute ? this.ring.sumFrom(this.from(b, this.minute.period, this.minute.k + 1)) : minute;
      if (fits(this.ring.sumFrom(this.from(b, period, k)), m)) return b.hi + k * period;
    }
    return b.hi + (nextMinute + 1) * period;
  }

  /**
   * Places the start of Azure's minute from one answer: Azure says it has
   * counted `used` tokens this minute, up to and including the request sent
   * at `sentAt`. Walking back from there through what the proxy sent, the
   * minute started after the newest charge that no longer fits in `used`
   * and no later than the oldest one that does (plus the slack). Nothing is
   * learned when the charges do not add up to Azure's count (someone else
   * spends this quota, or the estimates differ), nor when other requests
   * share this one's bucket (Azure may have counted them or not).
   * The walk covers up to a minute of buckets: at most ten times a second.
   */
  learn(used: number, sentAt: number, now: number): void {
    const ring = this.ring;
    if (now - this.lastLearnAt < ring.minuteMs / 600 || this.phase.givenUp) return;
    this.lastLearnAt = now;
    const top = ring.bucketOf(sentAt);
    if (used < 1 || top > ring.head || ring.head - top >= RING - BUCKETS_PER_MINUTE || ring.requests[ring.slot(top)]! > 1.5) return;
    const stop = top - BUCKETS_PER_MINUTE;
    let sum = 0;
    let x = top;
    for (; x > stop; x--) {
      const v = ring.tokens[ring.slot(x)]!;
      if (v > 0 && (sum += v) >= used - 0.5) break;
    }
    // Several requests in the oldest bucket counted: Azure may have counted some of them only.
    if (x <= stop || sum > used * MATCH_TOLERANCE + 1 || ring.requests[ring.slot(x)]! > 1.5) return;
    const hi = ring.lastAt[ring.slot(x)]! + this.slackMs;
    let lo = sentAt - ring.minuteMs;
    for (let y = x - 1; y > stop; y--) {
      const s = ring.slot(y);
      if (ring.tokens[s]! > 0) {
        lo = ring.lastAt[s]!;
        break;
      }
    }
    this.phase.learn(lo, hi);
  }

  /** Azure refused a request: if the learned periods said it fits, they are wrong somewhere; learn again. */
  refused(): void {
    if (this.boundary()) this.phase.conflict();
  }

  /** Tokens in the fixed period of `t` that holds `now` (the ring is at `now`). */
  private used(t: FixedTrack, b: Boundary, now: number): number {
    const k = Math.floor((now - b.hi) / t.period);
    if (k !== t.k) {
      t.k = k;
      t.from = this.from(b, t.period, k);
      t.tokens = this.ring.sumFrom(t.from);
    }
    return t.tokens;
  }

  /** The first bucket of period `k`: its earliest possible start, less the slack. */
  private from(b: Boundary, period: number, k: number): number {
    return this.ring.bucketOf(b.lo + k * period - this.slackMs);
  }
}
