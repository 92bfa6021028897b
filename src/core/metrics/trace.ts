/**
 * The recording API routing code calls while it routes one request: one call
 * per event, each a few field writes. Nothing is formatted here; the timeline
 * and the metrics are built once, when the request is done (`finishRequest`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Sample } from './series';

/** What a routing candidate must expose (the pool's `PoolCandidate` does). */
export interface TraceCandidate {
  readonly name: string;
  readonly priority: number;
  readonly weight: number;
  /** Epoch ms when it can take this request's deployment (0 = now). */
  readonly availableAt: number;
  /** The backend's deployment for the request's alias (`*` when none applies). */
  readonly deployment: string;
  readonly health: {
    readonly ejectedUntil: number;
    readonly misconfiguredUntil: number;
    readonly misconfiguredReason: string | undefined;
    readonly lastError: string | undefined;
    readonly lastThrottle: string | undefined;
  };
}

/**
 * What an upstream attempt exposes about itself (the proxy's `Exchange` does):
 * `performance.now()` stamps (0 = not yet), the answer's head, and the body
 * bytes relayed with the last two chunks, where a `usage` object would be.
 */
export interface ObservedExchange {
  readonly startedAt: number;
  readonly headAt: number;
  readonly firstByteAt: number;
  readonly endAt: number;
  readonly bytes: number;
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders | undefined;
  readonly lastChunk: Buffer | undefined;
  readonly previousChunk: Buffer | undefined;
}

/** The recording API on the request context (`ctx.trace`). */
export interface RequestTrace {
  /** The candidates for the request, once, right after the pool listed them. */
  candidates(usable: readonly TraceCandidate[], unusable: readonly { name: string; reason: string }[]): void;
  /** A candidate passed over during the loop without sending it anything (its credential is missing). */
  skip(backend: string, reason: string): void;
  /** An attempt begins on `backend`; its status, timing and sizes are read from `exchange` when the request is done. */
  attempt(backend: string, deployment: string, exchange: ObservedExchange): void;
  /** The current attempt failed without an answer, or its body broke: the reason shown. */
  fail(reason: string): void;
  /** The current attempt's 429 made its backend rest `ms`, as `header` decided (`default` when no header did). */
  throttle(header: string, ms: number): void;
}

/** A candidate that could not take the request when routing began, and why. */
export interface RestingCandidate {
  name: string;
  code: 'cooling' | 'ejected' | 'misconfigured';
  until: number;
  /** The health's own reason (last throttle or error) at that moment. */
  detail: string | undefined;
}

/** One upstream attempt; after `settle()` it is also the sample its series records. */
export class AttemptStep implements Sample {
  status = 0;
  broken = false;
  latencyMs = 0;
  ttfbMs = NaN;
  totalTokens = NaN;
  promptTokens = NaN;
  completionTokens = NaN;
  limitTokens = NaN;
  remainingTokens = NaN;
  error: string | undefined;
  throttle: { header: string; ms: number; until: number } | undefined;

  constructor(
    readonly backend: string,
    readonly deployment: string,
    readonly exchange: ObservedExchange,
  ) {}
}

export class SkipStep {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {}
}

const NONE: readonly never[] = [];

/** The trace of one request. */
export class Trace implements RequestTrace {
  usable: readonly TraceCandidate[] = NONE;
  unusable: readonly { name: string; reason: string }[] = NONE;
  resting: RestingCandidate[] | undefined;
  /** When `candidates` was called (epoch ms); 0 = the request never reached routing. */
  consideredAt = 0;
  readonly steps: (AttemptStep | SkipStep)[] = [];
  private current: AttemptStep | undefined;

  candidates(usable: readonly TraceCandidate[], unusable: readonly { name: string; reason: string }[]): void {
    const now = Date.now();
    this.usable = usable;
    this.unusable = unusable;
    this.consideredAt = now;
    for (const c of usable) {
      if (c.availableAt <= now) continue;
      const h = c.health;
      const code = h.ejectedUntil > now ? 'ejected' : h.misconfiguredUntil > now ? 'misconfigured' : 'cooling';
      const detail = code === 'ejected' ? h.lastError : code === 'misconfigured' ? h.misconfiguredReason : h.lastThrottle;
      (this.resting ??= []).push({ name: c.name, code, until: c.availableAt, detail });
    }
  }

  skip(backend: string, reason: string): void {
    this.steps.push(new SkipStep(backend, reason));
  }

  attempt(backend: string, deployment: string, exchange: ObservedExchange): void {
    this.current = new AttemptStep(backend, deployment, exchange);
    this.steps.push(this.current);
  }

  fail(reason: string): void {
    if (!this.current) return;
    this.current.error = reason;
  }

  throttle(header: string, ms: number): void {
    if (!this.current) return;
    this.current.throttle = { header, ms, until: Date.now() + ms };
  }
}

/** For builds and tests that record nothing. */
export const NOOP_TRACE: RequestTrace = {
  candidates() {},
  skip() {},
  attempt() {},
  fail() {},
  throttle() {},
};
