/**
 * Backend choice, pure: given the candidates for one request, when each can
 * serve again, and the round-robin state, return the next backend.
 * Rules: the best (lowest) priority group that has a backend available now;
 * inside it, smooth weighted round-robin (nginx's algorithm: even spread, no
 * bursts, exact shares over a cycle).
 */
export interface Candidate {
  name: string;
  priority: number;
  weight: number;
  /** Epoch ms when this backend can serve this request's deployment (0 = now). */
  availableAt: number;
}

/** Per-alias round-robin state: backend name -> current weight. */
export type RoundRobinState = Map<string, number>;

export function pick<C extends Candidate>(candidates: readonly C[], now: number, rr: RoundRobinState, exclude?: ReadonlySet<string>): C | undefined {
  let best = Infinity;
  for (const c of candidates) {
    if (c.availableAt <= now && !exclude?.has(c.name) && c.priority < best) best = c.priority;
  }
  if (best === Infinity) return undefined;

  let total = 0;
  let chosen: C | undefined;
  let chosenCurrent = -Infinity;
  for (const c of candidates) {
    if (c.priority !== best || c.availableAt > now || exclude?.has(c.name)) continue;
    const current = (rr.get(c.name) ?? 0) + c.weight;
    rr.set(c.name, current);
    total += c.weight;
    if (current > chosenCurrent) {
      chosen = c;
      chosenCurrent = current;
    }
  }
  if (chosen) rr.set(chosen.name, chosenCurrent - total);
  return chosen;
}

/** When the first of these candidates can serve again (Infinity when none ever will). */
export function soonestAvailable(candidates: readonly Candidate[]): number {
  let t = Infinity;
  for (const c of candidates) if (c.availableAt < t) t = c.availableAt;
  return t;
}
