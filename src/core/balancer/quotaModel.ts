/**
 * The proxy's local picture of one deployment's quota (issue 10): what it
 * has sent there and been charged, checked against the same limits Azure
 * applies (tokens per minute and per 10 s, requests per minute and per 1 s;
 * see src/core/simulator/quota.ts for the sources), and corrected by the
 * `x-ratelimit-*` headers of every answer.
 *
 * Azure counts in fixed periods whose boundaries we cannot see; we count in
 * sliding windows of the same length and budget. A sliding window never holds
 * less than the fixed period that ends inside it, so "fits here" implies
 * "fits there", while the long-run rate allowed is the same.
 *
 * Limits come from the config (`tpm`/`rpm` of a deployment) and from
 * `x-ratelimit-limit-*` (which wins: Azure may lower a limit for a while).
 * With no limit known the model has no information and says "fits": the
 * request goes, and its answer teaches the limit.
 *
 * Pure: every method takes `now`; no timers.
 */
import { parseRemaining, type HeaderBag } from './throttle';

export interface QuotaLimits {
  tokensPerMinute?: number;
  requestsPerMinute?: number;
}

export interface QuotaModelOptions {
  /** Length of a minute in ms (default 60000; shorter against a time-scaled simulator). */
  minuteMs?: number;
}

/** What the views show: limits and what remains now (undefined = unknown). */
export interface QuotaSnapshot {
  limitTokens: number | undefined;
  limitRequests: number | undefined;
  /** Tokens that could be sent now: the tighter of the minute and the 10 s window. */
  remainingTokens: number | undefined;
  remainingRequests: number | undefined;
}

/**
 * Time is cut into buckets of a 6000th of the minute (10 ms; 0.5 ms in a
 * 20x scaled minute), each holding the tokens and requests charged in it and
 * the latest time of any of them: a charge leaves a window when that latest
 * time does, so a lone charge ages out exactly, and one that shares its
 * bucket with a later one at most a bucket late (never early). Memory is
 * fixed whatever the request rate (a list of every charge held 600,000
 * objects at 10,000 requests a second: 40 MB and the collector's time), and
 * each window keeps a running sum, so a request costs O(1) until something
 * does not fit (then the window is walked, oldest bucket first).
 */
const TOKEN_SHARE = 10 / 60;
const REQUEST_SHARE = 1 / 60;
const BUCKETS_PER_MINUTE = 6000;
/** Buckets kept: the minute, plus how late an answer's correction may refer back (about 21 s). */
const RING = 8192;

/** A running sum over the newest `k` buckets; the bucket just before them counts while its latest charge is inside the window. */
interface Track {
  k: number;
  tokens: number;
  requests: number;
}

type What = 'tokens' | 'requests';

export class QuotaModel {
  private readonly tokens = new Float64Array(RING);
  private readonly requests = new Float64Array(RING);
  private readonly lastAt = new Float64Array(RING).fill(-Infinity);
  /** The newest bucket the ring covers. */
  private head = -Infinity;
  private readonly bucketMs: number;
  private readonly minute: Track = { k: BUCKETS_PER_MINUTE, tokens: 0, requests: 0 };
  private readonly tenSeconds: Track = { k: BUCKETS_PER_MINUTE * TOKEN_SHARE, tokens: 0, requests: 0 };
  private readonly second: Track = { k: BUCKETS_PER_MINUTE * REQUEST_SHARE, tokens: 0, requests: 0 };
  private readonly tracks = [this.minute, this.tenSeconds, this.second];
  private learned: QuotaLimits = {};
  private seeded: QuotaLimits;
  private inForce!: { tokensPerMinute: number | undefined; requestsPerMinute: number | undefined };
  /** The short request window of the limits in force (resolved with them, not per request). */
  private requestTrack: { track: Track; budget: number } | undefined;
  readonly minuteMs: number;

  constructor(configured: QuotaLimits = {}, opts: QuotaModelOptions = {}) {
    this.minuteMs = opts.minuteMs ?? 60_000;
    this.bucketMs = this.minuteMs / BUCKETS_PER_MINUTE;
    this.seeded = configured;
    this.resolveLimits();
  }

  /** Configured capacity (a reload may change it); learned limits still win. */
  get configured(): QuotaLimits {
    return this.seeded;
  }

  set configured(limits: QuotaLimits) {
    if (limits.tokensPerMinute === this.seeded.tokensPerMinute && limits.requestsPerMinute === this.seeded.requestsPerMinute) return;
    this.seeded = limits;
    this.resolveLimits();
  }

  /** Limits in force: learned from headers, else configured; rpm defaults to 6 per 1000 tpm. */
  get limits(): { tokensPerMinute: number | undefined; requestsPerMinute: number | undefined } {
    return this.inForce;
  }

  /** Does the model know the token limit? Without it, it allows everything. */
  get known(): boolean {
    return this.inForce.tokensPerMinute !== undefined;
  }

  /** Records a request sent at `now` with its estimated charge. */
  charge(tokens: number, now: number): void {
    this.add(now, tokens, 1);
  }

  /** Undoes a charge that Azure did not make (the request was refused, or never sent). */
  release(tokens: number, at: number): void {
    this.add(at, -tokens, -1);
  }

  /**
   * When a request of `tokens` fits: `now` if it fits now (or nothing is
   * known), a later time when it will if nothing else is sent, Infinity if it
   * never can (larger than the minute's limit).
   */
  fitAt(tokens: number, now: number): number {
    const { tokensPerMinute: tpm, requestsPerMinute: rpm } = this.inForce;
    if (tpm === undefined) return now;
    if (tokens > tpm) return Infinity;
    this.advance(now);
    const shortBudget = tpm * TOKEN_SHARE;
    let at = this.freeAt(this.minute, tpm, tokens, now, 'tokens');
    // Larger than the 10 s share: it passes alone in its window, as at Azure.
    at = Math.max(at, tokens > shortBudget ? this.emptyAt(this.tenSeconds, now) : this.freeAt(this.tenSeconds, shortBudget, tokens, now, 'tokens'));
    if (rpm !== undefined) {
      at = Math.max(at, this.freeAt(this.minute, rpm, 1, now, 'requests'));
      const rw = this.requestTrack;
      if (rw) at = Math.max(at, this.freeAt(rw.track, rw.budget, 1, now, 'requests'));
    }
    return at;
  }

  /** Tokens that could be sent now (the tighter window), or undefined when the limit is unknown. */
  headroom(now: number): number | undefined {
    const tpm = this.inForce.tokensPerMinute;
    if (tpm === undefined) return undefined;
    this.advance(now);
    return Math.max(0, Math.min(tpm - this.used(this.minute, now, 'tokens'), tpm * TOKEN_SHARE - this.used(this.tenSeconds, now, 'tokens')));
  }

  /**
   * Learns from an answer to a request sent at `sentAt`: the limits, and what
   * Azure says remains of its minute. When Azure counted more than we sent
   * (someone else uses the deployment, or our estimate was low), the
   * difference is added as spent at `sentAt`, so it also weighs on the short
   * windows until it ages out. Never lowers our own count: ours is the
   * conservative one.
   */
  observe(headers: HeaderBag, sentAt: number, now: number): void {
    const limitTokens = parseRemaining(headers['x-ratelimit-limit-tokens']);
    const limitRequests = parseRemaining(headers['x-ratelimit-limit-requests']);
    if ((limitTokens !== undefined && limitTokens > 0) || (limitRequests !== undefined && limitRequests > 0)) {
      if (limitTokens !== undefined && limitTokens > 0) this.learned.tokensPerMinute = limitTokens;
      if (limitRequests !== undefined && limitRequests > 0) this.learned.requestsPerMinute = limitRequests;
      this.resolveLimits();
    }
    const { tokensPerMinute: tpm, requestsPerMinute: rpm } = this.inForce;
    const remainingTokens = tpm !== undefined ? parseRemaining(headers['x-ratelimit-remaining-tokens']) : undefined;
    const remainingRequests = rpm !== undefined ? parseRemaining(headers['x-ratelimit-remaining-requests']) : undefined;
    if ((remainingTokens === undefined && remainingRequests === undefined) || sentAt <= now - this.minuteMs) return;
    this.advance(now);
    const missingTokens = remainingTokens !== undefined ? tpm! - remainingTokens - (this.usedAt(sentAt, 'tokens') ?? Infinity) : 0;
    const missingRequests = remainingRequests !== undefined ? rpm! - remainingRequests - (this.usedAt(sentAt, 'requests') ?? Infinity) : 0;
    if (missingTokens > 0 || missingRequests > 0) this.add(sentAt, Math.max(0, missingTokens), Math.max(0, missingRequests));
  }

  snapshot(now: number): QuotaSnapshot {
    const { tokensPerMinute: tpm, requestsPerMinute: rpm } = this.inForce;
    this.advance(now);
    let remainingRequests: number | undefined;
    if (rpm !== undefined) {
      const rw = this.requestTrack;
      remainingRequests = Math.max(0, Math.floor(Math.min(rpm - this.used(this.minute, now, 'requests'), rw ? rw.budget - this.used(rw.track, now, 'requests') : Infinity)));
    }
    const head = this.headroom(now);
    return { limitTokens: tpm, limitRequests: rpm, remainingTokens: head === undefined ? undefined : Math.floor(head), remainingRequests };
  }

  private resolveLimits(): void {
    const tpm = this.learned.tokensPerMinute ?? this.seeded.tokensPerMinute;
    const rpm = this.learned.requestsPerMinute ?? this.seeded.requestsPerMinute ?? (tpm !== undefined ? Math.floor((tpm * 6) / 1000) : undefined);
    this.inForce = { tokensPerMinute: tpm, requestsPerMinute: rpm || undefined };
    this.requestTrack = rpm ? this.requestWindow(rpm) : undefined;
  }

  /** Requests per 1 s, or per 10 s below one a second, or none below one per 10 s (as the simulator). */
  private requestWindow(rpm: number): { track: Track; budget: number } | undefined {
    if (rpm * REQUEST_SHARE >= 1) return { track: this.second, budget: rpm * REQUEST_SHARE };
    if (rpm * TOKEN_SHARE >= 1) return { track: this.tenSeconds, budget: rpm * TOKEN_SHARE };
    return undefined;
  }

  private bucketOf(t: number): number {
    return Math.floor(t / this.bucketMs);
  }

  private slot(b: number): number {
    return ((b % RING) + RING) % RING;
  }

  /** Moves the ring forward to `now`'s bucket: buckets that left a window leave its sum, reused slots are emptied. */
  private advance(now: number): void {
    const b = this.bucketOf(now);
    if (b <= this.head) return;
    const jump = b - this.head;
    if (jump >= RING) {
      this.tokens.fill(0);
      this.requests.fill(0);
      this.lastAt.fill(-Infinity);
      for (const t of this.tracks) t.tokens = t.requests = 0;
      this.head = b;
      return;
    }
    // Read the buckets leaving each sum before their slots can be reused below.
    for (const t of this.tracks) {
      if (jump >= t.k) {
        t.tokens = t.requests = 0;
        continue;
      }
      for (let x = this.head - t.k + 1; x <= b - t.k; x++) {
        const s = this.slot(x);
        t.tokens -= this.tokens[s]!;
        t.requests -= this.requests[s]!;
      }
    }
    for (let x = this.head + 1; x <= b; x++) {
      const s = this.slot(x);
      this.tokens[s] = 0;
      this.requests[s] = 0;
      this.lastAt[s] = -Infinity;
    }
    this.head = b;
  }

  /** Adds (or, negative, takes back) a charge made at `at`. Too old to be in the ring: nothing to do. */
  private add(at: number, tokens: number, requests: number): void {
    this.advance(at);
    const b = this.bucketOf(at);
    if (b <= this.head - RING) return;
    const s = this.slot(b);
    this.tokens[s]! += tokens;
    this.requests[s]! += requests;
    if (at > this.lastAt[s]!) this.lastAt[s] = at;
    for (const t of this.tracks) {
      if (b > this.head - t.k) {
        t.tokens += tokens;
        t.requests += requests;
      }
    }
  }

  /** Spent in the window ending at `now` (the ring is at `now`). */
  private used(t: Track, now: number, what: What): number {
    const s = this.slot(this.head - t.k);
    const edge = this.lastAt[s]! > now - t.k * this.bucketMs ? this[what][s]! : 0;
    return t[what] + edge;
  }

  /** Spent in the minute up to `at` (an answer's send time); undefined when that is older than the ring remembers. */
  private usedAt(at: number, what: What): number | undefined {
    const k = this.minute.k;
    const ba = Math.min(this.bucketOf(at), this.head);
    if (this.head - ba >= RING - k - 1) return undefined;
    const arr = this[what];
    // The minute's sum now, minus what came after `at`, plus what has left the minute since `at`.
    let sum = this.minute[what];
    for (let x = ba + 1; x <= this.head; x++) sum -= arr[this.slot(x)]!;
    for (let x = ba - k + 1; x <= this.head - k; x++) sum += arr[this.slot(x)]!;
    const edge = this.slot(ba - k);
    if (this.lastAt[edge]! > at - this.minuteMs) sum += arr[edge]!;
    return sum;
  }

  /** Earliest time from `now` at which `amount` more fits the window, as charges age out (oldest bucket first). */
  private freeAt(t: Track, budget: number, amount: number, now: number, what: What): number {
    let used = this.used(t, now, what);
    if (used + amount <= budget) return now;
    const ms = t.k * this.bucketMs;
    const arr = this[what];
    for (let x = this.head - t.k; x <= this.head; x++) {
      const s = this.slot(x);
      const v = arr[s]!;
      if (v <= 0 || this.lastAt[s]! <= now - ms) continue;
      used -= v;
      if (used + amount <= budget) return this.lastAt[s]! + ms;
    }
    return now;
  }

  /** When the window holds no tokens at all. */
  private emptyAt(t: Track, now: number): number {
    const ms = t.k * this.bucketMs;
    for (let x = this.head; x >= this.head - t.k; x--) {
      const s = this.slot(x);
      if (this.tokens[s]! > 0 && this.lastAt[s]! > now - ms) return this.lastAt[s]! + ms;
    }
    return now;
  }
}
