/**
 * The recording API routing code calls while it routes one request: one call
 * per event, each a few field writes. Nothing is formatted here: the numbers
 * go to the series when the request is done (`PoolMetrics.finish`), and the
 * timeline is built only when someone reads it (`TracedRecord.timeline`).
 *
 * Where routing calls it (issue 13, on the routing loop of issue 9):
 * `candidates` in `proxy/targets.ts` (who may serve), `onSkip` as the
 * router's listener (`balancer/route.ts`: why a candidate is passed over),
 * `attempt` when an attempt's exchange starts and `attempted` with what
 * `observe()` made of it (`proxy/attempt.ts`), `fail` when a relayed answer
 * breaks, and `ended` when the attempt loop is over.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SkipCode } from '../events';
import type { SkipDetail, SkipReason } from '../balancer/healthTypes';
import type { Verdict } from '../balancer/observe';
import type { Sample } from './series';

/** What a routing candidate must expose (the pool's `PoolCandidate` does). */
export interface TraceCandidate {
  readonly name: string;
  readonly priority: number;
  readonly weight: number;
  /** The backend's deployment for the request's alias (`*` when none applies). */
  readonly deployment: string;
}

/**
 * Hears a candidate passed over without being sent anything: the router's
 * `SkipListener` shape, so the trace's own listener is the router's.
 */
export type TraceSkipListener = (candidate: { readonly name: string }, reason: SkipReason, rest: SkipDetail) => void;

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

/** What the attempt loop knows when it ends (`proxy/attempt.ts` `Attempts`). */
export interface TraceRun {
  /** The pool-wide retry budget refused a retry. */
  readonly budgetRefused: boolean;
  readonly maxAttempts: number;
  /** Candidates attempted, or given up on for want of a credential. */
  readonly tried: ReadonlySet<string>;
}

/** The recording API on the request context (`ctx.trace`). */
export interface RequestTrace {
  /** The backends that serve the request's alias, usable or not; once, when routing begins. */
  candidates(list: readonly TraceCandidate[]): void;
  /**
   * Hears each candidate passed over because it cannot serve now, with why
   * and until when (the router's `onSkip`). Undefined when nothing records:
   * the router then does not look for reasons at all.
   */
  readonly onSkip: TraceSkipListener | undefined;
  /** An attempt begins on `backend`; its status, timing and sizes are read from `exchange` when the request is done. */
  attempt(backend: string, deployment: string, exchange: ObservedExchange): void;
  /**
   * What `observe()` made of `backend`'s attempt: `status` is undefined when
   * no answer came (the verdict's reason says why); `verdict.rest` is the
   * throttle rest, set with the clock reading `now`. A backend that got no
   * attempt (its credential could not be had) is a skip.
   */
  attempted(backend: string, verdict: Verdict, status: number | undefined, now: number): void;
  /** The answer being relayed broke mid-way: the reason shown on the current attempt. */
  fail(reason: string): void;
  /** The attempt loop is over (candidates never reached are explained from this). */
  ended(run: TraceRun): void;
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

/** A candidate passed over during routing; the reason is the health's own text, masked and worded when read. */
export class SkipStep {
  constructor(
    readonly backend: string,
    readonly code: SkipCode,
    readonly reason: string,
    /** Epoch ms it can serve again (Infinity: only a config or credential change helps). */
    readonly until: number,
    /** Epoch ms it was seen resting. */
    readonly at: number,
  ) {}
}

const NONE: readonly never[] = [];
const identity = (t: string): string => t;

/** The router's reasons as the timeline names them. */
const SKIP_CODE: Readonly<Record<SkipReason, SkipCode>> = {
  disabled: 'disabled', credential: 'credential', misconfigured: 'misconfigured', ejected: 'ejected', throttled: 'cooling', notFound: 'notFound', quota: 'quota',
};

/** What the timeline needs to know about the pool the request ran on (a `PoolConfig` is one). */
export interface TimelinePool {
  readonly backends: readonly { readonly name: string; readonly priority: number; readonly weight: number; readonly deployments?: Readonly<Record<string, string>> }[];
}

/** The trace of one request. */
export class Trace implements RequestTrace {
  /** Every backend that serves the alias, as target selection found them. */
  listed: readonly TraceCandidate[] = NONE;
  /** Whether the request reached routing (`candidates` was called). */
  routed = false;
  /** Attempts and skips in order; the shared empty array until the first (most requests have one attempt). */
  steps: readonly (AttemptStep | SkipStep)[] = NONE;
  private current: AttemptStep | undefined;
  /** From `ended`: the retry budget refused a retry; the attempt limit that stopped the loop (0: none did). */
  budgetRefused = false;
  attemptLimit = 0;
  // Set when the request is done (PoolMetrics.finish):
  /** The attempt whose answer the client got. */
  winner: AttemptStep | undefined;
  pool: TimelinePool | undefined;
  /** The backend the request's stateful ids live on, when that decided the route. */
  pinnedTo: string | undefined;
  clientGone = false;
  mask: (text: string) => string = identity;

  /** One closure per request: the router calls its listener unbound. */
  readonly onSkip: TraceSkipListener = (c, reason, rest) => {
    this.skip(c.name, SKIP_CODE[reason], rest.text, rest.until);
  };

  candidates(list: readonly TraceCandidate[]): void {
    this.listed = list;
    this.routed = true;
  }

  attempt(backend: string, deployment: string, exchange: ObservedExchange): void {
    this.current = new AttemptStep(backend, deployment, exchange);
    this.add(this.current);
  }

  attempted(backend: string, verdict: Verdict, status: number | undefined, now: number): void {
    const a = this.current;
    if (a?.backend !== backend) {
      // No exchange began for it: the credential could not be had.
      this.skip(backend, 'credential', verdict.reason, Infinity);
      return;
    }
    if (status === undefined) a.error = verdict.reason;
    const rest = verdict.rest;
    if (rest) a.throttle = { header: rest.source, ms: rest.ms, until: now + rest.ms };
  }

  fail(reason: string): void {
    if (this.current) this.current.error = reason;
  }

  ended(run: TraceRun): void {
    this.budgetRefused = run.budgetRefused;
    this.attemptLimit = run.tried.size >= run.maxAttempts ? run.maxAttempts : 0;
  }

  /** The router asks again before each attempt: a candidate still resting is told once. */
  private skip(backend: string, code: SkipCode, reason: string, until: number): void {
    for (const s of this.steps) if (s instanceof SkipStep && s.backend === backend) return;
    this.add(new SkipStep(backend, code, reason, until, until === Infinity ? 0 : Date.now()));
  }

  private add(step: AttemptStep | SkipStep): void {
    if (this.steps === NONE) this.steps = [step];
    else (this.steps as (AttemptStep | SkipStep)[]).push(step);
  }
}

/** For builds and tests that record nothing. */
export const NOOP_TRACE: RequestTrace = {
  candidates() {},
  onSkip: undefined,
  attempt() {},
  attempted() {},
  fail() {},
  ended() {},
};
