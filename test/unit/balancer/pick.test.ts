import { describe, expect, it } from 'vitest';
import { pick, soonestAvailable, type Candidate } from '../../../src/core/balancer/pick';

const c = (name: string, priority: number, weight: number, availableAt = 0): Candidate => ({ name, priority, weight, availableAt });

function run(cands: Candidate[], n: number, now = 1000): string[] {
  const rr = new Map<string, number>();
  return Array.from({ length: n }, () => pick(cands, now, rr)?.name ?? '-');
}

describe('pick', () => {
  it('spreads exactly by weight inside the best group, without bursts (smooth WRR)', () => {
    const seq = run([c('a', 1, 5), c('b', 1, 1), c('c', 1, 1)], 7);
    expect(seq).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
    const counts = run([c('a', 1, 50), c('b', 1, 50)], 100).reduce<Record<string, number>>((m, n) => ({ ...m, [n]: (m[n] ?? 0) + 1 }), {});
    expect(counts).toEqual({ a: 50, b: 50 });
  });

  it('uses a lower-priority group only when the better group is all unavailable', () => {
    expect(run([c('p1', 1, 1), c('p2', 2, 1)], 3)).toEqual(['p1', 'p1', 'p1']);
    expect(run([c('p1', 1, 1, 5000), c('p2', 2, 1), c('p3', 3, 1)], 2)).toEqual(['p2', 'p2']);
    expect(run([c('p1', 1, 1, 5000), c('p2', 2, 1, 6000)], 1)).toEqual(['-']);
  });

  it('skips excluded backends (already tried for this request)', () => {
    const rr = new Map<string, number>();
    const cands = [c('a', 1, 1), c('b', 1, 1), c('z', 2, 1)];
    expect(pick(cands, 0, rr, new Set(['a']))?.name).toBe('b');
    expect(pick(cands, 0, rr, new Set(['a', 'b']))?.name).toBe('z');
    expect(pick(cands, 0, rr, new Set(['a', 'b', 'z']))).toBeUndefined();
  });

  it('reports the soonest recovery', () => {
    expect(soonestAvailable([c('a', 1, 1, 9000), c('b', 2, 1, 4000)])).toBe(4000);
    expect(soonestAvailable([])).toBe(Infinity);
  });
});
