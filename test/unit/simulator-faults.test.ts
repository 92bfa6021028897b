import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  formatResetDuration, parseFaults, throttleHeaders, type SimulatedBackend,
} from '../../src/core/simulator';
import { closeSimsAfterEach, json, sim } from '../helpers/sim';

const CHAT = '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21';
const body = { messages: [{ role: 'user', content: 'hi' }] };

function chat(b: SimulatedBackend, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${b.url}${CHAT}`, {
    method: 'POST', headers: { 'api-key': b.apiKey }, body: JSON.stringify({ ...body, ...extra }), signal,
  });
}

/** A raw node:http POST that resolves with the socket error (or the status, if one arrives). */
function rawPost(b: SimulatedBackend): Promise<{ status?: number; error?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    const req = request(`${b.url}${CHAT}`, { method: 'POST', headers: { 'api-key': b.apiKey }, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('error', (error) => resolve({ error }));
    req.end(JSON.stringify(body));
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

closeSimsAfterEach();

describe('simulated faults: throttling and errors', () => {
  it('answers 429 with Retry-After, retry-after-ms and x-ms-retry-after-ms by default', async () => {
    const b = await sim({ faults: { rate429: 1, retryAfterMs: 1500 } });
    const res = await chat(b);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('retry-after-ms')).toBe('1500');
    expect(res.headers.get('x-ms-retry-after-ms')).toBe('1500');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBeTruthy();
    const err = (await json(res)).error;
    expect(err.code).toBe('429');
    expect(err.message).toMatch(/ChatCompletions_Create.*2024-10-21.*retry after 2 seconds/);
  });

  it('puts the wait in the header the retryHeader fault names', async () => {
    expect(throttleHeaders('retry-after', 2000)).toEqual({ 'retry-after': '2' });
    expect(throttleHeaders('x-ratelimit-reset-tokens', 90_500)).toEqual({ 'x-ratelimit-reset-tokens': '1m30.5s' });
    expect(throttleHeaders('none', 2000)).toEqual({});
    expect(formatResetDuration(250)).toBe('250ms');
    const b = await sim({ faults: { rate429: 1, retryHeader: 'x-ratelimit-reset-requests', retryAfterMs: 3000 } });
    const res = await chat(b);
    expect(res.headers.get('x-ratelimit-reset-requests')).toBe('3s');
    expect(res.headers.get('retry-after')).toBeNull();
  });

  it('answers the configured 5xx', async () => {
    const b = await sim({ faults: { rate5xx: 1, status5xx: 503 } });
    const res = await chat(b);
    expect(res.status).toBe(503);
    expect((await json(res)).error.code).toBe('ServiceUnavailable');
  });

  it('draws shares from one number in the order reset, hang, 5xx, 429', async () => {
    let next = 0.6;
    const b = await sim({ faults: { rate5xx: 0.5, rate429: 0.5 }, random: () => next });
    expect((await chat(b)).status).toBe(429);
    next = 0.4;
    expect((await chat(b)).status).toBe(500);
  });

  it('delays the headers by latencyMs', async () => {
    const b = await sim({ faults: { latencyMs: 60 } });
    const t = Date.now();
    expect((await chat(b)).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(55);
  });

  it('refuses with 429 once the minute is spent when enforceLimits is on', async () => {
    const b = await sim({ requestsPerMinute: 2, enforceLimits: true });
    expect((await chat(b)).status).toBe(200);
    const second = await chat(b);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const third = await chat(b);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after-ms'))).toBeGreaterThan(59_000);
  });
});

describe('simulated faults: failNext', () => {
  it('fails exactly the next N requests, in queue order, then recovers', async () => {
    const b = await sim();
    b.failNext(429, 2, { 'retry-after': '7' });
    b.failNext(500);
    const statuses: number[] = [];
    const headers: (string | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await chat(b);
      statuses.push(res.status);
      headers.push(res.headers.get('retry-after'));
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([429, 429, 500, 200]);
    expect(headers.slice(0, 2)).toEqual(['7', '7']);
    expect(b.stats.byStatus).toEqual({ 200: 1, 429: 2, 500: 1 });
  });

  it('gives a 429 without headers the default throttle headers, and {} none', async () => {
    const b = await sim();
    b.failNext(429);
    b.failNext(429, 1, {});
    expect((await chat(b)).headers.get('retry-after-ms')).toBe('2000');
    expect((await chat(b)).headers.get('retry-after-ms')).toBeNull();
  });

  it('applies before auth so even a bad key sees it', async () => {
    const b = await sim();
    b.failNext(502);
    const res = await fetch(`${b.url}${CHAT}`, { method: 'POST', headers: { 'api-key': 'nope' }, body: '{}' });
    expect(res.status).toBe(502);
    expect(() => b.failNext(42)).toThrow(/status/);
  });

  it('status 0 resets the socket before any byte', async () => {
    const b = await sim();
    b.failNext(0);
    const { status, error } = await rawPost(b);
    expect(status).toBeUndefined();
    expect(error?.code).toBe('ECONNRESET');
    expect(b.stats.byStatus[0]).toBe(1);
    expect((await rawPost(b)).status).toBe(200);
  });
});

describe('simulated faults: broken connections', () => {
  it('resetBeforeHeadersRate makes the client see a socket error', async () => {
    const b = await sim({ faults: { resetBeforeHeadersRate: 1 } });
    const { error } = await rawPost(b);
    expect(error?.code).toBe('ECONNRESET');
    await expect(chat(b)).rejects.toThrow();
  });

  it('midStreamResetRate cuts a stream after some chunks: client errors, never sees [DONE]', async () => {
    const b = await sim({ faults: { midStreamResetRate: 1, chunks: 8, chunkDelayMs: 1 } });
    const res = await chat(b, { stream: true });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let failure: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch (e) {
      failure = e;
    }
    expect(failure).toBeInstanceOf(Error);
    expect(text).toContain('"content":"Hello"');
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('"finish_reason":"stop"');
  });

  it('midStreamResetRate also cuts Responses API streams', async () => {
    const b = await sim({ faults: { midStreamResetRate: 1, chunkDelayMs: 0 } });
    const res = await fetch(`${b.url}/openai/v1/responses`, {
      method: 'POST', headers: { 'api-key': b.apiKey }, body: JSON.stringify({ model: 'm', input: 'hi', stream: true }),
    });
    await expect(res.text()).rejects.toThrow();
  });

  it('hangs until close(), which resolves fast and frees the client', async () => {
    const b = await sim({ faults: { hangRate: 1 } });
    const pending = chat(b).then(() => 'answered', () => 'failed');
    await until(() => b.stats.byStatus[-1] === 1);
    const t = Date.now();
    await b.close();
    expect(Date.now() - t).toBeLessThan(500);
    expect(await pending).toBe('failed');
    // libuv releases a closed handle on the next loop turn.
    await new Promise((r) => setImmediate(r));
    expect(process.getActiveResourcesInfo()).not.toContain('TCPServerWrap');
  });

  it('close() also ends a slow stream and a pending latency wait', async () => {
    const b = await sim({ faults: { chunkDelayMs: 10_000 } });
    const stream = await chat(b, { stream: true });
    const slow = await sim({ faults: { latencyMs: 10_000 } });
    const waiting = chat(slow).then(() => 'answered', () => 'failed');
    await until(() => slow.stats.total === 1);
    const t = Date.now();
    await Promise.all([b.close(), slow.close()]);
    expect(Date.now() - t).toBeLessThan(500);
    await expect(stream.text()).rejects.toThrow();
    expect(await waiting).toBe('failed');
  });
});

describe('parseFaults', () => {
  it('accepts valid faults and drops nulls', () => {
    expect(parseFaults({ rate429: 0.5, retryHeader: 'all', chunks: 3, latencyMs: null })).toEqual({ rate429: 0.5, retryHeader: 'all', chunks: 3 });
  });

  it('lists every problem at once', () => {
    expect(() => parseFaults({ rate429: 2, status5xx: 404, retryHeader: 'x', chunks: 0 })).toThrow(/rate429.*status5xx.*retryHeader.*chunks/);
    expect(() => parseFaults([])).toThrow(/object/);
    expect(() => parseFaults({ latencyMs: '5' })).toThrow(/number/);
  });
});
