/**
 * Quota-aware routing for one pool (issue 10): the attempt loop asks where a
 * request goes, and tells what came back.
 *
 *   const plan = router.admit(request, targets, now, tried);
 *   // dispatch(target, ticket) | wait(waiter, until) | reject(reason, retryAfterMs)
 *   router.observe(target, ticket, status, headers, now);
 *
 * Owns, per (backend, deployment) `quotaKey`, a quota model (./quotaModel.ts)
 * and a size-aware rest (./sizeRest.ts); per alias, the admission queue
 * (./admission.ts) and the round-robin state. Choice is ./choose.ts.
 *
 * Queue discipline: FIFO with a reservation for the head (EASY backfilling):
 * the head waits for the deployment it fits first; later requests may go
 * ahead only on other deployments, so they never delay it, and a large
 * request cannot be starved by small ones. Waiting is bounded by `maxWaitMs`:
 * a request whose own fit time is past it is answered at once, with a retry
 * time for its size (that fit time, or later if the work queued ahead will
 * take longer to drain); one that may fit in time waits, and is answered at
 * its deadline if it was not placed. (Refusing on the drain projection alone
 * turned away work that windows freeing together would have taken: issue 10's
 * benchmark, 120 % load, 87-91 % of the quota used against 94 %.) A refused
 * request's retry keeps its place in line (./refusals.ts): it queues as of
 * its first arrival and so ahead of requests that came while it was away.
 *
 * `roundRobin` mode is today's behaviour: smooth weighted round-robin over
 * the best available priority group (./pick.ts), no queue, no quota gating.
 *
 * Pure: every method takes `now`; no timers (./admissionDriver.ts has the one
 * timer the proxy needs).
 */
import { AdmissionQueue, type Waiter } from './admission';
import { chooseByQuota, type QuotaChoice, type QuotaOption } from './choose';
import { pick, soonestAvailable, type RoundRobinState } from './pick';
import { QuotaModel, type QuotaSnapshot } from './quotaModel';
import { Refusals } from './refusals';
import { SizeRest } from './sizeRest';
import { admissionSlackFor } from './slidingWindows';
import type { HeaderBag, ThrottleDelay } from './throttle';
import { ROUTER_DEFAULTS, type Outcome, type Plan, type RejectReason, type RouteRequest, type RouterOptions, type RouterTarget, type Ticket } from './routerTypes';

export { ROUTER_DEFAULTS };
export type { Outcome, Plan, RejectReason, RouteRequest, RouterOptions, RouterTarget, RoutingMode, Ticket } from './routerTypes';

/** At most this much of a waiter's maximum wait is kept back for timer lateness. */
const MAX_TIMER_SLACK_MS = 20;
/** Later waiters looked at for backfilling per poll: bounds the work of one wake-up. */
const BACKFILL_SCAN = 32;

interface AliasState<T> {
  queue: AdmissionQueue<T>;
  rr: RoundRobinState;
  /** The head's reservation: the deployment it will fit first, and when. */
  reserved: { quotaKey: string; at: number } | undefined;
  /** When the next poll may change something for this alias. */
  wakeAt: number;
  /** Requests refused for quota whose retries are expected. */
  refusals: Refusals;
}

export class QuotaRouter<T extends RouterTarget> {
  readonly options: Required<RouterOptions>;
  private readonly models = new Map<string, QuotaModel>();
  private readonly rests = new Map<string, SizeRest>();
  private readonly aliases = new Map<string, AliasState<T>>();
  private nextId = 1;

  constructor(options: RouterOptions = {}) {
    this.options = { ...ROUTER_DEFAULTS, admissionSlackMs: admissionSlackFor(options.minuteMs ?? ROUTER_DEFAULTS.minuteMs), ...options };
  }

  /**
   * A config reload: the new options apply at once (queues included; the
   * minute's length and the slack stay, the models are built on them), and the state of
   * deployments no longer configured is dropped. The rest carries over.
   */
  reconfigure(options: RouterOptions, quotaKeys: ReadonlySet<string>): void {
    Object.assign(this.options, options, { minuteMs: this.options.minuteMs, admissionSlackMs: this.options.admissionSlackMs });
    for (const a of this.aliases.values()) {
      a.queue.limits.maxLength = this.options.maxQueueLength;
      a.queue.limits.maxBytes = this.options.maxQueuedBytes;
    }
    for (const k of this.models.keys()) {
      if (quotaKeys.has(k)) continue;
      this.models.delete(k);
      this.rests.delete(k);
    }
  }

  /** Where this request goes now, whether it waits, or why it is refused. */
  admit(req: RouteRequest, targets: readonly T[], now: number, exclude?: ReadonlySet<string>): Plan<T> {
    const a = this.alias(req.alias);
    if (this.options.mode === 'roundRobin') {
      const c = pick(targets, now, a.rr, exclude);
      if (c) return this.dispatch(c, req.charge, now);
      const soonest = soonestAvailable(targets.filter((t) => !exclude?.has(t.name)));
      return reject('unavailable', Number.isFinite(soonest) ? Math.max(1, soonest - now) : undefined);
    }
    if (a.queue.length === 0 && this.allUnknown(targets, req.charge, now, exclude)) {
      // Every open target says "fits" with no headroom to compare: chooseByQuota's rule for unknown limits
      // (round-robin over the best available priority group), without building an option per target.
      const c = pick(targets, now, a.rr, exclude);
      if (c) return this.dispatch(c, req.charge, now);
    }
    // The wake-up timer fires a little late (more on a busy event loop): keep
    // that lateness inside the promised maximum instead of past it.
    const deadline = req.deadline ?? now + this.options.maxWaitMs - Math.min(MAX_TIMER_SLACK_MS, this.options.maxWaitMs * 0.05);
    const firstSeen = a.refusals.recall(req.charge, now) ?? now;
    // A retry that goes ahead of the head does not yield to the head's reservation.
    const head = a.queue.head;
    const reserved = head && head.firstSeen <= firstSeen ? a.reserved : undefined;
    const choice = this.choose(targets, req.charge, now, exclude, reserved, a.rr);
    if (choice.kind === 'now') return this.dispatch(choice.option.candidate, req.charge, now);
    if (choice.kind === 'never') return this.never(targets, req.charge, now, exclude);
    // The decision to wait counts only the request's own fit time; the retry time also the work ahead.
    if (choice.at > deadline) return this.refuse(a, 'busy', choice.at, req.charge, firstSeen, targets, now, exclude);
    const bytes = req.bytes ?? 0;
    if (!a.queue.hasRoom(bytes)) return this.refuse(a, 'queueFull', choice.at, req.charge, firstSeen, targets, now, exclude);
    const waiter: Waiter<T> = { id: this.nextId++, alias: req.alias, charge: req.charge, bytes, arrivedAt: now, firstSeen, deadline, targets, exclude, state: 'waiting' };
    a.queue.push(waiter);
    if (a.queue.head === waiter) a.reserved = { quotaKey: choice.option.candidate.quotaKey, at: choice.at };
    a.wakeAt = Math.min(a.wakeAt, choice.at, deadline);
    return { kind: 'wait', waiter, until: choice.at };
  }

  /**
   * Decides for the waiters whose time has come: dispatches those that now
   * fit (head first, then backfill on other deployments) and refuses those
   * past their deadline, with a retry time for their size.
   */
  poll(now: number): { waiter: Waiter<T>; outcome: Outcome<T> }[] {
    const out: { waiter: Waiter<T>; outcome: Outcome<T> }[] = [];
    const settle = (a: AliasState<T>, w: Waiter<T>, outcome: Outcome<T>): void => {
      a.queue.remove(w);
      w.state = outcome.kind === 'dispatch' ? 'dispatched' : 'rejected';
      out.push({ waiter: w, outcome });
    };
    for (const a of this.aliases.values()) {
      if (a.queue.length === 0) continue;
      a.reserved = undefined;
      let wake = Infinity;
      for (const w of a.queue.list()) {
        if (w.deadline > now) continue;
        const c = this.choose(w.targets, w.charge, now, w.exclude, undefined, a.rr);
        settle(a, w, c.kind === 'now' ? this.dispatch(c.option.candidate, w.charge, now)
          : c.kind === 'later' ? this.refuse(a, 'deadline', c.at, w.charge, w.firstSeen, w.targets, now, w.exclude) : this.never(w.targets, w.charge, now, w.exclude));
      }
      for (let head = a.queue.head; head; head = a.queue.head) {
        const c = this.choose(head.targets, head.charge, now, head.exclude, undefined, a.rr);
        if (c.kind === 'later') {
          a.reserved = { quotaKey: c.option.candidate.quotaKey, at: c.at };
          wake = c.at;
          break;
        }
        settle(a, head, c.kind === 'now' ? this.dispatch(c.option.candidate, head.charge, now) : this.never(head.targets, head.charge, now, head.exclude));
      }
      for (const w of a.queue.list().slice(1, 1 + BACKFILL_SCAN)) {
        const c = this.choose(w.targets, w.charge, now, w.exclude, a.reserved, a.rr);
        if (c.kind === 'now') settle(a, w, this.dispatch(c.option.candidate, w.charge, now));
        else if (c.kind === 'later') wake = Math.min(wake, c.at);
      }
      for (const w of a.queue.list()) wake = Math.min(wake, w.deadline);
      a.wakeAt = wake;
    }
    return out;
  }

  /** When `poll` should next run (Infinity: nobody waits). One timer for the whole pool. */
  nextWakeAt(): number {
    let at = Infinity;
    for (const a of this.aliases.values()) if (a.queue.length > 0 && a.wakeAt < at) at = a.wakeAt;
    return at;
  }

  /** The client left while queued: it leaves the queue. */
  leave(w: Waiter<T>): void {
    const a = this.aliases.get(w.alias);
    if (a?.queue.remove(w)) w.state = 'left';
  }

  /**
   * What came back for a dispatched request: corrects the quota model with
   * the rate-limit headers, and on 429 undoes the charge (Azure did not
   * admit it) and rests this size and larger for the time the headers say.
   * Returns that rest, for the request's timeline.
   */
  observe(target: T, ticket: Ticket, status: number, headers: HeaderBag, now: number): ThrottleDelay | undefined {
    const model = this.model(target);
    let rest: ThrottleDelay | undefined;
    if (status === 429) {
      model.release(ticket.charge, ticket.sentAt);
      model.refused();
      rest = this.rest(target.quotaKey).throttled(ticket.charge, headers, now, this.options.defaultRestMs, this.options.maxRestMs);
    }
    model.observe(headers, ticket.sentAt, now);
    return rest;
  }

  /** A dispatch that never reached the backend (no credential, connect error): nothing was charged there. */
  release(ticket: Ticket): void {
    this.models.get(ticket.quotaKey)?.release(ticket.charge, ticket.sentAt);
  }

  /** Quota of one (backend, deployment) for the views: limits, what remains now, rests. */
  quota(quotaKey: string, now: number): (QuotaSnapshot & { restingFrom: number | undefined }) | undefined {
    const m = this.models.get(quotaKey);
    if (!m) return undefined;
    const rests = this.rests.get(quotaKey)?.active(now) ?? [];
    return { ...m.snapshot(now), restingFrom: rests.length ? Math.min(...rests.map((r) => r.from)) : undefined };
  }

  /** What waits for an alias: requests, their tokens and bytes, and the deployment the head holds. */
  queued(alias: string): { length: number; tokens: number; bytes: number; reservedOn: string | undefined } {
    const a = this.aliases.get(alias);
    return { length: a?.queue.length ?? 0, tokens: a?.queue.tokens ?? 0, bytes: a?.queue.bytes ?? 0, reservedOn: a?.queue.length ? a.reserved?.quotaKey : undefined };
  }

  private choose(targets: readonly T[], charge: number, now: number, exclude: ReadonlySet<string> | undefined,
    reserved: { quotaKey: string; at: number } | undefined, rr: RoundRobinState): QuotaChoice<T> {
    const options: QuotaOption<T>[] = [];
    for (const t of targets) {
      if (exclude?.has(t.name)) continue;
      const model = this.model(t);
      let fitAt = Math.max(t.availableAt, model.fitAt(charge, now), this.rests.get(t.quotaKey)?.availableAt(charge, now) ?? now);
      // Someone waits for this deployment: newcomers may not delay them.
      if (reserved && reserved.quotaKey === t.quotaKey) fitAt = Math.max(fitAt, reserved.at, now + 1);
      // Headroom only ranks options that fit now: the others are not asked (it walks the windows).
      options.push({ candidate: t, name: t.name, priority: t.priority, weight: t.weight, fitAt, headroom: fitAt <= now ? model.headroom(now) : undefined, availableAt: fitAt });
    }
    return chooseByQuota(options, now, rr);
  }

  /**
   * True when no open target knows its token limit or rests a request of
   * this size: then each fits now as far as quota goes (its health decides),
   * which is the common case of a pool whose limits are not configured and
   * whose backends send no `x-ratelimit-limit-*` (issue 10's throughput
   * benchmark). Creates the models as `choose` would.
   */
  private allUnknown(targets: readonly T[], charge: number, now: number, exclude: ReadonlySet<string> | undefined): boolean {
    for (const t of targets) {
      if (exclude?.has(t.name)) continue;
      if (this.model(t).known) return false;
      const r = this.rests.get(t.quotaKey);
      if (r && r.availableAt(charge, now) > now) return false;
    }
    return true;
  }

  private dispatch(target: T, charge: number, now: number): Outcome<T> {
    this.model(target).charge(charge, now);
    return { kind: 'dispatch', target, ticket: { quotaKey: target.quotaKey, charge, sentAt: now } };
  }

  /**
   * Refuses for quota, with a retry time no earlier than `fitAt` nor than
   * when the work ahead of it in line (queued, and refused but expected back)
   * has drained, and remembers the request so that its retry keeps its place.
   * (Telling every refused client the same next period brought them all back
   * at once, and most were refused again: issue 10's benchmark at 90 % load.)
   */
  private refuse(a: AliasState<T>, reason: RejectReason, fitAt: number, charge: number, firstSeen: number, targets: readonly T[], now: number,
    exclude: ReadonlySet<string> | undefined): Outcome<T> {
    let ahead = a.refusals.tokensBefore(firstSeen, now);
    for (const w of a.queue.list()) if (w.firstSeen < firstSeen) ahead += w.charge;
    const retryAfterMs = Math.max(1, Math.ceil(Math.max(fitAt, this.drainedAt(ahead, targets, now, exclude)) - now));
    // A client may come back somewhat after the time it was given: a 10 s period's grace.
    a.refusals.remember(charge, firstSeen, now + retryAfterMs + this.options.minuteMs / 6, now);
    return reject(reason, retryAfterMs);
  }

  /** Nothing will ever fit: too large everywhere, or no target at all. */
  private never(targets: readonly T[], charge: number, now: number, exclude?: ReadonlySet<string>): Outcome<T> {
    const open = targets.filter((t) => !exclude?.has(t.name));
    const tooLarge = open.length > 0 && open.every((t) => {
      const tpm = this.model(t).limits.tokensPerMinute;
      return tpm !== undefined && charge > tpm;
    });
    if (tooLarge) return reject('tooLarge', undefined);
    const soonest = soonestAvailable(open);
    return reject('unavailable', Number.isFinite(soonest) && soonest > now ? Math.ceil(soonest - now) : undefined);
  }

  /**
   * When the work already queued (`tokens`) has drained through these
   * targets at their token rates: with a queue ahead, a newcomer's own fit
   * time is not the whole story. Unknown limits give no estimate (now).
   */
  private drainedAt(tokens: number, targets: readonly T[], now: number, exclude?: ReadonlySet<string>): number {
    if (tokens <= 0) return now;
    let perMs = 0;
    for (const t of targets) {
      if (exclude?.has(t.name)) continue;
      const tpm = this.model(t).limits.tokensPerMinute;
      if (tpm === undefined) return now;
      perMs += tpm / this.options.minuteMs;
    }
    return perMs > 0 ? now + tokens / perMs : Infinity;
  }

  private model(t: T): QuotaModel {
    let m = this.models.get(t.quotaKey);
    if (!m) {
      m = new QuotaModel(t.limits ?? {}, { minuteMs: this.options.minuteMs, slackMs: this.options.admissionSlackMs });
      this.models.set(t.quotaKey, m);
    } else if (t.limits) {
      // A config reload may change the capacity; learned limits still win.
      m.configured = t.limits;
    }
    return m;
  }

  private rest(quotaKey: string): SizeRest {
    let r = this.rests.get(quotaKey);
    if (!r) {
      r = new SizeRest();
      this.rests.set(quotaKey, r);
    }
    return r;
  }

  private alias(name: string): AliasState<T> {
    let a = this.aliases.get(name);
    if (!a) {
      a = { queue: new AdmissionQueue<T>({ maxLength: this.options.maxQueueLength, maxBytes: this.options.maxQueuedBytes }), rr: new Map(), reserved: undefined, wakeAt: Infinity, refusals: new Refusals(this.options.maxQueueLength) };
      this.aliases.set(name, a);
    }
    return a;
  }
}

function reject(reason: RejectReason, retryAfterMs: number | undefined): Outcome<never> {
  return { kind: 'reject', reason, retryAfterMs };
}
