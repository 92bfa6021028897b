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

interface Spent {
  at: number;
  tokens: number;
  requests: number;
}

interface Window {
  ms: number;
  budget: number;
}

const TOKEN_SHARE = 10 / 60;
const REQUEST_SHARE = 1 / 60;

export class QuotaModel {
  /** Charges in time order; pruned to the last minute. */
  private spent: Spent[] = [];
  private learned: QuotaLimits = {};
  readonly minuteMs: number;

  constructor(public configured: QuotaLimits = {}, opts: QuotaModelOptions = {}) {
    this.minuteMs = opts.minuteMs ?? 60_000;
  }

  /** Limits in force: learned from headers, else configured; rpm defaults to 6 per 1000 tpm. */
  get limits(): { tokensPerMinute: number | undefined; requestsPerMinute: number | undefined } {
    const tpm = this.learned.tokensPerMinute ?? this.configured.tokensPerMinute;
    const rpm = this.learned.requestsPerMinute ?? this.configured.requestsPerMinute ?? (tpm !== undefined ? Math.floor((tpm * 6) / 1000) : undefined);
    return { tokensPerMinute: tpm, requestsPerMinute: rpm || undefined };
  }

  /** Does the model know the token limit? Without it, it allows everything. */
  get known(): boolean {
    return this.limits.tokensPerMinute !== undefined;
  }

  /** Records a request sent at `now` with its estimated charge. */
  charge(tokens: number, now: number): void {
    this.insert({ at: now, tokens, requests: 1 });
  }

  /** Undoes a charge that Azure did not make (the request was refused, or never sent). */
  release(tokens: number, at: number): void {
    const i = this.spent.findIndex((s) => s.at === at && s.tokens === tokens && s.requests === 1);
    if (i >= 0) this.spent.splice(i, 1);
  }

  /**
   * When a request of `tokens` fits: `now` if it fits now (or nothing is
   * known), a later time when it will if nothing else is sent, Infinity if it
   * never can (larger than the minute's limit).
   */
  fitAt(tokens: number, now: number): number {
    this.prune(now);
    const { tokensPerMinute: tpm, requestsPerMinute: rpm } = this.limits;
    if (tpm === undefined) return now;
    if (tokens > tpm) return Infinity;
    const short = this.tokenWindow(tpm);
    let at = this.freeAt({ ms: this.minuteMs, budget: tpm }, tokens, now, 'tokens');
    // Larger than the 10 s share: it passes alone in its window, as at Azure.
    at = Math.max(at, tokens > short.budget ? this.emptyAt(short, now) : this.freeAt(short, tokens, now, 'tokens'));
    if (rpm !== undefined) {
      at = Math.max(at, this.freeAt({ ms: this.minuteMs, budget: rpm }, 1, now, 'requests'));
      const rw = this.requestWindow(rpm);
      if (rw) at = Math.max(at, this.freeAt(rw, 1, now, 'requests'));
    }
    return at;
  }

  /** Tokens that could be sent now (the tighter window), or undefined when the limit is unknown. */
  headroom(now: number): number | undefined {
    this.prune(now);
    const tpm = this.limits.tokensPerMinute;
    if (tpm === undefined) return undefined;
    const short = this.tokenWindow(tpm);
    return Math.max(0, Math.min(tpm - this.used(this.minuteMs, now, 'tokens'), short.budget - this.used(short.ms, now, 'tokens')));
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
    if (limitTokens !== undefined && limitTokens > 0) this.learned.tokensPerMinute = limitTokens;
    if (limitRequests !== undefined && limitRequests > 0) this.learned.requestsPerMinute = limitRequests;
    const { tokensPerMinute: tpm, requestsPerMinute: rpm } = this.limits;
    const remainingTokens = parseRemaining(headers['x-ratelimit-remaining-tokens']);
    const remainingRequests = parseRemaining(headers['x-ratelimit-remaining-requests']);
    if (sentAt <= now - this.minuteMs) return;
    this.prune(now);
    const missingTokens = tpm !== undefined && remainingTokens !== undefined ? tpm - remainingTokens - this.usedAt(sentAt, 'tokens') : 0;
    const missingRequests = rpm !== undefined && remainingRequests !== undefined ? rpm - remainingRequests - this.usedAt(sentAt, 'requests') : 0;
    if (missingTokens > 0 || missingRequests > 0) {
      this.insert({ at: sentAt, tokens: Math.max(0, missingTokens), requests: Math.max(0, missingRequests) });
    }
  }

  snapshot(now: number): QuotaSnapshot {
    this.prune(now);
    const { tokensPerMinute: tpm, requestsPerMinute: rpm } = this.limits;
    let remainingRequests: number | undefined;
    if (rpm !== undefined) {
      const rw = this.requestWindow(rpm);
      remainingRequests = Math.max(0, Math.floor(Math.min(rpm - this.used(this.minuteMs, now, 'requests'), rw ? rw.budget - this.used(rw.ms, now, 'requests') : Infinity)));
    }
    const head = this.headroom(now);
    return { limitTokens: tpm, limitRequests: rpm, remainingTokens: head === undefined ? undefined : Math.floor(head), remainingRequests };
  }

  private tokenWindow(tpm: number): Window {
    return { ms: this.minuteMs * TOKEN_SHARE, budget: tpm * TOKEN_SHARE };
  }

  /** Requests per 1 s, or per 10 s below one a second, or none below one per 10 s (as the simulator). */
  private requestWindow(rpm: number): Window | undefined {
    if (rpm * REQUEST_SHARE >= 1) return { ms: this.minuteMs * REQUEST_SHARE, budget: rpm * REQUEST_SHARE };
    if (rpm * TOKEN_SHARE >= 1) return { ms: this.minuteMs * TOKEN_SHARE, budget: rpm * TOKEN_SHARE };
    return undefined;
  }

  private used(ms: number, now: number, what: 'tokens' | 'requests'): number {
    let n = 0;
    for (let i = this.spent.length - 1; i >= 0 && this.spent[i]!.at > now - ms; i--) n += this.spent[i]![what];
    return n;
  }

  /** Spent in the minute up to and including `at`. */
  private usedAt(at: number, what: 'tokens' | 'requests'): number {
    let n = 0;
    for (const s of this.spent) if (s.at > at - this.minuteMs && s.at <= at) n += s[what];
    return n;
  }

  /** Earliest time from `now` at which `amount` more fits the window, as charges age out. */
  private freeAt(w: Window, amount: number, now: number, what: 'tokens' | 'requests'): number {
    let used = this.used(w.ms, now, what);
    if (used + amount <= w.budget) return now;
    for (const s of this.spent) {
      if (s.at <= now - w.ms) continue;
      used -= s[what];
      if (used + amount <= w.budget) return s.at + w.ms;
    }
    return now;
  }

  /** When the window holds no tokens at all. */
  private emptyAt(w: Window, now: number): number {
    for (let i = this.spent.length - 1; i >= 0 && this.spent[i]!.at > now - w.ms; i--) {
      if (this.spent[i]!.tokens > 0) return this.spent[i]!.at + w.ms;
    }
    return now;
  }

  private insert(s: Spent): void {
    let i = this.spent.length;
    while (i > 0 && this.spent[i - 1]!.at > s.at) i--;
    this.spent.splice(i, 0, s);
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.spent.length && this.spent[drop]!.at <= now - this.minuteMs) drop++;
    if (drop) this.spent.splice(0, drop);
  }
}
