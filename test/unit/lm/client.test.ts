import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { streamChat, throttledError, toChatBody, isLmError, type LmResponsePart, type LmMessage } from '../../../src/core/lm';
import type { RequestRecord } from '../../../src/core/events';
import { startSimulatedBackends, type SimulatedBackend, type Faults } from '../../../src/core/simulator';
import { CLIENT_KEY, closeAll, startProxy } from '../../helpers/net';

const sims: SimulatedBackend[] = [];
afterEach(async () => {
  await closeAll();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function pool(faults: Faults = { chunkDelayMs: 0 }, names = ['east']) {
  const started = await startSimulatedBackends(names.map((name) => ({ name, deployments: ['gpt-4o'], faults })));
  sims.push(...started);
  const keys = Object.fromEntries(started.map((s) => [s.name, s.apiKey]));
  const handle = await startProxy({ backends: started.map((s) => ({ name: s.name, endpoint: s.url, deployments: ['gpt-4o'] })) }, { keys });
  const records: RequestRecord[] = [];
  handle.proxy.on('request', (r) => records.push(r));
  return { ...handle, sims: started, records };
}

const WEATHER = { name: 'get_weather', description: 'Weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const user = (text: string): LmMessage => ({ role: 'user', content: [{ type: 'text', text }] });

function call(url: string, messages: LmMessage[], opts: { signal?: AbortSignal; onPart?: (p: LmResponsePart) => void; tools?: boolean; key?: string } = {}) {
  const parts: LmResponsePart[] = [];
  const done = streamChat({
    url, clientKey: opts.key ?? CLIENT_KEY, alias: 'gpt-4o',
    body: toChatBody(messages, { images: true, tools: opts.tools ? [WEATHER] : undefined }),
    signal: opts.signal ?? new AbortController().signal,
    onPart: (p) => {
      parts.push(p);
      opts.onPart?.(p);
    },
  });
  return { parts, done };
}

describe('streamChat through the real proxy and simulators', () => {
  it('streams the text as it arrives and names the backend; the pool logs the request', async () => {
    const p = await pool({ chunkDelayMs: 0, chunks: 5 });
    const { parts, done } = call(p.url, [user('hi')]);
    const result = await done;
    expect(result).toEqual({ backend: 'east', finishReason: 'stop' });
    expect(parts).toHaveLength(5);
    expect(parts.map((x) => (x as { text: string }).text).join('')).toContain('Hello from east.');
    await expect.poll(() => p.records.length).toBe(1);
    expect(p.records[0]).toMatchObject({ alias: 'gpt-4o', backend: 'east', status: 200, stream: true });
    expect(p.logs.some((l) => /alias=gpt-4o backend=east .*status=200/.test(l))).toBe(true);
  });

  it('makes a tool-call round trip: the call comes back parsed, its result reaches the model', async () => {
    const p = await pool({ chunkDelayMs: 0, chunks: 5 });
    const first = call(p.url, [user('use get_weather for Paris')], { tools: true });
    await first.done;
    expect(first.parts).toEqual([{ type: 'toolCall', callId: expect.stringMatching(/^call_/), name: 'get_weather', input: { city: 'simulated' } }]);
    const callPart = first.parts[0] as Extract<LmResponsePart, { type: 'toolCall' }>;
    const second = call(p.url, [
      user('use get_weather for Paris'),
      { role: 'assistant', content: [callPart] },
      { role: 'user', content: [{ type: 'toolResult', callId: callPart.callId, content: [{ type: 'text', text: 'sunny' }] }] },
    ], { tools: true });
    await second.done;
    expect(second.parts.map((x) => (x as { text: string }).text).join('')).toBe('Hello from east. The tool returned: sunny');
    const sent = JSON.parse(p.sims[0]!.requests.at(-1)!.body) as { messages: unknown[] };
    expect(sent.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: callPart.callId, content: 'sunny' });
  });

  it('a cancel aborts the upstream stream at once: the simulator sees its client leave', async () => {
    const p = await pool({ chunkDelayMs: 100, chunks: 200 });
    const ac = new AbortController();
    let first!: () => void;
    const gotFirst = new Promise<void>((r) => (first = r));
    const { done } = call(p.url, [user('hi')], { signal: ac.signal, onPart: () => first() });
    await gotFirst;
    const sim = p.sims[0]!;
    expect(sim.requests[0]!.closed).toBeUndefined();
    const cancelledAt = Date.now();
    ac.abort();
    await expect(done).rejects.toMatchObject({ name: 'Canceled' });
    await expect.poll(() => sim.requests[0]!.closed, { timeout: 5_000 }).toMatchObject({ complete: false });
    expect(sim.requests[0]!.closed!.at - cancelledAt).toBeLessThan(1_000);
  });

  it('says when a throttled pool will be back, from the pool 429 retry-after-ms', async () => {
    const p = await pool({ chunkDelayMs: 0, retryAfterMs: 12_000 });
    p.sims[0]!.failNext(429);
    const { done } = call(p.url, [user('hi')]);
    const e = await done.catch((x: unknown) => x);
    expect(isLmError(e, 'throttled')).toBe(true);
    expect((e as Error).message).toMatch(/^AOAI Pool: every backend serving "gpt-4o" is throttled; the first is back in 1[12] s \(at \d\d:\d\d:\d\d\)/);
    expect((e as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(10_000);
  });

  it('reads the wait from retry-after-ms first, then retry-after in seconds', () => {
    const at = Date.UTC(2026, 0, 1, 10, 0, 0);
    const ms = throttledError('gpt-4o', { 'retry-after-ms': '12345', 'retry-after': '99' }, at);
    expect(ms.retryAfterMs).toBe(12_345);
    expect(ms.message).toContain('back in 13 s');
    const s = throttledError('gpt-4o', { 'retry-after': '7' }, at);
    expect(s.retryAfterMs).toBe(7_000);
    expect(throttledError('gpt-4o', {}, at).message).toBe('AOAI Pool: every backend serving "gpt-4o" is throttled right now; try again shortly or pick another model.');
  });

  it('says how to start a stopped proxy, naming the command', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const e = await call(`http://127.0.0.1:${free}`, [user('hi')]).done.catch((x: unknown) => x);
    expect(isLmError(e, 'stopped')).toBe(true);
    expect((e as Error).message).toBe(`AOAI Pool is not running at http://127.0.0.1:${free}: run "AOAI Pool: Start Proxy" (or "AOAI Pool: Try with Simulated Backends" for the demo), then send the request again.`);
  });

  it('reports a refused client key and an upstream error with its message, never the key', async () => {
    const p = await pool();
    const bad = await call(p.url, [user('hi')], { key: 'wrong-key-000000000000' }).done.catch((x: unknown) => x);
    expect(isLmError(bad, 'unauthorized')).toBe(true);
    p.sims[0]!.failNext(400);
    const upstream = await call(p.url, [user('hi')]).done.catch((x: unknown) => x);
    expect(isLmError(upstream, 'upstream')).toBe(true);
    expect((upstream as Error).message).toMatch(/^AOAI Pool: "gpt-4o" failed with HTTP 400: /);
    expect((upstream as Error).message).not.toContain(p.sims[0]!.apiKey);
  });
});
