import { describe, expect, it } from 'vitest';
import { chooseByQuota, type QuotaOption } from '../../../src/core/balancer/choose';

const NOW = 1000;
const opt = (name: string, o: Partial<QuotaOption<string>> = {}): QuotaOption<string> =>
  ({ candidate: name, name, priority: 1, weight: 1, fitAt: NOW, headroom: 1000, ...o, availableAt: o.fitAt ?? NOW });
const names = (c: ReturnType<typeof chooseByQuota<string>>): string => (c.kind === 'never' ? 'never' : `${c.kind}:${c.option.name}${c.kind === 'later' ? `@${c.at}` : ''}`);

describe('chooseByQuota', () => {
  it('sends to the best priority group among those that fit now', () => {
    const c = chooseByQuota([opt('a', { priority: 2, headroom: 9999 }), opt('b', { priority: 1, headroom: 1 }), opt('c', { priority: 1, fitAt: NOW + 1, headroom: 5000 })], NOW, new Map());
    expect(names(c)).toBe('now:b');
  });

  it('inside a group takes the most headroom per unit of weight; ties go to the first', () => {
    expect(names(chooseByQuota([opt('a', { headroom: 3000, weight: 3 }), opt('b', { headroom: 2000, weight: 1 })], NOW, new Map()))).toBe('now:b');
    expect(names(chooseByQuota([opt('a', { headroom: 6000, weight: 3 }), opt('b', { headroom: 2000, weight: 1 })], NOW, new Map()))).toBe('now:a');
  });

  it('never sends where the model says it will be refused, even to a better group', () => {
    expect(names(chooseByQuota([opt('a', { fitAt: NOW + 5 }), opt('b', { priority: 3 })], NOW, new Map()))).toBe('now:b');
  });

  it('prefers known members; unknown ones share by smooth weighted round-robin, as today', () => {
    expect(names(chooseByQuota([opt('u', { headroom: undefined }), opt('k', { headroom: 0 })], NOW, new Map()))).toBe('now:k');
    const rr = new Map<string, number>();
    const seq = Array.from({ length: 4 }, () => names(chooseByQuota([opt('u1', { headroom: undefined, weight: 3 }), opt('u2', { headroom: undefined })], NOW, rr)));
    expect(seq).toEqual(['now:u1', 'now:u1', 'now:u2', 'now:u1']);
  });

  it('when nothing fits now, names the first that will (ties: better priority); never when none will', () => {
    expect(names(chooseByQuota([opt('a', { fitAt: NOW + 50 }), opt('b', { fitAt: NOW + 20, priority: 2 }), opt('c', { fitAt: NOW + 20 })], NOW, new Map()))).toBe('later:c@1020');
    expect(names(chooseByQuota([opt('a', { fitAt: Infinity })], NOW, new Map()))).toBe('never');
    expect(names(chooseByQuota([], NOW, new Map()))).toBe('never');
  });
});
