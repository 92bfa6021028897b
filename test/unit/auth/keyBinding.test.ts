// API keys bound to the endpoint they were entered for (issue 9), and the
// migration of keys stored by name alone.
import { describe, expect, it } from 'vitest';
import {
  bindLegacyKey, lookupKey, missingKeyHint, parseStoredKeys, serializeStoredKeys, storedSecrets, withKey, withoutKey,
} from '../../../src/core/auth/keyBinding';

const A = 'https://a.openai.azure.com';
const B = 'http://127.0.0.1:4567';

describe('stored keys', () => {
  it('reads the bound form and round-trips it', () => {
    const s = withKey(withKey(undefined, A, 'key-a'), B, 'key-b');
    const text = serializeStoredKeys(s)!;
    expect(parseStoredKeys(text)).toEqual({ v: 2, keys: { [A]: 'key-a', [B]: 'key-b' } });
    expect(storedSecrets(parseStoredKeys(text)).sort()).toEqual(['key-a', 'key-b']);
  });

  it('reads a bare key of an older version as legacy, bound to nothing', () => {
    expect(parseStoredKeys('0123456789abcdef0123456789abcdef')).toEqual({ v: 2, keys: {}, legacy: '0123456789abcdef0123456789abcdef' });
    expect(parseStoredKeys('{damaged')).toEqual({ v: 2, keys: {}, legacy: '{damaged' });
    expect(parseStoredKeys(undefined)).toBeUndefined();
    expect(parseStoredKeys('')).toBeUndefined();
  });

  it('normalises endpoints to their origin (case, default port, slash)', () => {
    const s = withKey(undefined, 'https://A.OpenAI.Azure.com:443/', 'key-a');
    expect(lookupKey(s, A)).toEqual({ key: 'key-a' });
  });

  it('deletes one endpoint, or everything (the legacy key too)', () => {
    const s = { ...withKey(withKey(undefined, A, 'key-a'), B, 'key-b'), legacy: 'old-key' };
    expect(withoutKey(s, A)).toEqual({ v: 2, keys: { [B]: 'key-b' }, legacy: 'old-key' });
    expect(withoutKey(s)).toBeUndefined();
    expect(serializeStoredKeys(withoutKey(withKey(undefined, A, 'k'), A))).toBeUndefined();
  });
});

describe('a key goes only to the endpoint it was entered for', () => {
  it('answers for its endpoint and for no other, saying where the key belongs', () => {
    const s = withKey(undefined, A, 'key-a');
    expect(lookupKey(s, A)).toEqual({ key: 'key-a' });
    const other = lookupKey(s, B);
    expect(other).toEqual({ key: undefined, boundTo: [A], legacy: false });
    expect(missingKeyHint('east', B, other)).toMatch(new RegExp(`entered for ${A.replace(/\./g, '\\.')}, not for http://127\\.0\\.0\\.1:4567`));
    expect(missingKeyHint('east', B, other)).toContain('Set API Key');
    expect(missingKeyHint('east', B, other)).not.toContain('key-a');
  });

  it('finds nothing inherited by the entry object', () => {
    const s = withKey(undefined, A, 'key-a');
    for (const endpoint of ['constructor', '__proto__', 'toString']) expect(lookupKey(s, endpoint).key, endpoint).toBeUndefined();
  });

  it('says plainly when there is no key at all', () => {
    expect(missingKeyHint('east', A, lookupKey(undefined, A))).toBe('run "AOAI Pool: Set API Key" for east');
  });

  it('never uses a legacy key by itself', () => {
    const s = parseStoredKeys('legacy-key-0000000000');
    const l = lookupKey(s, A);
    expect(l).toEqual({ key: undefined, boundTo: [], legacy: true });
    expect(missingKeyHint('east', A, l)).toContain('not bound to an endpoint');
  });
});

describe('migrating a name-only key', () => {
  it('binds it to the endpoint of the same-named User backend', () => {
    const bound = bindLegacyKey(parseStoredKeys('legacy-key-0000000000'), `${A}/`);
    expect(bound).toEqual({ v: 2, keys: { [A]: 'legacy-key-0000000000' } });
    expect(lookupKey(bound, A).key).toBe('legacy-key-0000000000');
    expect(lookupKey(bound, B).key).toBeUndefined();
  });

  it('binds nothing without a User backend of that name (a workspace list never vouches)', () => {
    expect(bindLegacyKey(parseStoredKeys('legacy-key-0000000000'), undefined)).toBeUndefined();
  });

  it('keeps a key entered since for that endpoint, and changes nothing without a legacy key', () => {
    const s = { ...withKey(undefined, A, 'new-key'), legacy: 'old-key' };
    expect(bindLegacyKey(s, A)).toEqual({ v: 2, keys: { [A]: 'new-key' } });
    expect(bindLegacyKey(withKey(undefined, A, 'k'), A)).toBeUndefined();
  });
});
