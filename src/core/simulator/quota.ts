/**
 * How an Azure OpenAI standard deployment throttles, for the simulator
 * (issue 10). Each fact carries its public source; docs/quota-routing.md
 * collects them.
 *
 * - A deployment's TPM maps to its token limit, and its request limit is
 *   6 RPM per 1000 TPM ("Manage Azure OpenAI quota", Understanding rate
 *   limits: https://learn.microsoft.com/azure/ai-services/openai/how-to/quota).
 * - A request is charged at admission with an estimate (prompt + max_tokens,
 *   times best_of), not refunded when the answer is shorter, and refused at
 *   once with 429 when it does not fit (same page; and "max_tokens counts in
 *   full": https://learn.microsoft.com/microsoft-cloud/dev/dev-proxy/concepts/azure-openai-429-token-rate-limit).
 * - The counters reset per period ("a running token count ... reset each
 *   minute"), and the request rate is checked over short periods, "typically
 *   1 or 10 seconds", so a burst is refused before the minute's total is used
 *   (quota page). We check requests per 1 s and tokens per 10 s, each with
 *   the minute's budget scaled down, plus the minute itself.
 * - A request bigger than a 10 s share still passes, alone in its 10 s
 *   window: with 1k TPM and max_tokens 1000 exactly one call a minute gets
 *   through (measured by Clemens Siebler, "Monitoring and understanding
 *   Azure OpenAI's rate limits", 2023-08-01). A request above the whole
 *   minute's limit can never pass ("Request too large ... Limit 30000,
 *   Requested 42638": https://learn.microsoft.com/answers/questions/2263211).
 * - Every answer carries x-ratelimit-limit-/remaining-tokens/-requests; a
 *   429 carries retry-after-ms ("Rate limit response headers" on the quota
 *   page). Ours also carries x-ms-retry-after-ms and Retry-After, as the
 *   Azure SDK reads all three (@azure/core-rest-pipeline throttlingRetryStrategy).
 *
 * Windows are fixed periods counted from the limiter's start, as "reset each
 * minute" and "until the next evaluation period" describe. They all start
 * together, so the 1 s and 10 s periods begin with the minute: Azure does not
 * document how they align, and the proxy, which relies on it once it has
 * learned a minute boundary (src/core/balancer/fixedPeriods.ts), falls back
 * to sliding windows at the first refusal it did not predict. `timeScale`
 * shrinks every period (a "minute" of 60 000 / timeScale ms) so tests and the
 * benchmark see minutes pass in seconds.
 */

export const MINUTE_MS = 60_000;
/** Periods over which short bursts are checked, in unscaled ms (see above). */
export const TOKEN_WINDOW_MS = 10_000;
export const REQUEST_WINDOW_MS = 1_000;

export interface QuotaLimits {
  tokensPerMinute: number;
  /** Default: 6 per 1000 TPM. */
  requestsPerMinute?: number;
}

/** 6 RPM per 1000 TPM, the ratio of standard deployments. */
export function rpmForTpm(tpm: number): number {
  return Math.floor((tpm * 6) / 1000);
}

export type Admission =
  | { ok: true }
  /** `retryAfterMs` is when this request would fit if nothing else came first; undefined when it never can. */
  | { ok: false; retryAfterMs: number | undefined; reason: 'tokens' | 'requests' | 'tooLarge' };

interface Window {
  /** Length in (scaled) ms. */
  ms: number;
  budget: number;
  /** Start of the period the counter belongs to. */
  start: number;
  used: number;
}

/** One deployment's counters. All methods take `now` (epoch ms). */
export class QuotaLimiter {
  readonly tokensPerMinute: number;
  readonly requestsPerMinute: number;
  private readonly minuteTokens: Window;
  private readonly minuteRequests: Window;
  /** Tokens over 10 s: a sixth of the minute. */
  private readonly shortTokens: Window;
  /** Requests over 1 s, or 10 s when the limit allows less than one a second; none when less than one per 10 s. */
  private readonly shortRequests: Window | undefined;

  constructor(limits: QuotaLimits, now: number, readonly timeScale = 1) {
    if (!(limits.tokensPerMinute > 0)) throw new Error('tokensPerMinute must be > 0');
    if (!(timeScale > 0)) throw new Error('timeScale must be > 0');
    this.tokensPerMinute = limits.tokensPerMinute;
    this.requestsPerMinute = limits.requestsPerMinute ?? Math.max(1, rpmForTpm(limits.tokensPerMinute));
    const minute = MINUTE_MS / timeScale;
    const win = (ms: number, budget: number): Window => ({ ms, budget, start: now, used: 0 });
    this.minuteTokens = win(minute, this.tokensPerMinute);
    this.minuteRequests = win(minute, this.requestsPerMinute);
    this.shortTokens = win(minute * (TOKEN_WINDOW_MS / MINUTE_MS), this.tokensPerMinute * (TOKEN_WINDOW_MS / MINUTE_MS));
    const perSecond = this.requestsPerMinute * (REQUEST_WINDOW_MS / MINUTE_MS);
    const perTen = this.requestsPerMinute * (TOKEN_WINDOW_MS / MINUTE_MS);
    this.shortRequests = perSecond >= 1 ? win(minute * (REQUEST_WINDOW_MS / MINUTE_MS), perSecond)
      : perTen >= 1 ? win(minute * (TOKEN_WINDOW_MS / MINUTE_MS), perTen) : undefined;
  }

  /** Charges `tokens` and one request if they fit now; otherwise says when they would. */
  admit(tokens: number, now: number): Admission {
    this.roll(now);
    const verdict = this.fitsAt(tokens, now);
    if (verdict === 'fits') {
      for (const w of this.windows()) w.used += w === this.minuteTokens || w === this.shortTokens ? tokens : 1;
      return { ok: true };
    }
    if (tokens > this.tokensPerMinute) return { ok: false, retryAfterMs: undefined, reason: 'tooLarge' };
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(this.whenFits(tokens, now) - now)), reason: verdict };
  }

  /** Limits and what remains of the current minute, as Azure reports them on every answer. */
  headers(now: number): Record<string, string> {
    this.roll(now);
    return {
      'x-ratelimit-limit-requests': String(this.requestsPerMinute),
      'x-ratelimit-limit-tokens': String(this.tokensPerMinute),
      'x-ratelimit-remaining-requests': String(Math.max(0, this.requestsPerMinute - this.minuteRequests.used)),
      'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(this.tokensPerMinute - this.minuteTokens.used))),
    };
  }

  private windows(): Window[] {
    return [this.minuteTokens, this.minuteRequests, this.shortTokens, ...(this.shortRequests ? [this.shortRequests] : [])];
  }

  /** Starts a new period for every window whose period has ended. */
  private roll(now: number): void {
    for (const w of this.windows()) {
      if (now >= w.start + w.ms) {
        w.start += Math.floor((now - w.start) / w.ms) * w.ms;
        w.used = 0;
      }
    }
  }

  /** The check itself, on counters as they stand at `at` (periods that ended by then count as empty). */
  private fitsAt(tokens: number, at: number): 'fits' | 'tokens' | 'requests' | 'tooLarge' {
    const used = (w: Window): number => (at >= w.start + w.ms ? 0 : w.used);
    if (tokens > this.tokensPerMinute) return 'tooLarge';
    if (used(this.minuteRequests) + 1 > this.requestsPerMinute) return 'requests';
    if (this.shortRequests && used(this.shortRequests) + 1 > this.shortRequests.budget) return 'requests';
    if (used(this.minuteTokens) + tokens > this.tokensPerMinute) return 'tokens';
    const short = used(this.shortTokens);
    // A request larger than the 10 s share passes only into an empty 10 s window.
    if (tokens > this.shortTokens.budget ? short > 0 : short + tokens > this.shortTokens.budget) return 'tokens';
    return 'fits';
  }

  /**
   * The first moment this request fits if nothing else is admitted before:
   * counters only change when a period ends, so only those moments need a
   * look. By the minute's end every period has ended, and anything up to the
   * minute's limit fits then.
   */
  private whenFits(tokens: number, now: number): number {
    const minuteEnd = this.minuteTokens.start + this.minuteTokens.ms;
    const moments = new Set<number>([minuteEnd]);
    for (const w of this.windows()) for (let t = w.start + w.ms; t < minuteEnd; t += w.ms) moments.add(t);
    for (const t of [...moments].sort((a, b) => a - b)) if (t > now && this.fitsAt(tokens, t) === 'fits') return t;
    return minuteEnd;
  }
}
