/**
 * Choice for one request, asked once per attempt: "who next?". The attempt
 * loop (`stages/forward.ts`) knows nothing about how the answer is found; it
 * tries the candidate it gets, reports the outcome to `observe()`, and asks
 * again. Today the answer is smooth weighted round-robin inside the best
 * priority group that has a backend available (`pick.ts`); quota-aware choice
 * and admission plug in here and may also answer "wait until T".
 *
 * Round-robin state is kept per configured alias (exact shares per alias) and
 * shared by every other name (pass-through backends serve any name a client
 * sends, and all of those names have the same candidates): it cannot grow
 * with the names clients invent.
 */
import type { Rest } from './health';
import type { SkipDetail, SkipReason } from './healthTypes';
import { pick, type Candidate, type RoundRobinState } from './pick';

/** A backend for one request's deployment, as the router sees it. */
export interface RouteCandidate extends Candidate {
  /** Why it cannot take the request now; undefined when it can. Asked on slow paths only. */
  rest(now: number): Rest | undefined;
}

/** What the router is asked about: the request's alias and the backends that may serve it. */
export interface RouteRequest<C extends RouteCandidate> {
  readonly alias: string | undefined;
  readonly candidates: readonly C[];
}

export type RouteDecision<C extends RouteCandidate> =
  /** Send it there now. */
  | { kind: 'try'; candidate: C }
  /**
   * Hold the request, then ask again: at `until`, or as soon as `ready`
   * settles (an admission queue releasing it); `cancel` is called if the
   * client leaves first. Today's router never says it.
   */
  | { kind: 'wait'; until: number; ready?: Promise<unknown>; cancel?: () => void }
  /**
   * Nobody now. `retryAt`: when waiting will help (the first candidate
   * resting for throttling or failures is back; or, with admission, when this
   * request would fit); undefined when it will not (credentials, config, a
   * missing deployment), and the pool answers why.
   */
  | { kind: 'none'; retryAt: number | undefined };

/** Why a candidate was passed over, for the request's timeline. */
export type { SkipReason };

export type SkipListener<C extends RouteCandidate> = (candidate: C, reason: SkipReason, rest: SkipDetail) => void;

/** The round-robin key every name that is not a configured alias shares. */
const SHARED = '\u0000other';

export class Router<C extends RouteCandidate> {
  private readonly rr = new Map<string, RoundRobinState>();

  /** `aliases`: the configured aliases; each gets its own round-robin state. */
  constructor(private readonly aliases: ReadonlySet<string>) {}

  /**
   * The next candidate for `req`, leaving out those in `tried`. `onSkip`
   * hears about every untried candidate passed over because it rests (only
   * when someone records a timeline: it costs an allocation per skip).
   */
  next(req: RouteRequest<C>, tried: ReadonlySet<string>, now: number, onSkip?: SkipListener<C>): RouteDecision<C> {
    if (onSkip) reportSkips(req.candidates, tried, now, onSkip);
    const c = pick(req.candidates, now, this.state(req.alias), tried);
    if (c) return { kind: 'try', candidate: c };
    let soonest = Infinity;
    for (const x of req.candidates) {
      if (tried.has(x.name) || x.availableAt >= soonest) continue;
      const rest = x.rest(now);
      if (rest && (rest.reason === 'throttled' || rest.reason === 'ejected')) soonest = rest.until;
    }
    return { kind: 'none', retryAt: Number.isFinite(soonest) ? soonest : undefined };
  }

  /** Round-robin entries held (bounded by the configured aliases, plus one). */
  get size(): number {
    return this.rr.size;
  }

  private state(alias: string | undefined): RoundRobinState {
    const key = alias !== undefined && this.aliases.has(alias) ? alias : SHARED;
    let s = this.rr.get(key);
    if (!s) {
      s = new Map();
      this.rr.set(key, s);
    }
    return s;
  }
}

function reportSkips<C extends RouteCandidate>(candidates: readonly C[], tried: ReadonlySet<string>, now: number, onSkip: SkipListener<C>): void {
  for (const c of candidates) {
    if (tried.has(c.name) || c.availableAt <= now) continue;
    const rest = c.rest(now);
    if (rest) onSkip(c, rest.reason, rest);
  }
}

/**
 * When every candidate rests for a while (throttled or ejected, not missing a
 * credential): the soonest time one is back. Undefined when someone can serve
 * now, or nobody will by waiting.
 */
export function everyoneRestingUntil(candidates: readonly RouteCandidate[], now: number): number | undefined {
  let soonest = Infinity;
  for (const c of candidates) {
    if (c.availableAt <= now) return undefined;
    if (c.availableAt < soonest) soonest = c.availableAt;
  }
  return candidates.length > 0 && Number.isFinite(soonest) ? soonest : undefined;
}

/** Every candidate that cannot serve now, with why (for the pool's own error answers). */
export function restsOf(candidates: readonly RouteCandidate[], now: number): { name: string; rest: Rest }[] {
  const out: { name: string; rest: Rest }[] = [];
  for (const c of candidates) {
    const rest = c.rest(now);
    if (rest) out.push({ name: c.name, rest });
  }
  return out;
}
