/**
 * Routing for one request, behind the attempt loop's "who next?" (issue 10).
 * `forward` asks `next()` before each attempt and tells what came back; it
 * does not know which mode answers:
 *
 * - `quota` (configured aliases of chat, completions, responses and
 *   embeddings): the request's charge is estimated once, the pool's
 *   `QuotaRouter` admits it where it fits, or holds it in the admission queue
 *   ('wait', cancelled when the client leaves), or refuses it with a retry
 *   time true for its size; every answer's `x-ratelimit-*` headers correct
 *   the model and a 429 rests that size and larger.
 * - otherwise (`roundRobin`, names the config does not list, requests that
 *   spend no tokens, ids pinned to a backend): today's round-robin router.
 *
 * The router and its queue outlive config reloads (`QuotaRouting.carry`):
 * what was spent on a deployment still counts after a settings change.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AdmissionDriver, type WaitResult } from '../balancer/admissionDriver';
import { chargeKind, estimateCharge } from '../balancer/estimate';
import { QuotaRouter, type RouterOptions, type RouterTarget, type Ticket } from '../balancer/router';
import type { QuotaLimits } from '../balancer/quotaModel';
import type { RouteDecision, SkipListener } from '../balancer/route';
import { admissionSlackFor } from '../balancer/slidingWindows';
import type { DeploymentInfo, PoolConfig } from '../config/types';
import type { BackendSnapshot } from '../balancer/healthTypes';
import { anyEncodingLoaded, countTokens, encodingForModel, isEncodingLoaded } from '../tokens';
import type { ProxyContext } from './context';
import type { PoolCandidate } from './pool';
import type { Targets } from './targets';

/** Response header: how long the request waited for quota, when it waited. */
export const QUEUED_MS_HEADER = 'x-aoai-pool-queued-ms';

/** A candidate as the quota router sees it: its deployment's quota, and health without 429 rests (the router rests by size). */
export class QuotaTarget implements RouterTarget {
  readonly quotaKey: string;
  readonly limits: QuotaLimits | undefined;

  constructor(readonly candidate: PoolCandidate, info: DeploymentInfo | undefined) {
    this.quotaKey = quotaKeyOf(candidate.name, candidate.deployment);
    this.limits = info?.tpm !== undefined || info?.rpm !== undefined ? { tokensPerMinute: info.tpm, requestsPerMinute: info.rpm } : undefined;
  }

  get name(): string {
    return this.candidate.name;
  }

  get priority(): number {
    return this.candidate.priority;
  }

  get weight(): number {
    return this.candidate.weight;
  }

  get availableAt(): number {
    return this.candidate.downUntil;
  }
}

export function quotaKeyOf(backend: string, deployment: string): string {
  return `${backend}/${deployment}`;
}

/** The pool's quota router and the one timer of its queue; carried across config reloads. */
export class QuotaRouting {
  private constructor(
    readonly router: QuotaRouter<QuotaTarget>,
    readonly driver: AdmissionDriver<QuotaTarget>,
  ) {}

  /** The previous generation's router with the new options, or a new one when the quota minute changed. */
  static carry(config: PoolConfig, previous: QuotaRouting | undefined): QuotaRouting {
    const options = routerOptions(config);
    const keys = new Set(config.backends.flatMap((b) => Object.values(b.deployments ?? {}).map((d) => quotaKeyOf(b.name, d))));
    if (previous && previous.router.options.minuteMs === options.minuteMs) {
      previous.router.reconfigure(options, keys);
      previous.driver.kick();
      return previous;
    }
    const router = new QuotaRouter<QuotaTarget>(options);
    return new QuotaRouting(router, new AdmissionDriver(router));
  }
}

function routerOptions(config: PoolConfig): Required<RouterOptions> {
  return {
    mode: config.routing, maxWaitMs: config.queue.maxWaitMs, maxQueueLength: config.queue.maxLength, maxQueuedBytes: config.queue.maxMB * 2 ** 20,
    minuteMs: config.quotaMinuteMs, admissionSlackMs: admissionSlackFor(config.quotaMinuteMs), defaultRestMs: config.cooldown.defaultSec * 1000, maxRestMs: config.cooldown.maxSec * 1000,
  };
}

/** Health snapshots with each deployment's quota (limits, remaining now, queued), for `/_pool/health` and the tree. */
export function withQuota(list: BackendSnapshot[], router: QuotaRouter<QuotaTarget>, now: number): BackendSnapshot[] {
  return list.map((s) => ({
    ...s,
    deployments: s.deployments.map((d) => {
      const q = router.quota(quotaKeyOf(s.name, d.deployment), now);
      const w = router.queued(d.alias);
      if (!q && w.length === 0) return d;
      return { ...d, quota: {
        limitTokens: q?.limitTokens, limitRequests: q?.limitRequests, remainingTokens: q?.remainingTokens, remainingRequests: q?.remainingRequests,
        periods: q?.periods, queued: w.length, queuedTokens: w.tokens,
      } };
    }),
  }));
}

/** Why quota routing refused a request: it would wait too long (`busy`), or it never fits (`tooLarge`). */
export interface QuotaRefusal {
  reason: 'busy' | 'tooLarge';
  /** The request's estimated charge, in tokens. */
  charge: number;
  /** When a request of this size fits (busy only). */
  retryAfterMs: number | undefined;
}

/** "Who next?" for one request, and what came back from each attempt. */
export interface RequestRoute {
  next(tried: ReadonlySet<string>, now: number, onSkip?: SkipListener<PoolCandidate>): RouteDecision<PoolCandidate>;
  /** The answer's head from `c`. */
  answered(c: PoolCandidate, status: number, headers: IncomingHttpHeaders, now: number): void;
  /** No answer from `c`; `neverLeft`: nothing reached it (no credential, no connection), so nothing was spent there. */
  failed(c: PoolCandidate, neverLeft: boolean): void;
  /** Set when the route refused the request itself (forward answers it). */
  readonly refused: QuotaRefusal | undefined;
  /** The request is over: whatever was admitted and never sent is given back. */
  end(): void;
}

/** The route for this request: quota routing where it applies, today's router elsewhere. */
export function routeFor(ctx: ProxyContext, targets: Targets): RequestRoute {
  const { quota, alias } = targets;
  const kind = quota && alias !== undefined && !targets.probe404 && ctx.pool.config.routing === 'quota' ? chargeKind(ctx.req.url ?? '') : 'none';
  if (kind === 'none') return new RoundRobinRoute(ctx, targets);
  // Without max_tokens Azure charges the deployment's output ceiling; the first member that states one speaks for the alias.
  let defaultMaxTokens: number | undefined;
  for (const t of quota!) if ((defaultMaxTokens = t.candidate.backend.deploymentInfo[alias!]?.maxOutputTokens) !== undefined) break;
  // The tokenizer only once something else loaded its encoding (the language model provider does): loading
  // it blocks the event loop for about a second, and Azure itself admits by characters (estimate.ts).
  const counter = anyEncodingLoaded() && isEncodingLoaded(encodingForModel(alias)) ? (text: string) => countTokens(text, alias) : undefined;
  const est = estimateCharge(kind, { json: ctx.json, body: ctx.body }, { countTokens: counter, defaultMaxTokens });
  return new QuotaRoute(ctx, targets, quota!, est.total);
}

/** Today's router: smooth weighted round-robin, 429s rest the whole deployment. */
class RoundRobinRoute implements RequestRoute {
  readonly refused = undefined;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly targets: Targets,
  ) {}

  next(tried: ReadonlySet<string>, now: number, onSkip?: SkipListener<PoolCandidate>): RouteDecision<PoolCandidate> {
    return this.ctx.pool.router.next(this.targets, tried, now, onSkip);
  }

  answered(): void {}
  failed(): void {}
  end(): void {}
}

interface Sent {
  target: QuotaTarget;
  ticket: Ticket;
}

class QuotaRoute implements RequestRoute {
  refused: QuotaRefusal | undefined;
  /**
   * Admitted and not yet answered: one at a time in the attempt loop (an
   * answer's head comes before the next attempt), so one slot, and a map
   * only if a second is ever outstanding (no Map per request: issue 10).
   */
  private sent: Sent | undefined;
  private moreSent: Map<string, Sent> | undefined;
  private waited: WaitResult<QuotaTarget> | undefined;
  private waitFrom = 0;
  private queuedMs = 0;
  /** From the first admission: re-admissions after a failover keep the total wait bounded. */
  private deadline: number | undefined;

  private readonly q: QuotaRouting;
  private readonly alias: string;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly all: Targets,
    private readonly targets: readonly QuotaTarget[],
    private readonly charge: number,
  ) {
    this.q = ctx.pool.quota;
    this.alias = all.alias!;
  }

  next(tried: ReadonlySet<string>, now: number, onSkip?: SkipListener<PoolCandidate>): RouteDecision<PoolCandidate> {
    let plan = this.waited;
    this.waited = undefined;
    if (plan) this.noteQueued(now);
    else if (this.noneOpen(tried, now)) {
      // Nobody can take it for reasons of health (missing deployment, credentials, failures): the
      // round-robin router says so the same way in both modes (when waiting helps, and why not).
      return this.ctx.pool.router.next(this.all, tried, now, onSkip);
    } else {
      const p = this.q.router.admit({ alias: this.alias, charge: this.charge, bytes: this.ctx.body?.length, deadline: this.deadline }, this.targets, now, tried);
      if (p.kind === 'wait') {
        this.deadline = p.waiter.deadline;
        if (onSkip) this.reportSkips(tried, now, onSkip, `does not fit its quota now; queued for up to ${Math.max(0, p.waiter.deadline - now)} ms`);
        const w = this.q.driver.wait(p.waiter);
        this.waitFrom = now;
        // No timer of its own: the driver settles it by the deadline (dispatch or refusal), or the client leaves (cancel).
        return { kind: 'wait', until: Infinity, ready: w.done.then((r) => (this.waited = r)), cancel: w.cancel };
      }
      plan = p;
    }
    if (plan.kind === 'dispatch') {
      this.remember({ target: plan.target, ticket: plan.ticket });
      if (onSkip) this.reportSkips(tried, now, onSkip, undefined, plan.target.name);
      return { kind: 'try', candidate: plan.target.candidate };
    }
    if (plan.kind === 'left') return { kind: 'none', retryAt: undefined };
    if (plan.reason === 'unavailable') return this.ctx.pool.router.next(this.all, tried, now, onSkip);
    if (onSkip) this.reportSkips(tried, now, onSkip, 'does not fit its quota within the longest wait (queue.maxWaitSec)');
    this.refused = plan.reason === 'tooLarge'
      ? { reason: 'tooLarge', charge: this.charge, retryAfterMs: undefined }
      : { reason: 'busy', charge: this.charge, retryAfterMs: plan.retryAfterMs };
    return { kind: 'none', retryAt: plan.retryAfterMs !== undefined ? now + plan.retryAfterMs : undefined };
  }

  answered(c: PoolCandidate, status: number, headers: IncomingHttpHeaders, now: number): void {
    const s = this.take(c.name);
    if (!s) return;
    this.q.router.observe(s.target, s.ticket, status, headers, now);
    // The headers may have raised a limit, or the 429 a rest that others waited behind.
    this.kick();
  }

  failed(c: PoolCandidate, neverLeft: boolean): void {
    const s = this.take(c.name);
    if (s && neverLeft) this.release(s.ticket);
  }

  end(): void {
    if (this.sent) this.release(this.sent.ticket);
    this.sent = undefined;
    if (!this.moreSent) return;
    for (const s of this.moreSent.values()) this.release(s.ticket);
    this.moreSent = undefined;
  }

  private remember(s: Sent): void {
    if (!this.sent || this.sent.target.name === s.target.name) {
      this.sent = s;
      this.moreSent?.delete(s.target.name);
    } else (this.moreSent ??= new Map()).set(s.target.name, s);
  }

  private take(name: string): Sent | undefined {
    const s = this.sent;
    if (s && s.target.name === name) {
      this.sent = undefined;
      return s;
    }
    const m = this.moreSent?.get(name);
    if (m) this.moreSent!.delete(name);
    return m;
  }

  /** Health alone keeps every target from this request (tried, ejected, no credential...). */
  private noneOpen(tried: ReadonlySet<string>, now: number): boolean {
    for (const t of this.targets) if (!tried.has(t.name) && t.availableAt <= now) return false;
    return true;
  }

  private release(ticket: Ticket): void {
    this.q.router.release(ticket);
    this.kick();
  }

  /**
   * Lets the queue move after something freed quota. Only when someone
   * waits: every waiter of the router's queue is registered with the driver
   * (`next` hands it over at once), so with none the poll has nothing to
   * decide, and skipping it spares every answer a pass over the queues.
   */
  private kick(): void {
    if (this.q.driver.waiting > 0) this.q.driver.kick();
  }

  private noteQueued(now: number): void {
    this.queuedMs += Math.max(0, now - this.waitFrom);
    if (!this.ctx.res.headersSent) this.ctx.res.setHeader(QUEUED_MS_HEADER, String(Math.round(this.queuedMs)));
  }

  /** Why the untried candidates other than `chosen` got nothing: a health rest, or (when `quotaText`) their quota. */
  private reportSkips(tried: ReadonlySet<string>, now: number, onSkip: SkipListener<PoolCandidate>, quotaText: string | undefined, chosen?: string): void {
    for (const t of this.targets) {
      const c = t.candidate;
      if (tried.has(c.name) || c.name === chosen) continue;
      // Its health rest when it has one (a 429's cooldown included: the rest by size came from it), as round-robin reports it.
      const rest = c.availableAt > now ? c.rest(now) : undefined;
      if (rest) onSkip(c, rest.reason, rest);
      else if (quotaText) onSkip(c, 'quota', { until: Infinity, text: quotaText });
    }
  }
}
