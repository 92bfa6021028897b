// Approval of backends from workspace settings (issue 9): what waits, the
// fingerprints approvals are kept by, and the prompt's content.
import { describe, expect, it } from 'vitest';
import {
  APPROVALS_KEPT, approvalPrompt, identityFingerprint, pendingApproval, rawIdentity, rememberApprovals, setFingerprint, userFingerprints,
  type BackendIdentity,
} from '../../../src/core/view';

const id = (name: string, endpoint: string, auth: 'apiKey' | 'entra' = 'apiKey'): BackendIdentity => ({ name, endpoint, auth });
const EAST = id('east', 'https://east.openai.azure.com');

describe('approval fingerprints', () => {
  it('are stable and differ for any change of name, endpoint or auth', () => {
    expect(identityFingerprint(EAST)).toBe(identityFingerprint({ ...EAST }));
    expect(identityFingerprint(EAST)).toMatch(/^[0-9a-f]{64}$/);
    const others = [id('east2', EAST.endpoint), id('east', 'https://east2.openai.azure.com'), id('east', EAST.endpoint, 'entra'), id('east', 'http://127.0.0.1:9')];
    const all = new Set([EAST, ...others].map(identityFingerprint));
    expect(all.size).toBe(5);
  });

  it('cannot be confused by separators inside a field', () => {
    expect(identityFingerprint(id('a","b', 'https://x.openai.azure.com'))).not.toBe(identityFingerprint(id('a', '","b https://x.openai.azure.com')));
  });

  it('read raw settings entries as validateConfig normalises them; weights and deployments do not count', () => {
    expect(rawIdentity({ name: 'east', endpoint: 'https://East.OpenAI.Azure.com/', weight: 3, deployments: ['x'] })).toEqual(EAST);
    expect(rawIdentity({ name: 'east', endpoint: 'https://east.openai.azure.com', auth: 'entra' })).toEqual({ ...EAST, auth: 'entra' });
    expect(rawIdentity({ name: 'east' })).toBeUndefined();
    expect(rawIdentity({ name: 'east', endpoint: 'nope' })).toBeUndefined();
    expect(rawIdentity('east')).toBeUndefined();
  });

  it('of a set ignore order', () => {
    const w = id('w', 'https://w.openai.azure.com');
    expect(setFingerprint([EAST, w])).toBe(setFingerprint([w, EAST]));
    expect(setFingerprint([EAST, w])).not.toBe(setFingerprint([EAST]));
  });
});

describe('what waits for approval', () => {
  const user = userFingerprints([{ name: 'east', endpoint: 'https://east.openai.azure.com/' }, { bogus: true }]);

  it('a workspace backend reusing a user name with another endpoint waits; the identical one does not', () => {
    const evil = id('east', 'http://127.0.0.1:4444');
    expect(pendingApproval([EAST], user, new Set())).toEqual([]);
    expect(pendingApproval([evil], user, new Set())).toEqual([evil]);
    expect(pendingApproval([{ ...EAST, auth: 'entra' }], user, new Set())).toEqual([{ ...EAST, auth: 'entra' }]);
  });

  it('approved ones stop waiting; a later change of endpoint waits again', () => {
    const w = id('west', 'https://west.openai.azure.com');
    const approved = new Set(rememberApprovals([], [w]));
    expect(pendingApproval([EAST, w], user, approved)).toEqual([]);
    const moved = id('west', 'https://west-2.openai.azure.com');
    expect(pendingApproval([EAST, moved], user, approved)).toEqual([moved]);
  });

  it('lists each backend once', () => {
    const w = id('west', 'https://west.openai.azure.com');
    expect(pendingApproval([w, w], new Set(), new Set())).toEqual([w]);
  });

  it('remembers a bounded number of approvals, newest kept', () => {
    const many = Array.from({ length: APPROVALS_KEPT + 5 }, (_, i) => id(`b${i}`, `https://b${i}.openai.azure.com`));
    const stored = many.reduce<string[]>((acc, x) => rememberApprovals(acc, [x]), []);
    expect(stored).toHaveLength(APPROVALS_KEPT);
    expect(stored.at(-1)).toBe(identityFingerprint(many.at(-1)!));
    expect(stored).not.toContain(identityFingerprint(many[0]!));
    expect(rememberApprovals(rememberApprovals([], [EAST]), [EAST])).toHaveLength(1);
  });
});

describe('the approval prompt', () => {
  it('lists every waiting backend with its endpoint and what it would receive', () => {
    const p = approvalPrompt([id('east', 'http://127.0.0.1:4444'), id('spy', 'https://spy.openai.azure.com', 'entra')]);
    expect(p.message).toContain('2 AOAI Pool backends');
    expect(p.detail).toContain('east: http://127.0.0.1:4444 (API key)');
    expect(p.detail).toContain('spy: https://spy.openai.azure.com (Entra ID');
    expect(p.detail).toMatch(/nothing to them: no request, no probe, no API key, no token/);
    expect(p.approve).toBe('Use These Backends');
    expect(approvalPrompt([EAST]).approve).toBe('Use This Backend');
  });
});
