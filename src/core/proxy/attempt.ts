/**
 * One attempt at one backend, and what a request's attempts leave behind.
 * An attempt gets the backend's own credential, starts the exchange, waits
 * for the answer's head, reports the outcome to `observe()` (the one place
 * that turns it into health), and then relays the answer, keeps it in
 * reserve while another backend is tried, or moves on.
 *
 * `Attempts` has the three points where a request's story is told:
 * `onSkip` (a candidate passed over, and why), `attempted` (each attempt's
 * result) and `ended` (the outcome). The request log and timeline hook there.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { mayBeDeploymentNotFound, observe, type Observation, type Outcome, type Verdict } from '../balancer/observe';
import type { SkipListener } from '../balancer/route';
import type { RetryBudget } from '../balancer/retryBudget';
import { ANY_DEPLOYMENT } from '../balancer/health';
import { upstreamRequestHeaders } from './headers';
import { Exchange, type ResponseHead } from './exchange';
import { upstreamPath } from './routes';
import { ownerLearner, teachesOwner } from './sticky';
import { bodyCoding, decodeBody } from './encoding';
import { describeUpstreamError } from './upstream';
import type { PoolCandidate } from './pool';
import type { ProxyContext } from './context';
import type { Targets } from './targets';
import { routeFor, type RequestRoute } from './quotaRoute';

/** An answer worth relaying if nothing better comes (a 429, a 5xx, a 404 while looking for an id's owner). */
export interface Held {
  exchange: Exchange;
  head: ResponseHead;
  candidate: PoolCandidate;
  /** A 404 DeploymentNotFound: this backend lacks the deployment (others may have it). */
  deploymentMissing?: boolean;
}

export class Attempts {
  readonly tried = new Set<string>();
  held: Held | undefined;
  lastTransport: { kind: string; message: string } | undefined;
  /** Holds a retry-budget slot (taken at the first retry, given back when the request ends). */
  retrying = false;
  budgetRefused = false;
  /** Who next, and what each attempt's answer teaches the router. */
  readonly route: RequestRoute;

  constructor(
    readonly ctx: ProxyContext,
    readonly targets: Targets,
    private readonly budget: RetryBudget,
  ) {
    budget.start();
    this.onSkip = ctx.trace.onSkip;
    this.route = routeFor(ctx, targets);
  }

  /** Looking for the owner of an unknown id may ask every backend once. */
  get maxAttempts(): number {
    const n = this.targets.candidates.length;
    return this.targets.probe404 ? n : Math.min(this.ctx.pool.config.maxAttempts, n);
  }

  /**
   * May the next attempt start? The first always may; a retry needs a slot
   * of the retry budget, except while asking around for an id's owner.
   */
  mayAttempt(): boolean {
    if (this.tried.size === 0 || this.retrying || this.targets.probe404) return true;
    if (this.budget.tryRetry()) {
      this.retrying = true;
      return true;
    }
    // A pool-wide outage must not turn every request into maxAttempts requests.
    this.budgetRefused = true;
    return false;
  }

  /**
   * Hears about each candidate the router passes over (resting, no
   * credential) and why. Timeline: "skipped" (the request's trace listens).
   * Undefined while nobody records it, so the router does not spend an
   * allocation per skip.
   */
  onSkip: SkipListener<PoolCandidate> | undefined;

  /**
   * One attempt's result: what observe() made of it at `now`, with the status
   * and latency when the backend answered (undefined for transport and
   * credential failures). Timeline: "attempt" (a throttle rest from `now`).
   */
  attempted(c: PoolCandidate, verdict: Verdict, status: number | undefined, _latencyMs: number | undefined, now: number): void {
    if (verdict.failover) this.ctx.record.failovers.push({ backend: c.name, reason: verdict.reason });
    this.ctx.trace.attempted(c.name, verdict, status, now);
  }

  /** When the router last said "nobody now": when waiting would help (see RouteDecision). */
  retryAt: number | undefined;

  /**
   * Holds the request as the router's "wait" says (admission): until
   * `until`, or until `ready` settles, or until the client leaves, whichever
   * comes first. A client that leaves also calls `cancel` (it leaves the queue).
   */
  waitFor(wait: { until: number; ready?: Promise<unknown>; cancel?: () => void }): Promise<void> {
    const gone = this.ctx.gone;
    return new Promise((resolve) => {
      let over = false;
      let untrack: () => void = () => undefined;
      const done = (): void => {
        if (over) return;
        over = true;
        clearTimeout(timer);
        untrack();
        resolve();
      };
      // `until` Infinity: only `ready` or the client ends the wait (the admission queue has its own deadline).
      const timer = Number.isFinite(wait.until) ? setTimeout(done, Math.max(0, wait.until - Date.now())) : undefined;
      wait.ready?.then(done, done);
      // Cancelled at once if the client already left.
      untrack = gone.track({
        cancel: (): void => {
          if (!over) wait.cancel?.();
          done();
        },
      });
    });
  }

  /** Keeps an answer in reserve; the one it replaces is thrown away. */
  hold(h: Held | undefined): void {
    this.held?.exchange.discard();
    this.held = h;
  }

  /** The request is over: give back what it held. Timeline: "outcome" (`ctx.record` has status, backend, error). */
  ended(): void {
    this.hold(undefined);
    this.route.end();
    this.budget.end(this.retrying);
    this.ctx.trace.ended(this);
  }
}

/** Sends the request to `c`. 'done': the request is answered (or the client left); 'next': try another backend. */
export async function attempt(ctx: ProxyContext, run: Attempts, c: PoolCandidate): Promise<'done' | 'next'> {
  const { pool, record } = ctx;
  run.tried.add(c.name);
  // A retryable answer kept in case nothing better came: something might now.
  run.hold(undefined);
  // A client that leaves during a token fetch rejects the race (ClientLeftError): the server ends the request.
  const auth = c.backend.auth === 'apiKey' ? pool.auth.apiKeyHeader(c.backend) : await ctx.gone.race(pool.auth.headerFor(c.backend));
  if (ctx.gone.aborted) return 'done';
  if (!auth.ok) {
    run.route.failed(c, true);
    report(run, c, { kind: 'credential', state: auth.state, reason: auth.reason }, undefined, undefined);
    return 'next';
  }
  // Counted here, not above: a backend skipped for its credential got no request (the timeline shows the skip).
  record.attempts++;
  const body = ctx.rewriteBody && ctx.body ? ctx.rewriteBody(c.deployment) : ctx.body;
  const started = performance.now();
  const exchange = new Exchange();
  ctx.trace.attempt(c.name, c.deployment, exchange);
  ctx.gone.current = exchange;
  let head: ResponseHead;
  try {
    pool.upstreams.dispatch({
      origin: c.backend.endpoint,
      path: upstreamPath(ctx.route!, c.deployment === ANY_DEPLOYMENT ? undefined : c.deployment),
      method: ctx.req.method ?? 'GET',
      headers: upstreamRequestHeaders(ctx.req.headers, auth, body?.length),
      body,
      headersTimeout: ctx.stream ? pool.config.timeouts.streamHeadersMs : pool.config.timeouts.headersMs,
      bodyTimeout: pool.config.timeouts.idleMs,
    }, exchange);
    head = await exchange.response;
  } catch (e) {
    const d = describeUpstreamError(e);
    // The client left: not the backend's fault, and nobody to answer.
    if (ctx.gone.aborted || d.kind === 'aborted') return 'done';
    run.lastTransport = d;
    run.route.failed(c, d.kind === 'connect');
    report(run, c, { kind: 'transport', failure: transportKind(d.kind), message: d.message }, undefined, undefined);
    return 'next';
  }
  const status = head.statusCode;
  const latencyMs = performance.now() - started;
  run.route.answered(c, status, head.headers, Date.now());
  let errorCode: string | undefined;
  if (mayBeDeploymentNotFound(status, c.deployment)) {
    errorCode = await errorCodeOf(head.headers, await exchange.peekBody());
    if (ctx.gone.aborted) return 'done';
  }
  const verdict = report(run, c, { kind: 'answer', status, headers: head.headers, latencyMs, errorCode }, status, latencyMs);
  if (verdict.failover || (run.targets.probe404 && status === 404)) {
    run.hold({ exchange, head, candidate: c, deploymentMissing: errorCode !== undefined && verdict.failover && status === 404 });
    return 'next';
  }
  record.backend = c.name;
  record.status = status;
  // Found by asking around: remember who holds these ids.
  if (run.targets.probe404 && status < 400 && ctx.stateIds) ctx.settings.sticky.setAll(ctx.stateIds, c.name);
  const learn = teachesOwner(ctx.req.method, ctx.route?.kind, status) ? ownerLearner(ctx.settings.sticky, c.name) : undefined;
  const r = await exchange.relay(ctx.res, c.name, ctx.settings.mask, learn);
  if (r.kind === 'failedBeforeBody') {
    const d = describeUpstreamError(r.error);
    record.backend = undefined;
    run.lastTransport = d;
    report(run, c, { kind: 'transport', failure: transportKind(d.kind), message: `${d.message} before the body` }, undefined, undefined);
    return 'next';
  }
  if (r.kind === 'failedMidStream') {
    const d = describeUpstreamError(r.error);
    const message = `${d.message} mid-stream`;
    observe(c.health, { kind: 'transport', failure: transportKind(d.kind), message }, observation(ctx, c));
    ctx.trace.fail(message);
    record.error = message;
  }
  return 'done';
}

/** Reports an outcome to observe() and notes the attempt. */
function report(run: Attempts, c: PoolCandidate, o: Outcome, status: number | undefined, latencyMs: number | undefined): Verdict {
  const at = observation(run.ctx, c);
  const verdict = observe(c.health, o, at);
  run.attempted(c, verdict, status, latencyMs, at.now);
  return verdict;
}

function observation(ctx: ProxyContext, c: PoolCandidate): Observation {
  return { source: 'request', deployment: c.deployment, now: Date.now(), cooldown: ctx.pool.config.cooldown };
}

function transportKind(kind: ReturnType<typeof describeUpstreamError>['kind']): Extract<Outcome, { kind: 'transport' }>['failure'] {
  return kind === 'aborted' ? 'other' : kind;
}

/** `error.code` of a small JSON error body, decoded first if the backend compressed it (off the event loop). */
export function errorCodeOf(headers: IncomingHttpHeaders, raw: Buffer): Promise<string | undefined> {
  const coding = bodyCoding(headers['content-encoding']);
  if (coding === undefined) return Promise.resolve(undefined);
  if (coding === 'identity') return Promise.resolve(codeIn(raw));
  return new Promise((resolve) => decodeBody(raw, coding, 1024 * 1024, (err, body) => resolve(err ? undefined : codeIn(body))));
}

function codeIn(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { code?: unknown } } | null;
    const code = parsed?.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
