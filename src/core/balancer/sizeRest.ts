/**
 * Size-aware rest after a 429 (issue 10). A throttled answer says that a
 * request of this charge does not fit before the time the throttle headers
 * name: so requests of that charge and larger rest until then, while smaller
 * ones that the quota model says fit keep flowing. (Today's pool rests the
 * whole deployment for as long as its largest refused request needs.)
 *
 * Pure: each method takes `now`; the headers are read with `throttleDelay`.
 */
import { throttleDelay, type HeaderBag, type ThrottleDelay } from './throttle';

interface Rest {
  /** Smallest charge that rests. */
  from: number;
  until: number;
}

/** Rests older than this many at once are merged away; a deployment rarely holds more than a few. */
const MAX_RESTS = 16;

export class SizeRest {
  private rests: Rest[] = [];

  /**
   * Rests charges of `charge` and more after a 429 with these headers
   * (`defaultMs` when they name no time, capped at `maxMs`). Returns the
   * delay and which header decided, for the request's timeline.
   */
  throttled(charge: number, headers: HeaderBag, now: number, defaultMs: number, maxMs: number): ThrottleDelay {
    const d = throttleDelay(headers, now, defaultMs, maxMs);
    this.rest(charge, now + d.ms, now);
    return d;
  }

  rest(from: number, until: number, now: number): void {
    // Drop what the new rest covers: a rest for larger charges that ends no later.
    this.rests = this.rests.filter((r) => r.until > now && !(r.from >= from && r.until <= until));
    this.rests.push({ from, until });
    if (this.rests.length > MAX_RESTS) {
      // Keep the bound by merging the two smallest thresholds into the stricter rest.
      this.rests.sort((a, b) => a.from - b.from);
      const [a, b] = this.rests.splice(0, 2) as [Rest, Rest];
      this.rests.unshift({ from: a.from, until: Math.max(a.until, b.until) });
    }
  }

  /** When a request of `charge` may go again (`now` or earlier = now). */
  availableAt(charge: number, now: number): number {
    let at = now;
    for (const r of this.rests) if (r.from <= charge && r.until > at) at = r.until;
    return at;
  }

  /** The rests in force, for views: smallest resting charge and until when. */
  active(now: number): { from: number; until: number }[] {
    return this.rests.filter((r) => r.until > now).map((r) => ({ ...r }));
  }
}
