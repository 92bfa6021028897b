import { describe, expect, it } from 'vitest';
import { CachedToken, REFRESH_MARGIN_MS, type TokenCredentialLike } from '../../../src/core/auth/token';

function fakeCredential(lifetimeMs: number, clock: { now: number }) {
  let calls = 0;
  let release: (() => void) | undefined;
  const cred: TokenCredentialLike = {
    async getToken() {
      calls++;
      const n = calls;
      if (release === undefined) await Promise.resolve();
      return { token: `tok-${n}`, expiresOnTimestamp: clock.now + lifetimeMs };
    },
  };
  return { cred, calls: () => calls, setRelease: (f: () => void) => (release = f) };
}

describe('CachedToken', () => {
  it('shares one getToken among concurrent callers and caches the result', async () => {
    const clock = { now: 0 };
    const f = fakeCredential(3_600_000, clock);
    const t = new CachedToken(f.cred, 'scope', () => clock.now);
    const got = await Promise.all([t.get(), t.get(), t.get()]);
    expect(got).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(await t.get()).toBe('tok-1');
    expect(f.calls()).toBe(1);
  });

  it('refreshes in the background inside the margin and waits once expired', async () => {
    const clock = { now: 0 };
    const f = fakeCredential(3_600_000, clock);
    const t = new CachedToken(f.cred, 'scope', () => clock.now);
    await t.get();
    clock.now = 3_600_000 - REFRESH_MARGIN_MS + 1;
    expect(await t.get()).toBe('tok-1'); // still valid: served while refreshing
    await new Promise((r) => setTimeout(r, 0));
    expect(f.calls()).toBe(2);
    expect(await t.get()).toBe('tok-2');
    clock.now += 10 * 3_600_000;
    expect(await t.get()).toBe('tok-3');
  });

  it('surfaces a credential that returns nothing as an error', async () => {
    const t = new CachedToken({ getToken: async () => null }, 'scope');
    await expect(t.get()).rejects.toThrow(/no token/);
  });
});
