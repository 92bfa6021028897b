/**
 * Requests the pool refused for quota a moment ago, so that a client's retry
 * keeps its place in line (issue 10). A client told "429, come back in 8 s"
 * comes back with the same body; without this memory it would queue behind
 * everyone who arrived in those 8 s and be refused again, until its retries
 * run out (the benchmark at 90 % load: most client-visible errors were
 * requests refused three times while newer ones got through).
 *
 * A retry is recognised by its alias (one memory per alias) and its
 * estimated charge, which a resent body reproduces exactly. Nothing else is
 * kept: no body, no client identity. Two different requests of the same
 * charge can be confused; the cost is only queue order.
 *
 * Bounded: at most `max` refusals are remembered, each until its client
 * should have come back.
 */

interface Refusal {
  /** When the request was first seen: a retry queues as if it had arrived then. */
  firstSeen: number;
  /** Forgotten after this. */
  until: number;
}

export class Refusals {
  private readonly byCharge = new Map<number, Refusal[]>();
  private count = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.count;
  }

  /** A request first seen at `firstSeen` was refused; its retry is expected by `until`. */
  remember(charge: number, firstSeen: number, until: number, now: number): void {
    if (this.count >= this.max) this.prune(now);
    if (this.count >= this.max) return;
    const list = this.byCharge.get(charge);
    if (list) list.push({ firstSeen, until });
    else this.byCharge.set(charge, [{ firstSeen, until }]);
    this.count++;
  }

  /**
   * A request of `charge` arrives: when the refused request it repeats was
   * first seen (the oldest one still expected), or undefined for a newcomer.
   * A refusal is recalled once.
   */
  recall(charge: number, now: number): number | undefined {
    const list = this.byCharge.get(charge);
    if (!list) return undefined;
    let found: number | undefined;
    let best = -1;
    for (let i = 0; i < list.length; i++) if (list[i]!.until >= now && (best < 0 || list[i]!.firstSeen < list[best]!.firstSeen)) best = i;
    if (best >= 0) found = list[best]!.firstSeen;
    const kept = list.filter((r, i) => i !== best && r.until >= now);
    this.count -= list.length - kept.length;
    if (kept.length) this.byCharge.set(charge, kept);
    else this.byCharge.delete(charge);
    return found;
  }

  /** Tokens of the refusals still expected that were first seen before `firstSeen`: work ahead of it in line. */
  tokensBefore(firstSeen: number, now: number): number {
    let sum = 0;
    for (const [charge, list] of this.byCharge) for (const r of list) if (r.firstSeen < firstSeen && r.until >= now) sum += charge;
    return sum;
  }

  private prune(now: number): void {
    for (const [charge, list] of this.byCharge) {
      const kept = list.filter((r) => r.until >= now);
      this.count -= list.length - kept.length;
      if (kept.length) this.byCharge.set(charge, kept);
      else this.byCharge.delete(charge);
    }
  }
}
