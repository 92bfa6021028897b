/**
 * Quota-aware choice of a target for one request (issue 10), pure and
 * deterministic. Each option says when the request fits there (`fitAt`,
 * from the quota model, the size-aware rest and the backend's health), how
 * many tokens it could still take now (`headroom`), and whether the model
 * knows the limit at all.
 *
 * Rules:
 * 1. Only options that fit now are sent to; the best (lowest) priority group
 *    among them wins. A model without information says "fits" (learn from
 *    the answer), so unknown deployments are never excluded.
 * 2. Inside that group, the member with the most headroom per unit of
 *    weight; ties go to the earlier option (config order). Members whose
 *    limit is unknown come after every known one and share by smooth
 *    weighted round-robin among themselves (today's rule, `pick`).
 * 3. When nothing fits now: the option that fits first (ties: better
 *    priority, then order), so the caller can wait for it; `never` when none
 *    ever will.
 */
import { pick, type RoundRobinState } from './pick';

export interface QuotaOption<C> {
  candidate: C;
  name: string;
  priority: number;
  weight: number;
  /** When the request fits here (<= now: now; Infinity: never). */
  fitAt: number;
  /** Tokens it could take now; undefined when the limit is unknown. */
  headroom: number | undefined;
  /** For round-robin among unknown limits: the same as `fitAt`. */
  availableAt: number;
}

export type QuotaChoice<C> =
  | { kind: 'now'; option: QuotaOption<C> }
  | { kind: 'later'; at: number; option: QuotaOption<C> }
  | { kind: 'never' };

export function chooseByQuota<C>(options: readonly QuotaOption<C>[], now: number, rr: RoundRobinState): QuotaChoice<C> {
  let best = Infinity;
  for (const o of options) if (o.fitAt <= now && o.priority < best) best = o.priority;
  if (best !== Infinity) {
    let chosen: QuotaOption<C> | undefined;
    let score = -Infinity;
    let unknown: QuotaOption<C>[] | undefined;
    for (const o of options) {
      if (o.priority !== best || o.fitAt > now) continue;
      if (o.headroom === undefined) {
        (unknown ??= []).push(o);
        continue;
      }
      const s = o.headroom / Math.max(1, o.weight);
      if (s > score) {
        chosen = o;
        score = s;
      }
    }
    if (chosen) return { kind: 'now', option: chosen };
    return { kind: 'now', option: pick(unknown!, now, rr)! };
  }
  let first: QuotaOption<C> | undefined;
  for (const o of options) {
    if (!Number.isFinite(o.fitAt)) continue;
    if (!first || o.fitAt < first.fitAt || (o.fitAt === first.fitAt && o.priority < first.priority)) first = o;
  }
  return first ? { kind: 'later', at: first.fitAt, option: first } : { kind: 'never' };
}
