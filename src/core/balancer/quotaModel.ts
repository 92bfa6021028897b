/**
 * The proxy's local picture of one deployment's quota (issue 10): what it
 * has sent there and been charged, checked against the same limits Azure
 * applies (tokens per minute and per 10 s, requests per minute and per 1 s;
 * see src/core/simulator/quota.ts for the sources), and corrected by the
 * `x-ratelimit-*` headers of every answer.
 *
 * Azure counts in fixed periods whose boundaries it does not announce; we
 * count in sliding windows of the same length and budget
 * (./slidingWindows.ts). A sliding window never holds less than the fixed
 * period that ends inside it, so "fits here" implies "fits there", while the
 * long-run rate allowed is the same. Once the answers have placed Azure's
 * minute boundary, the token limits are also checked in Azure's own fixed
 * periods (./fixedPeriods.ts), and a request fits at the earlier of the two
 * views: both are safe, the fixed one admits more right after a boundary.
 *
 * Limits come from the config (`tpm`/`rpm` of a deployment) and from
 * `x-ratelimit-limit-*` (which wins: Azure may lower a limit for a while).
 * With no limit known the model has no information and says "fits": the
 * request goes, and its answer teaches the limit.
 *
 * Pure: every method takes `now`; no timers.
 */
import { FixedPeriods } from './fixedPeriods';
import { REQUEST_SHARE, SlidingWindows, TOKEN_SHARE, type Track } from './slidingWindows';
import { parseRemaining, type HeaderBag } from './throttle';

export interface QuotaLimits {
  tokensPerMinute?: number;
  requestsPerMinute?: number;
}

export interface QuotaModelOptions {
  /** Length of a minute in ms (default 60000; shorter against a time-scaled simulator). */
  minuteMs?: number;
  /** How late Azure may admit what the proxy sends (default `admissionSlackFor(minuteMs)`; 0 in tests of the window arithmetic). */
  slackMs?: number;
}

/** What the views show: limits and what remains now (undefined = unknown). */
export interface QuotaSnapshot {
  limitTokens: number | undefined;
  limitRequests: number | undefined;
  /** Tokens that could be sent now: the tighter of the minute and the 10 s window. */
  remainingTokens: number | undefined;
  remainingRequests: number | undefined;
  /** `fixed` once Azure's minute boundary is learned (token limits also checked in its fixed periods); else `sliding`. */
  periods: 'fixed' | 'sliding';
}

export class QuotaModel {
  private readonly windows: SlidingWindows;
  private readonly fixed: FixedPeriods;
  private learned: QuotaLimits = {};
  private seeded: QuotaLimits;
  private inForce!: { tokensPerMinute: number | undefined; requestsPerMinute: number | undefined };
  /** The short request window of the limits in force (resolved with them, not per request). */
  private requestTrack: { track: Track; budget: number } | undefined;
  readonly minuteMs: number;

  constructor(configured: QuotaLimits = {}, opts: QuotaModelOptions = {}) {
    this.minuteMs = opts.minuteMs ?? 60_000;
    this.windows = new SlidingWindows(this.minuteMs, opts.slackMs);
    this.fixed = new FixedPeriods(this.windows);
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

  /** Whether the token limits are also checked in Azure's fixed periods (its minute boundary is learned and trusted). */
  get fixedPeriods(): boolean {
    return this.fixed.boundary() !== undefined;
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
    const w = this.windows;
    w.advance(now);
    const share = tpm * TOKEN_SHARE;
    let at = w.freeAt(w.minute, tpm, tokens, now, 'tokens');
    // Larger than the 10 s share: it passes alone in its window, as at Azure.
    at = Math.max(at, tokens > share ? w.emptyAt(w.tenSeconds, now) : w.freeAt(w.tenSeconds, share, tokens, now, 'tokens'));
    // Both views are safe (a sliding window holds at least the fixed period ending in it): the earlier wins.
    const b = at > now ? this.fixed.boundary() : undefined;
    if (b) at = Math.min(at, this.fixed.fitAt(b, tpm, share, tokens, now));
    if (rpm !== undefined) {
      at = Math.max(at, w.freeAt(w.minute, rpm, 1, now, 'requests'));
      const rw = this.requestTrack;
      if (rw) at = Math.max(at, w.freeAt(rw.track, rw.budget, 1, now, 'requests'));
    }
    return at;
  }

  /** Tokens that could be sent now (the tighter window, in the more generous view), or undefined when the limit is unknown. */
  headroom(now: number): number | undefined {
    const tpm = this.inForce.tokensPerMinute;
    if (tpm === undefined) return undefined;
    const w = this.windows;
    w.advance(now);
    const share = tpm * TOKEN_SHARE;
    let head = Math.min(tpm - w.used(w.minute, now, 'tokens'), share - w.used(w.tenSeconds, now, 'tokens'));
    const b = this.fixed.boundary();
    if (b) head = Math.max(head, this.fixed.headroom(b, tpm, share, now));
    return Math.max(0, head);
  }

  /**
   * Learns from an answer to a request sent at `sentAt`: the limits, where
   * Azure's minute starts, and what Azure says remains of it. When Azure
   * counted more than we sent (someone else uses the deployment, or our
   * estimate was low), the difference is added as spent at `sentAt`, so it
   * also weighs on the short windows until it ages out. Never lowers our own
   * count: ours is the conservative one.
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
    const w = this.windows;
    w.advance(now);
    // Before any correction below: the boundary is placed by our own charges.
    if (remainingTokens !== undefined) this.fixed.learn(tpm! - remainingTokens, sentAt, now);
    const missingTokens = remainingTokens !== undefined ? tpm! - remainingTokens - (w.usedAt(sentAt, 'tokens') ?? Infinity) : 0;
    const missingRequests = remainingRequests !== undefined ? rpm! - remainingRequests - (w.usedAt(sentAt, 'requests') ?? Infinity) : 0;
    if (missingTokens > 0 || missingRequests > 0) this.add(sentAt, Math.max(0, missingTokens), Math.max(0, missingRequests));
  }

  /** Azure refused a request this model let through: a learned boundary may be wrong, so it is learned again. */
  refused(): void {
    this.fixed.refused();
  }

  snapshot(now: number): QuotaSnapshot {
    const { tokensPerMinute: tpm, requestsPerMinute: rpm } = this.inForce;
    const w = this.windows;
    w.advance(now);
    let remainingRequests: number | undefined;
    if (rpm !== undefined) {
      const rw = this.requestTrack;
      remainingRequests = Math.max(0, Math.floor(Math.min(rpm - w.used(w.minute, now, 'requests'), rw ? rw.budget - w.used(rw.track, now, 'requests') : Infinity)));
    }
    const head = this.headroom(now);
    return {
      limitTokens: tpm, limitRequests: rpm, remainingTokens: head === undefined ? undefined : Math.floor(head), remainingRequests,
      periods: this.fixedPeriods ? 'fixed' : 'sliding',
    };
  }

  private add(at: number, tokens: number, requests: number): void {
    const b = this.windows.add(at, tokens, requests);
    if (b !== undefined) this.fixed.added(b, tokens);
  }

  private resolveLimits(): void {
    const tpm = this.learned.tokensPerMinute ?? this.seeded.tokensPerMinute;
    const rpm = this.learned.requestsPerMinute ?? this.seeded.requestsPerMinute ?? (tpm !== undefined ? Math.floor((tpm * 6) / 1000) : undefined);
    this.inForce = { tokensPerMinute: tpm, requestsPerMinute: rpm || undefined };
    this.requestTrack = rpm ? this.requestWindow(rpm) : undefined;
  }

  /** Requests per 1 s, or per 10 s below one a second, or none below one per 10 s (as the simulator). */
  private requestWindow(rpm: number): { track: Track; budget: number } | undefined {
    const w = this.windows;
    if (rpm * REQUEST_SHARE >= 1) return { track: w.second, budget: rpm * REQUEST_SHARE };
    if (rpm * TOKEN_SHARE >= 1) return { track: w.tenSeconds, budget: rpm * TOKEN_SHARE };
    return undefined;
  }
}
