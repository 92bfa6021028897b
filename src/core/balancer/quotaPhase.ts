/**
 * Where a deployment's fixed minute starts, learned from its answers
 * (issue 10). Azure counts each limit in fixed periods ("a running token
 * count ... reset each minute"; see src/core/simulator/quota.ts), but does
 * not say when its minute starts. Every answer tells how much of the current
 * minute is used (`x-ratelimit-limit-tokens` minus
 * `x-ratelimit-remaining-tokens`); matching that against what the proxy sent
 * places the minute's start between two of its own charges (./fixedPeriods.ts
 * does the matching). Each such answer gives an interval; intersected modulo
 * the minute they narrow to where the boundary is.
 *
 * Trust is earned and lost: the boundary is used only once two answers agree,
 * an answer that disagrees starts the learning again, and a deployment whose
 * answers keep disagreeing (someone else spends the quota, or it does not
 * count in fixed minutes) is given up on: the model stays with sliding
 * windows, which are safe wherever the periods start.
 *
 * Pure: times are given; no clock.
 */

/** An interval of epoch ms in which one minute boundary lies (every other is a whole number of minutes away). */
export interface Boundary {
  lo: number;
  hi: number;
}

/** Answers that must agree before the boundary is used. */
const CONFIRMATIONS = 2;
/** Disagreements tolerated before giving up: at least this many, and more than a fifth of the agreements. */
const MIN_CONFLICTS = 3;

export class MinutePhase {
  private estimate: Boundary | undefined;
  private agreements = 0;
  private conflicts = 0;
  private totalAgreements = 0;

  constructor(readonly minuteMs: number) {}

  /** The boundary, once confirmed and while trusted; undefined otherwise. */
  get boundary(): Boundary | undefined {
    return this.agreements >= CONFIRMATIONS && !this.givenUp ? this.estimate : undefined;
  }

  /** Whether answers disagreed too often to trust any boundary again. */
  get givenUp(): boolean {
    return this.conflicts >= MIN_CONFLICTS && this.conflicts * 5 > this.totalAgreements;
  }

  /** One answer's evidence: a minute boundary lies in `[lo, hi]`. */
  learn(lo: number, hi: number): void {
    if (!(hi > lo) || hi - lo >= this.minuteMs || this.givenUp) return;
    const e = this.estimate;
    if (!e) {
      this.estimate = { lo, hi };
      this.agreements = 1;
      return;
    }
    const shift = Math.round((lo + hi - e.lo - e.hi) / 2 / this.minuteMs) * this.minuteMs;
    const nlo = Math.max(e.lo, lo - shift);
    const nhi = Math.min(e.hi, hi - shift);
    if (nlo <= nhi) {
      this.estimate = { lo: nlo, hi: nhi };
      this.agreements++;
      this.totalAgreements++;
    } else {
      this.conflict();
      this.estimate = { lo, hi };
      this.agreements = 1;
    }
  }

  /** The deployment refused a request the boundary said fits: start again (and count it against trust). */
  conflict(): void {
    this.conflicts++;
    this.estimate = undefined;
    this.agreements = 0;
  }
}
