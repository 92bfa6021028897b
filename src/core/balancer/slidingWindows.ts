/**
 * What the proxy sent to one deployment, in time buckets, and how much of it
 * falls in each sliding window Azure's limits are checked over (a minute,
 * 10 s, 1 s). The quota model (./quotaModel.ts) checks the limits on it;
 * ./fixedPeriods.ts reads the same buckets for Azure's fixed periods.
 *
 * Time is cut into buckets of a 6000th of the minute (10 ms; 0.5 ms in a
 * 20x scaled minute), each holding the tokens and requests charged in it and
 * the latest time of any of them: a charge leaves a window when that latest
 * time does, so a lone charge ages out exactly, and one that shares its
 * bucket with a later one at most a bucket late (never early). Memory is
 * fixed whatever the request rate (a list of every charge held 600,000
 * objects at 10,000 requests a second: 40 MB and the collector's time), and
 * each window keeps a running sum, so a request costs O(1) until something
 * does not fit (then the window is walked, oldest bucket first).
 *
 * Each window is longer than Azure's by the admission slack: a request the
 * proxy sends at t reaches Azure a little later, so Azure may still count it
 * a little after t plus the window. (Without it, on a busy machine a request
 * sent the moment a charge aged out met a 429.)
 *
 * Pure: every method takes the time; no timers.
 */

export const TOKEN_SHARE = 10 / 60;
export const REQUEST_SHARE = 1 / 60;
export const BUCKETS_PER_MINUTE = 6000;
/** Buckets kept: the minute and its slack, plus how late an answer's correction may refer back (about 20 s). */
export const RING = 8192;

/** A running sum over the newest `k` buckets; the bucket just before them counts while its latest charge is inside the window. */
export interface Track {
  readonly k: number;
  tokens: number;
  requests: number;
}

export type What = 'tokens' | 'requests';

/**
 * How long after the proxy sends a request Azure may admit it: 100 ms (a
 * one-way trip to Azure and the upload of a large body), at least 5 ms
 * however short a scaled minute (loopback on a busy machine).
 */
export function admissionSlackFor(minuteMs: number): number {
  return Math.min(100, Math.max(5, minuteMs / 600));
}

export class SlidingWindows {
  readonly tokens = new Float64Array(RING);
  readonly requests = new Float64Array(RING);
  readonly lastAt = new Float64Array(RING).fill(-Infinity);
  /** The newest bucket the ring covers. */
  head = -Infinity;
  readonly bucketMs: number;
  /** How much longer than Azure's each window is (`admissionSlackFor`). */
  readonly slackMs: number;
  readonly minute: Track;
  readonly tenSeconds: Track;
  readonly second: Track;
  private readonly tracks: Track[];

  constructor(readonly minuteMs: number, slackMs = admissionSlackFor(minuteMs)) {
    this.bucketMs = minuteMs / BUCKETS_PER_MINUTE;
    this.slackMs = slackMs;
    const slack = Math.ceil(this.slackMs / this.bucketMs);
    this.minute = { k: BUCKETS_PER_MINUTE + slack, tokens: 0, requests: 0 };
    this.tenSeconds = { k: Math.round(BUCKETS_PER_MINUTE * TOKEN_SHARE) + slack, tokens: 0, requests: 0 };
    this.second = { k: Math.round(BUCKETS_PER_MINUTE * REQUEST_SHARE) + slack, tokens: 0, requests: 0 };
    this.tracks = [this.minute, this.tenSeconds, this.second];
  }

  bucketOf(t: number): number {
    return Math.floor(t / this.bucketMs);
  }

  slot(b: number): number {
    return ((b % RING) + RING) % RING;
  }

  /** Moves the ring forward to `now`'s bucket: buckets that left a window leave its sum, reused slots are emptied. */
  advance(now: number): void {
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

  /** Adds (or, negative, takes back) a charge made at `at`; returns its bucket, or undefined when too old for the ring. */
  add(at: number, tokens: number, requests: number): number | undefined {
    this.advance(at);
    const b = this.bucketOf(at);
    if (b <= this.head - RING) return undefined;
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
    return b;
  }

  /** Spent in the window ending at `now` (the ring is at `now`). */
  used(t: Track, now: number, what: What): number {
    const s = this.slot(this.head - t.k);
    const edge = this.lastAt[s]! > now - t.k * this.bucketMs ? this[what][s]! : 0;
    return t[what] + edge;
  }

  /** Spent in the minute up to `at` (an answer's send time); undefined when that is older than the ring remembers. */
  usedAt(at: number, what: What): number | undefined {
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
  freeAt(t: Track, budget: number, amount: number, now: number, what: What): number {
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
  emptyAt(t: Track, now: number): number {
    const ms = t.k * this.bucketMs;
    for (let x = this.head; x >= this.head - t.k; x--) {
      const s = this.slot(x);
      if (this.tokens[s]! > 0 && this.lastAt[s]! > now - ms) return this.lastAt[s]! + ms;
    }
    return now;
  }

  /** Tokens in the buckets from `from` to the newest (the ring is at the time of interest). */
  sumFrom(from: number): number {
    let sum = 0;
    for (let x = Math.max(from, this.head - RING + 1); x <= this.head; x++) sum += this.tokens[this.slot(x)]!;
    return sum;
  }
}
