import { describe, expect, it } from 'vitest';
import { isApimName, toApimName } from '../../../src/core/generators';
import { pascalCase, uniqueApimNames, uniqueIdentifiers } from '../../../src/core/generators/names';

describe('APIM names', () => {
  it.each([
    ['eastus', 'eastus'],
    ['east.us', 'east-us'],
    ['east__us--2', 'east-us-2'],
    ['-lead.trail_', 'lead-trail'],
    ['1st', 'backend-1st'],
    ['...', 'backend'],
  ])('%s -> %s', (raw, name) => {
    expect(toApimName(raw, 'backend')).toBe(name);
    expect(isApimName(name)).toBe(true);
  });

  it('cuts to 80 characters and never ends on a hyphen', () => {
    const name = toApimName(`${'a'.repeat(79)}.b`, 'backend');
    expect(name).toBe('a'.repeat(79));
    expect(toApimName('x'.repeat(200), 'b')).toHaveLength(80);
  });

  it('keeps names unique case-insensitively, in input order, within 80 characters', () => {
    expect(uniqueApimNames(['a', 'A', 'a', 'pool'], ['Pool'])).toEqual(['a', 'A-2', 'a-3', 'pool-2']);
    const long = 'l'.repeat(80);
    const [first, second] = uniqueApimNames([long, long]);
    expect(first).toBe(long);
    expect(second).toBe(`${'l'.repeat(78)}-2`);
    expect(isApimName(second!)).toBe(true);
  });

  it('rejects what APIM rejects', () => {
    for (const bad of ['', '1a', 'a-', 'a.b', 'a_b', 'x'.repeat(81)]) expect(isApimName(bad), bad).toBe(false);
  });
});

describe('Bicep identifiers', () => {
  it('are PascalCase and unique', () => {
    expect(pascalCase('east-us-2')).toBe('EastUs2');
    expect(uniqueIdentifiers(['east-us', 'east-US', 'eastUs'])).toEqual(['EastUs', 'EastUS2', 'EastUs3']);
  });
});
