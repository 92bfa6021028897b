/**
 * The recording API routing code calls while it routes one request: one call
 * per event, each a few field writes. Nothing is formatted here: the numbers
 * go to the series when the request is done (`PoolMetrics.finish`), and the
 * timeline is built only when someone reads it (`TracedRecord.timeline`).
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
  /**
   * The current attempt's 429 made its backend rest `ms` from `at` (epoch ms, the clock the cooldown
   * was set with; default now), as `header` decided (`default` when no header did).
   */
  throttle(header: string, ms: number, at?: number): void;
}

/** A candidate that could not take the request when routing began, and why. */
export interface RestingCandidate {
  name: string;
  code: 'cooling' | 'ejected' | 'misconfigured';
  until: number;
  /** The health's own reason (last throttle or error) at that moment. */
  detail: string | undefined;
}

/** One upstream attempt; once settled it is also the sample its series records (whole numbers, -1 = unknown). */
export class AttemptStep implements Sample {
  status = 0;
  broken = false;
  latencyUs = 0;
  ttfbUs = -1;
  totalTokens = -1;
  promptTokens = -1;
  completionTokens = -1;
  limitTokens = -1;
  remainingTokens = -1;
  /** Response body bytes relayed. */
  bytes = 0;
  /** Microseconds from the request's arrival to this attempt's first body byte (-1 = none), for the pool's series. */
  requestTtfbUs = -1;
  error: string | undefined;
  throttle: { header: string; ms: number; until: number } | undefined;

  constructor(
    readonly backend: string,
    readonly deployment: string,
    /** Dropped once settled: the record outlives the request in the ring, the exchange must not. */
    public exchange: ObservedExchange | undefined,
  ) {}
}

export class SkipStep {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {}
}

const NONE: readonly never[] = [];
const identity = (t: string): string => t;

/** What the timeline needs to know about the pool the request ran on (a `PoolConfig` is one). */
export interface TimelinePool {
  readonly backends: readonly { readonly name: string; readonly priority: number; readonly weight: number; readonly deployments?: Readonly<Record<string, string>> }[];
  readonly maxAttempts: number;
}

/** The trace of one request. */
export class Trace implements RequestTrace {
  usable: readonly TraceCandidate[] = NONE;
  unusable: readonly { name: string; reason: string }[] = NONE;
  resting: RestingCandidate[] | undefined;
  /** Whether the request reached routing (`candidates` was called). */
  routed = false;
  /** When the resting candidates were seen resting (epoch ms; 0 when none was). */
  restingAt = 0;
  /** Attempts and skips in order; the shared empty array until the first (most requests have one). */
  steps: readonly (AttemptStep | SkipStep)[] = NONE;
  private current: AttemptStep | undefined;
  // Set when the request is done (PoolMetrics.finish):
  /** The attempt whose answer the client got. */
  winner: AttemptStep | undefined;
  pool: TimelinePool | undefined;
  /** The backend the request's stateful ids live on, when that decided the route. */
  pinnedTo: string | undefined;
  clientGone = false;
  mask: (text: string) => string = identity;

  candidates(usable: readonly TraceCandidate[], unusable: readonly { name: string; reason: string }[]): void {
    this.usable = usable;
    this.unusable = unusable;
    this.routed = true;
    let now = 0;
    for (const c of usable) {
      // Most candidates have never rested: no clock read for them.
      if (c.availableAt === 0 || c.availableAt <= (now ||= (this.restingAt = Date.now()))) continue;
      const h = c.health;
      const code = h.ejectedUntil > now ? 'ejected' : h.misconfiguredUntil > now ? 'misconfigured' : 'cooling';
      const detail = code === 'ejected' ? h.lastError : code === 'misconfigured' ? h.misconfiguredReason : h.lastThrottle;
      (this.resting ??= []).push({ name: c.name, code, until: c.availableAt, detail });
    }
  }

  skip(backend: string, reason: string): void {
    this.add(new SkipStep(backend, reason));
  }

  attempt(backend: string, deployment: string, exchange: ObservedExchange): void {
    this.current = new AttemptStep(backend, deployment, exchange);
    this.add(this.current);
  }

  private add(step: AttemptStep | SkipStep): void {
    if (this.steps === NONE) this.steps = [step];
    else (this.steps as (AttemptStep | SkipStep)[]).push(step);
  }

  fail(reason: string): void {
    if (!this.current) return;
    this.current.error = reason;
  }

  throttle(header: string, ms: number, at = Date.now()): void {
    if (!this.current) return;
    this.current.throttle = { header, ms, until: at + ms };
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
