/**
 * The simulator throttles like an Azure standard deployment (issue 10): one
 * test per documented fact (sources in src/core/simulator/quota.ts), on the
 * pure limiter with a fake clock, then once through real sockets.
 */
import { describe, expect, it } from 'vitest';
import { admissionCharge, DEFAULT_MAX_TOKENS } from '../../src/core/simulator/charge';
import { QuotaLimiter, rpmForTpm } from '../../src/core/simulator/quota';
import { closeSimsAfterEach, json, sim } from '../helpers/sim';

const T0 = 1_000_000;

describe('quota limiter (pure, fake clock)', () => {
  it('derives 6 requests per minute per 1000 TPM and reports limits and what remains of the minute', () => {
    expect(rpmForTpm(30_000)).toBe(180);
    const q = new QuotaLimiter({ tokensPerMinute: 30_000 }, T0);
    expect(q.headers(T0)).toEqual({
      'x-ratelimit-limit-requests': '180', 'x-ratelimit-limit-tokens': '30000',
      'x-ratelimit-remaining-requests': '180', 'x-ratelimit-remaining-tokens': '30000',
    });
    expect(q.admit(1200, T0)).toEqual({ ok: true });
    expect(q.headers(T0 + 5)['x-ratelimit-remaining-tokens']).toBe('28800');
    expect(q.headers(T0 + 5)['x-ratelimit-remaining-requests']).toBe('179');
  });

  it('refuses a burst of requests within one second although the minute has room (1 s request period)', () => {
    // 60k TPM -> 360 RPM -> 6 a second.
    const q = new QuotaLimiter({ tokensPerMinute: 60_000 }, T0);
    for (let i = 0; i < 6; i++) expect(q.admit(10, T0 + i), `request ${i + 1}`).toEqual({ ok: true });
    const seventh = q.admit(10, T0 + 10);
    expect(seventh).toMatchObject({ ok: false, reason: 'requests' });
    // True: it fits when the second ends, not before.
    expect(seventh.ok === false && seventh.retryAfterMs).toBe(1000 - 10);
    expect(q.admit(10, T0 + 999).ok).toBe(false);
    expect(q.admit(10, T0 + 1000).ok).toBe(true);
    expect(Number(q.headers(T0 + 1000)['x-ratelimit-remaining-requests'])).toBe(360 - 7);
  });

  it('refuses tokens beyond a sixth of the minute within ten seconds (10 s token period)', () => {
    // 60k TPM -> 10k tokens per 10 s.
    const q = new QuotaLimiter({ tokensPerMinute: 60_000 }, T0);
    expect(q.admit(6000, T0).ok).toBe(true);
    expect(q.admit(4000, T0 + 1000).ok).toBe(true);
    const third = q.admit(1, T0 + 2000);
    expect(third).toMatchObject({ ok: false, reason: 'tokens' });
    expect(third.ok === false && third.retryAfterMs).toBe(8000);
    expect(q.admit(1, T0 + 9999).ok).toBe(false);
    expect(q.admit(1, T0 + 10_000).ok).toBe(true);
    expect(q.headers(T0 + 10_000)['x-ratelimit-remaining-tokens']).toBe(String(60_000 - 10_001));
  });

  it('lets a request larger than the 10 s share through alone in its window, and one such per minute at 1k TPM', () => {
    const q = new QuotaLimiter({ tokensPerMinute: 1000 }, T0);
    expect(q.admit(1000, T0).ok).toBe(true);
    const next = q.admit(1000, T0 + 100);
    expect(next.ok).toBe(false);
    // The minute is spent: the next one fits when the minute ends.
    expect(next.ok === false && next.retryAfterMs).toBe(60_000 - 100);
    expect(q.admit(1000, T0 + 59_999).ok).toBe(false);
    expect(q.admit(1000, T0 + 60_000).ok).toBe(true);
  });

  it('a small request passes an oversized one only when the 10 s window is empty', () => {
    const q = new QuotaLimiter({ tokensPerMinute: 60_000 }, T0);
    expect(q.admit(100, T0).ok).toBe(true);
    const big = q.admit(15_000, T0 + 1);
    expect(big).toMatchObject({ ok: false, reason: 'tokens' });
    expect(big.ok === false && big.retryAfterMs).toBe(10_000 - 1);
    expect(q.admit(15_000, T0 + 10_000).ok).toBe(true);
  });

  it('refuses a request above the whole minute with no time to retry: it never fits', () => {
    const q = new QuotaLimiter({ tokensPerMinute: 30_000 }, T0);
    expect(q.admit(30_001, T0)).toEqual({ ok: false, retryAfterMs: undefined, reason: 'tooLarge' });
    expect(q.admit(30_000, T0).ok).toBe(true);
  });

  it('every retry time it gives is true: the request fits then and not 1 ms before', () => {
    const q = new QuotaLimiter({ tokensPerMinute: 30_000 }, T0);
    let now = T0;
    let refused = 0;
    // A seeded mix of sizes, arriving faster than the quota allows.
    let seed = 7;
    const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 400; i++) {
      now += Math.floor(rnd() * 400);
      const size = 200 + Math.floor(rnd() * 6000);
      const r = q.admit(size, now);
      if (r.ok) continue;
      refused++;
      const at = now + r.retryAfterMs!;
      const probe = new QuotaLimiter({ tokensPerMinute: 30_000 }, T0);
      Object.assign(probe, structuredClone(q));
      expect(probe.admit(size, at - 1).ok, `size ${size} at ${now - T0}`).toBe(false);
      expect(probe.admit(size, at).ok, `size ${size} at ${now - T0}`).toBe(true);
    }
    expect(refused).toBeGreaterThan(50);
  });

  it('shrinks every period by the time scale', () => {
    const q = new QuotaLimiter({ tokensPerMinute: 1000 }, T0, 60);
    expect(q.admit(1000, T0).ok).toBe(true);
    const r = q.admit(1, T0 + 10);
    expect(r.ok === false && r.retryAfterMs).toBe(1000 - 10);
    expect(q.admit(1000, T0 + 1000).ok).toBe(true);
  });

  it('rejects impossible limits', () => {
    expect(() => new QuotaLimiter({ tokensPerMinute: 0 }, T0)).toThrow(/tokensPerMinute/);
    expect(() => new QuotaLimiter({ tokensPerMinute: 10 }, T0, 0)).toThrow(/timeScale/);
  });
});

describe('admission charge', () => {
  const chat = (extra: Record<string, unknown>): Record<string, unknown> => ({ messages: [{ role: 'user', content: 'x'.repeat(4000) }], ...extra });

  it('is the prompt by characters / 4 plus max_tokens, preferring max_completion_tokens', () => {
    // 4000 content chars + "user" = 4004 -> 1001 tokens.
    expect(admissionCharge('chat', chat({ max_tokens: 500 }))).toEqual({ prompt: 1001, completion: 500, total: 1501 });
    expect(admissionCharge('chat', chat({ max_tokens: 500, max_completion_tokens: 300 })).completion).toBe(300);
    expect(admissionCharge('responses', { input: 'abcd', max_output_tokens: 7 })).toEqual({ prompt: 1, completion: 7, total: 8 });
  });

  it('charges the default allowance when no max_tokens is given', () => {
    expect(admissionCharge('chat', chat({})).completion).toBe(DEFAULT_MAX_TOKENS);
    expect(admissionCharge('chat', chat({}), 1000).completion).toBe(1000);
  });

  it('multiplies the allowance by n or best_of, whichever is larger', () => {
    expect(admissionCharge('chat', chat({ max_tokens: 100, n: 3 })).completion).toBe(300);
    expect(admissionCharge('completions', { prompt: 'abcd', max_tokens: 100, n: 2, best_of: 5 }).completion).toBe(500);
  });

  it('charges embeddings their input only', () => {
    expect(admissionCharge('embeddings', { input: ['abcd', 'efgh'], max_tokens: 100 })).toEqual({ prompt: 2, completion: 0, total: 2 });
  });
});

describe('simulated backend with enforced quota (real sockets)', () => {
  closeSimsAfterEach();
  const post = (url: string, key: string, body: unknown): Promise<Response> =>
    fetch(`${url}/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21`, {
      method: 'POST', headers: { 'api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });

  it('charges prompt + max_tokens without refund, refuses what does not fit with true retry headers, then admits it', async () => {
    // 6000 TPM, a minute of 2 s: 1000 tokens per (scaled) 10 s = 333 ms.
    const b = await sim({ tokensPerMinute: 6000, enforceLimits: true, timeScale: 30, quotas: { other: { tokensPerMinute: 90_000 } } });
    const body = { messages: [{ role: 'user', content: 'x'.repeat(396) }], max_tokens: 800 }; // 100 + 800 = 900
    const first = await post(b.url, b.apiKey, body);
    expect(first.status).toBe(200);
    const reply = await json(first);
    // The answer is far shorter than max_tokens, and the charge stays.
    expect(reply.usage.completion_tokens).toBeLessThan(50);
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('6000');
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('36');
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe('5100');

    const second = await post(b.url, b.apiKey, body);
    expect(second.status).toBe(429);
    const ms = Number(second.headers.get('retry-after-ms'));
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThanOrEqual(334);
    expect(second.headers.get('x-ms-retry-after-ms')).toBe(String(ms));
    expect(second.headers.get('retry-after')).toBe('1');
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe('5100');
    expect((await json(second)).error.code).toBe('429');

    await new Promise((r) => setTimeout(r, ms + 5));
    expect((await post(b.url, b.apiKey, body)).status).toBe(200);
  });

  it('keeps each deployment its own quota', async () => {
    const b = await sim({ tokensPerMinute: 6000, enforceLimits: true, quotas: { big: { tokensPerMinute: 90_000 } } });
    const res = await fetch(`${b.url}/openai/deployments/big/chat/completions?api-version=2024-10-21`, {
      method: 'POST', headers: { 'api-key': b.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
    });
    expect(res.headers.get('x-ratelimit-limit-tokens')).toBe('90000');
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('540');
  });

  it('answers a request above the minute 429 without retry headers', async () => {
    const b = await sim({ tokensPerMinute: 1000, enforceLimits: true });
    const res = await post(b.url, b.apiKey, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5000 }); // + 'user' 'hi' = 2
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after-ms')).toBeNull();
    expect((await json(res)).error.message).toMatch(/Limit 1000, Requested 5002/);
  });

  it('refuses a bad limit when the backend is built', async () => {
    await expect(sim({ quotas: { d: { tokensPerMinute: -1 } } })).rejects.toThrow(/quotas\["d"\]/);
  });
});
