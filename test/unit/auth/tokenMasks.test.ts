import { afterEach, describe, expect, it, vi } from 'vitest';
import { Redactor, RotatingSecrets, TOKEN_MASK_GRACE_MS } from '../../../src/core/log';
import { UpstreamAuth } from '../../../src/core/auth/credentials';
import type { TokenCredentialLike } from '../../../src/core/auth/token';
import { validateConfig } from '../../../src/core/config/validate';

afterEach(() => {
  vi.useRealTimers();
});

describe('RotatingSecrets', () => {
  it('keeps a replaced secret masked for the grace after its last use, then lets it go', () => {
    const clock = { t: 1_000_000 };
    const r = new Redactor();
    const s = new RotatingSecrets(r, 60_000, () => clock.t);
    s.use('token-one-0000000001');
    clock.t += 30_000;
    s.use('token-one-0000000001'); // still handed out: its grace starts again
    s.use('token-two-0000000002'); // the refresh
    expect(r.mask('a token-one-0000000001 b token-two-0000000002')).toBe('a *** b ***');
    clock.t += 50_000;
    s.use('token-three-000000003'); // 50 s after the last use of one: still in its grace
    expect(r.mask('token-one-0000000001')).toBe('***');
    clock.t += 20_000;
    s.use('token-four-0000000004');
    // one: 70 s unused, gone; two: 70 s unused, gone; three: 20 s, kept; four: new.
    expect(r.mask('token-one-0000000001 token-two-0000000002 token-three-000000003 token-four-0000000004'))
      .toBe('token-one-0000000001 token-two-0000000002 *** ***');
    expect(r.size).toBe(2);
  });
});

describe('UpstreamAuth and Entra tokens', () => {
  it('masks every token it hands out, and a day of hourly refreshes leaves the masker bounded', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    let n = 0;
    const cred: TokenCredentialLike = {
      async getToken() {
        n++;
        return { token: `entra-token-${String(n).padStart(4, '0')}-xyz`, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const r = new Redactor();
    const auth = new UpstreamAuth({ apiKey: () => undefined, tokenCredential: () => cred }, r);
    const cfg = validateConfig({ backends: [{ name: 'e', endpoint: 'https://e.openai.azure.com', auth: 'entra' }] });
    if (!cfg.ok) throw new Error('config');
    const backend = cfg.config.backends[0]!;
    const seen: string[] = [];
    for (let hour = 0; hour < 24; hour++) {
      // An expired token waits for the refresh: each hour a new one.
      const h = await auth.headerFor(backend);
      if (!h.ok) throw new Error(h.reason);
      seen.push(h.value.slice('Bearer '.length));
      expect(r.mask(`echo ${seen.at(-1)}`)).toBe('echo ***');
      // The one it replaced may still be in flight: still masked.
      if (seen.length > 1) expect(r.mask(seen.at(-2)!)).toBe('***');
      vi.setSystemTime(Date.now() + 3_600_000);
    }
    expect(new Set(seen).size).toBe(24);
    // Tokens unused for longer than the grace left; only the last few are masked by value.
    expect(r.size).toBeLessThanOrEqual(Math.ceil(TOKEN_MASK_GRACE_MS / 3_600_000) + 1);
    expect(r.mask(seen[0]!)).toBe(seen[0]);
  });
});
