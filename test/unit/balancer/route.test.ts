import { describe, expect, it } from 'vitest';
import { Router, everyoneRestingUntil, restsOf, type RouteCandidate } from '../../../src/core/balancer/route';
import type { Rest } from '../../../src/core/balancer/health';

const NOW = 1_000_000;

function c(name: string, priority: number, weight: number, availableAt = 0, rest?: Rest): RouteCandidate {
  return { name, priority, weight, availableAt, rest: () => rest ?? (availableAt > NOW ? { reason: 'throttled', until: availableAt, text: '429' } : undefined) };
}

describe('Router', () => {
  it('answers "try" with smooth weighted round-robin in the best available group', () => {
    const r = new Router(new Set(['gpt-4o']));
    const req = { alias: 'gpt-4o', candidates: [c('a', 1, 2), c('b', 1, 1), c('z', 2, 1)] };
    const seq = Array.from({ length: 6 }, () => {
      const d = r.next(req, new Set(), NOW);
      return d.kind === 'try' ? d.candidate.name : d.kind;
    });
    expect(seq).toEqual(['a', 'b', 'a', 'a', 'b', 'a']);
    const failover = r.next(req, new Set(['a', 'b']), NOW);
    expect(failover.kind === 'try' && failover.candidate.name).toBe('z');
  });

  it('answers "none" with when the first untried candidate is back, or undefined when waiting will not help', () => {
    const r = new Router(new Set());
    const req = { alias: undefined, candidates: [c('a', 1, 1, NOW + 9_000), c('b', 1, 1, NOW + 4_000), c('c', 1, 1)] };
    expect(r.next(req, new Set(['c']), NOW)).toEqual({ kind: 'none', retryAt: NOW + 4_000 });
    const blocked = { alias: undefined, candidates: [c('a', 1, 1, Infinity, { reason: 'credential', until: Infinity, text: 'no API key' })] };
    expect(r.next(blocked, new Set(), NOW)).toEqual({ kind: 'none', retryAt: undefined });
    // A missing deployment comes "back" in a minute, but only to be asked again: waiting is no answer.
    const missing = { alias: 'x', candidates: [c('a', 1, 1, NOW + 60_000, { reason: 'notFound', until: NOW + 60_000, text: '404' })] };
    expect(r.next(missing, new Set(), NOW)).toEqual({ kind: 'none', retryAt: undefined });
  });

  it('tells the timeline which untried candidates it passed over, and why', () => {
    const r = new Router(new Set());
    const req = { alias: 'x', candidates: [c('hot', 1, 1, NOW + 5_000), c('tried', 1, 1), c('ok', 2, 1)] };
    const skipped: string[] = [];
    const d = r.next(req, new Set(['tried']), NOW, (cand, reason, rest) => skipped.push(`${cand.name}:${reason}:${rest.until - NOW}`));
    expect(d.kind === 'try' && d.candidate.name).toBe('ok');
    expect(skipped).toEqual(['hot:throttled:5000']);
  });

  it('keeps round-robin state per configured alias, and one for every other name', () => {
    const r = new Router(new Set(['gpt-4o', 'mini']));
    const cands = [c('a', 1, 1), c('b', 1, 1)];
    for (let i = 0; i < 500; i++) r.next({ alias: `invented-${i}`, candidates: cands }, new Set(), NOW);
    r.next({ alias: 'gpt-4o', candidates: cands }, new Set(), NOW);
    r.next({ alias: undefined, candidates: cands }, new Set(), NOW);
    expect(r.size).toBe(2);
    // The shared state still spreads evenly over the names it serves.
    const names = Array.from({ length: 10 }, (_, i) => {
      const d = r.next({ alias: `other-${i}`, candidates: cands }, new Set(), NOW);
      return d.kind === 'try' ? d.candidate.name : '-';
    });
    expect(names.filter((n) => n === 'a')).toHaveLength(5);
  });
});

describe('everyoneRestingUntil / restsOf', () => {
  it('is the soonest return only when every candidate rests for a while', () => {
    expect(everyoneRestingUntil([c('a', 1, 1, NOW + 9_000), c('b', 2, 1, NOW + 3_000)], NOW)).toBe(NOW + 3_000);
    expect(everyoneRestingUntil([c('a', 1, 1, NOW + 9_000), c('b', 2, 1)], NOW)).toBeUndefined();
    expect(everyoneRestingUntil([c('a', 1, 1, Infinity)], NOW)).toBeUndefined();
    expect(everyoneRestingUntil([], NOW)).toBeUndefined();
  });

  it('lists why each candidate cannot serve', () => {
    expect(restsOf([c('a', 1, 1, NOW + 1_000), c('b', 1, 1)], NOW)).toEqual([{ name: 'a', rest: { reason: 'throttled', until: NOW + 1_000, text: '429' } }]);
  });
});
