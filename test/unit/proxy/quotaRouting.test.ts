/**
 * Quota routing on real sockets (issue 10): the real proxy in front of
 * simulated deployments that throttle the way Azure does (`enforceLimits`;
 * a `timeScale` shortens the minute where a test must wait for a window).
 * A simulated deployment of 60k TPM takes 10k tokens per 10 s window; a
 * request is charged its prompt (a few tokens here) plus `max_tokens`.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AzureOpenAI } from 'openai';
import { CLIENT_KEY, chatPath, closeAll, send, sleep, startBackend, startProxy } from '../../helpers/net';
import { startSimulatedBackends, type SimulatedBackend } from '../../../src/core/simulator';
import { countTokens, isEncodingLoaded } from '../../../src/core/tokens';
import { estimateCharge } from '../../../src/core/balancer/estimate';
import type { TimelineEntry } from '../../../src/core/events';
import { validateConfig } from '../../../src/core/config';
import type { CredentialSource } from '../../../src/core/auth/credentials';

const KEYS = { a: 'key-a-000000000000', b: 'key-b-000000000000' };
const open: SimulatedBackend[] = [];

afterEach(async () => {
  await closeAll();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Simulated deployments `gpt-4o` named a, b, ...: `tpm` each, enforced. */
async function sims(tpms: number[], timeScale = 1): Promise<SimulatedBackend[]> {
  const list = await startSimulatedBackends(tpms.map((tpm, i) => ({
    name: 'ab'[i]!, apiKey: Object.values(KEYS)[i]!, deployments: ['gpt-4o'], tokensPerMinute: tpm, enforceLimits: true, timeScale, faults: { chunkDelayMs: 0 },
  })));
  open.push(...list);
  return list;
}

/** A pool over `list`: `tpm` is what the config says (undefined: not configured). */
function pool(list: SimulatedBackend[], members: { tpm?: number; weight?: number }[], extra: Record<string, unknown> = {}) {
  return startProxy({
    ...extra,
    backends: list.map((s, i) => ({
      name: s.name, endpoint: s.url, weight: members[i]!.weight ?? 1,
      deployments: { 'gpt-4o': members[i]!.tpm !== undefined ? { deployment: 'gpt-4o', tpm: members[i]!.tpm } : 'gpt-4o' },
    })),
  }, { keys: KEYS });
}

const chat = (maxTokens: number) => JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], max_tokens: maxTokens });
const ask = (url: string, maxTokens: number) => send(url, { path: chatPath('gpt-4o'), body: chat(maxTokens) });
const throttledAt = (s: SimulatedBackend) => s.stats.byStatus['429'] ?? 0;

/** Sends a chat request and returns it unanswered, so that the test can leave (`destroy()`) while the pool holds it. */
function sendAndKeep(url: string, maxTokens: number) {
  const body = chat(maxTokens);
  const req = httpRequest({ host: '127.0.0.1', port: new URL(url).port, method: 'POST', path: chatPath('gpt-4o'), agent: false,
    headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  req.on('error', () => undefined);
  req.end(body);
  return req;
}

/** The quota `/_pool/health` shows for backend `name`'s gpt-4o. */
async function quotaOf(url: string, name: string) {
  const health = (await send(url, { path: '/_pool/health' })).json();
  return health.backends.find((b: { name: string }) => b.name === name).deployments[0].quota;
}

describe('quota routing', () => {
  it('sends a request where it fits, and one that does not fit there to the other deployment', async () => {
    const [a, b] = await sims([60_000, 60_000]);
    // Weights 3:1 would send the first two to a under round-robin; a's 10 s window holds only one of them.
    const { url } = await pool([a!, b!], [{ tpm: 60_000, weight: 3 }, { tpm: 60_000, weight: 1 }]);
    for (let i = 0; i < 2; i++) expect((await ask(url, 6000)).status).toBe(200);
    expect([a!.requests.length, b!.requests.length]).toEqual([1, 1]);
    expect(throttledAt(a!) + throttledAt(b!)).toBe(0);
    // Sized by characters, as Azure admits: loading the tokenizer would stall every request for about a second.
    expect(isEncodingLoaded('o200k_base')).toBe(false);
  });

  it('remembers what it sent across a config reload', async () => {
    const [a, b] = await sims([60_000, 60_000]);
    const members = [{ tpm: 60_000, weight: 3 }, { tpm: 60_000, weight: 1 }];
    const { url, proxy } = await pool([a!, b!], members);
    expect((await ask(url, 6000)).status).toBe(200);
    const raw = { port: 0, healthProbe: { intervalSec: 0 }, maxAttempts: 2, backends: [a!, b!].map((s, i) => ({ name: s.name, endpoint: s.url, weight: members[i]!.weight, deployments: { 'gpt-4o': { deployment: 'gpt-4o', tpm: 60_000 } } })) };
    const next = validateConfig(raw);
    if (!next.ok) throw new Error(JSON.stringify(next.errors));
    proxy.reload(next.config);
    expect((await ask(url, 6000)).status).toBe(200);
    // The first went where there was most room per weight; the reloaded pool knows that window is spent.
    expect([a!.requests.length, b!.requests.length]).toEqual([1, 1]);
    expect(throttledAt(a!) + throttledAt(b!)).toBe(0);
  });

  it('rests a deployment by size after a 429: a large request is refused, a small one still goes', async () => {
    const [a] = await sims([60_000]);
    // Another client spends 8k of a's 10k window behind the pool's back; the pool has no configured tpm.
    const direct = await send(a!.url, { path: chatPath('gpt-4o'), key: KEYS.a, body: chat(8000) });
    expect(direct.status).toBe(200);
    const { url } = await pool([a!], [{}], { queue: { maxWaitSec: 1 } });
    // The pool learns from a's 429 (its only backend: the client gets the 429 with a's time)...
    expect((await ask(url, 6000)).status).toBe(429);
    expect(throttledAt(a!)).toBe(1);
    // ...so the same size is not sent again while a rests for it: refused by the pool itself.
    const again = await ask(url, 6000);
    expect(again.status).toBe(429);
    expect(again.json().error.code).toBe('QuotaBusy');
    // A smaller one fits what is left, and goes.
    const small = await ask(url, 1000);
    expect(small.status).toBe(200);
    expect(a!.requests.map((r) => (JSON.parse(r.body) as { max_tokens: number }).max_tokens)).toEqual([8000, 6000, 1000]);
    expect(throttledAt(a!)).toBe(1);
  });

  it('fails over after a 429 at once, and the next request of that size skips the resting deployment, saying why', async () => {
    const [a, b] = await sims([60_000, 60_000]);
    expect((await send(a!.url, { path: chatPath('gpt-4o'), key: KEYS.a, body: chat(8000) })).status).toBe(200);
    const { url } = await pool([a!, b!], [{}, {}]);
    for (let i = 0; i < 2; i++) expect((await ask(url, 4000)).status).toBe(200);
    expect([a!.requests.length, b!.requests.length, throttledAt(a!)]).toEqual([2, 2, 1]);
    const t = (await send(url, { path: '/_pool/requests?limit=1' })).json().requests[0].timeline as TimelineEntry[];
    const steps = t.flatMap((e) => e.type === 'skip' ? [`skip ${e.backend} ${e.code}`] : e.type === 'attempt' ? [`attempt ${e.backend} ${e.status}`] : []);
    expect(steps).toEqual(['skip a cooling', 'attempt b 200']);
  });

  it('answers at once, with a retry time that is true for the size, when the wait would pass queue.maxWaitSec', async () => {
    // A minute of 15 s: the 10 s window is 2.5 s.
    const [a] = await sims([60_000], 4);
    const { url } = await pool([a!], [{ tpm: 60_000 }], { quotaMinuteMs: 15_000, queue: { maxWaitSec: 2 } });
    expect((await ask(url, 9000)).status).toBe(200);
    const t0 = performance.now();
    const r = await ask(url, 9000);
    const took = performance.now() - t0;
    expect(r.status).toBe(429);
    expect(r.json().error.code).toBe('QuotaBusy');
    // The message names the setting as the user writes it.
    expect(r.json().error.message).toContain('(queue.maxWaitSec 2 s)');
    // Not held until the deadline (2 s): refused as soon as the wait is known to be longer.
    expect(took).toBeLessThan(1500);
    expect(r.headers['x-aoai-pool-queued-ms']).toBeUndefined();
    const ms = Number(r.headers['retry-after-ms']);
    expect(ms).toBeGreaterThan(2000);
    expect(ms).toBeLessThanOrEqual(2600);
    expect(r.headers['x-ms-retry-after-ms']).toBe(String(ms));
    expect(r.headers['retry-after']).toBe(String(Math.ceil(ms / 1000)));
    expect(a!.requests).toHaveLength(1);
    // The request's timeline says why.
    const t = (await send(url, { path: '/_pool/requests?limit=1' })).json().requests[0].timeline as TimelineEntry[];
    expect(t.filter((e) => e.type === 'skip').map((e) => e.type === 'skip' && [e.backend, e.code])).toEqual([['a', 'quota']]);
    expect(t.at(-1)).toMatchObject({ type: 'outcome', status: 429, summary: expect.stringContaining('quota') as string });
    // True: after that long the deployment itself admits a request of that size. (The pool counts from its
    // send, the deployment from its receipt: a few ms later, so the check allows 100 ms for that.)
    await sleep(ms + 100);
    const direct = await send(a!.url, { path: chatPath('gpt-4o'), key: KEYS.a, body: chat(9000) });
    expect(direct.status, direct.body).toBe(200);
    expect(throttledAt(a!)).toBe(0);
  });

  it('refuses a request larger than every deployment\'s minute with no retry time, without sending it', async () => {
    const [a] = await sims([60_000]);
    const { url } = await pool([a!], [{ tpm: 6000 }]);
    const r = await ask(url, 8000);
    expect(r.status).toBe(429);
    expect(r.json().error.code).toBe('QuotaTooSmall');
    expect(r.headers['retry-after']).toBeUndefined();
    expect(a!.requests).toHaveLength(0);
  });

  it('a client that leaves the queue leaves it, and the deployment never sees its request', async () => {
    const [a] = await sims([60_000], 4);
    const { url } = await pool([a!], [{ tpm: 60_000 }], { quotaMinuteMs: 15_000, queue: { maxWaitSec: 5 } });
    expect((await ask(url, 9000)).status).toBe(200);
    const req = sendAndKeep(url, 9000);
    let q = await quotaOf(url, 'a');
    for (let i = 0; i < 50 && q?.queued !== 1; i++) q = await sleep(20).then(() => quotaOf(url, 'a'));
    expect(q).toMatchObject({ queued: 1, queuedTokens: expect.any(Number) as number, limitTokens: 60_000 });
    req.destroy();
    for (let i = 0; i < 50 && q.queued !== 0; i++) q = await sleep(20).then(() => quotaOf(url, 'a'));
    expect(q.queued).toBe(0);
    // Past the window it would have been sent in.
    await sleep(3000);
    expect(a!.requests).toHaveLength(1);
  });

  it('gives a charge back when its request never reached the deployment (no connection), and fails over', async () => {
    const [a] = await sims([60_000]);
    // A port nobody listens on: connecting to it is refused.
    const gone = await startBackend(() => undefined);
    await new Promise<void>((r) => gone.server.close(() => r()));
    const tpm = { 'gpt-4o': { deployment: 'gpt-4o', tpm: 60_000 } };
    // Weight 3: "dead" has the most room per weight, so it is tried first.
    const { url } = await startProxy({ backends: [{ name: 'dead', endpoint: gone.url, weight: 3, deployments: tpm }, { name: 'a', endpoint: a!.url, deployments: tpm }] },
      { keys: { dead: 'key-dead-00000000000', a: KEYS.a } });
    const r = await ask(url, 9000);
    expect(r.status).toBe(200);
    expect(r.headers['x-aoai-pool-backend']).toBe('a');
    // 9000 was charged on dead's model at dispatch; nothing reached it, so all of its 10 s share is back.
    expect((await quotaOf(url, 'dead')).remainingTokens).toBe(10_000);
    expect((await quotaOf(url, 'a')).remainingTokens).toBeLessThan(1_000);
  });

  it('gives a charge back when its client leaves after admission, before the request was sent (during its Entra token fetch)', async () => {
    const [a] = await sims([60_000]);
    let asked!: () => void;
    const wasAsked = new Promise<void>((r) => (asked = r));
    const credentials: CredentialSource = {
      apiKey: () => undefined,
      // A token that never comes: the request stays between admission and sending until its client leaves.
      tokenCredential: () => ({ getToken: () => (asked(), new Promise<never>(() => undefined)) }),
    };
    const { url } = await startProxy({ backends: [{ name: 'a', endpoint: a!.url, auth: 'entra', deployments: { 'gpt-4o': { deployment: 'gpt-4o', tpm: 60_000 } } }] }, { credentials });
    const req = sendAndKeep(url, 9000);
    await wasAsked;
    // Admitted: charged on a while its token is fetched.
    expect((await quotaOf(url, 'a')).remainingTokens).toBeLessThan(1_000);
    req.destroy();
    let q = await quotaOf(url, 'a');
    for (let i = 0; i < 50 && q.remainingTokens !== 10_000; i++) q = await sleep(20).then(() => quotaOf(url, 'a'));
    expect(q.remainingTokens).toBe(10_000);
    expect(a!.requests).toHaveLength(0);
  });

  it('learns a lower limit from x-ratelimit-limit-tokens than the config says, and sends the next request elsewhere', async () => {
    const [a, b] = await sims([60_000, 60_000]);
    // The config overstates a's quota tenfold: before any answer a looks like the roomier one.
    const { url } = await pool([a!, b!], [{ tpm: 600_000 }, { tpm: 60_000 }]);
    for (let i = 0; i < 2; i++) expect((await ask(url, 6000)).status).toBe(200);
    expect([a!.requests.length, b!.requests.length]).toEqual([1, 1]);
    expect(throttledAt(a!)).toBe(0);
    expect((await quotaOf(url, 'a')).limitTokens).toBe(60_000);
  });

  it('holds a streamed request until its quota returns, then sends it, and says how long it waited', async () => {
    const [a] = await sims([60_000], 4);
    const { url } = await pool([a!], [{ tpm: 60_000 }], { quotaMinuteMs: 15_000, queue: { maxWaitSec: 5 } });
    expect((await ask(url, 9000)).status).toBe(200);
    const client = new AzureOpenAI({ endpoint: url, apiKey: CLIENT_KEY, apiVersion: '2024-10-21', deployment: 'gpt-4o', maxRetries: 0 });
    const t0 = performance.now();
    const { data: stream, response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 9000, stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    const took = performance.now() - t0;
    expect(text).toMatch(/Hello from a/);
    const queued = Number(response.headers.get('x-aoai-pool-queued-ms'));
    expect(queued).toBeGreaterThan(500);
    // Sent when the 2.5 s window frees room, well before the 5 s deadline.
    expect(took).toBeLessThan(4500);
    expect(a!.requests).toHaveLength(2);
    expect(throttledAt(a!)).toBe(0);
  });

  it('sends a queued request as soon as an answer raises the limit, not when its window would have freed', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const a = await startBackend(async (_req, res) => {
      // The first answer waits until the second request is queued behind it.
      if (a.requests.length === 1) await held;
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-limit-tokens': '600000' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'hi' } }] }));
    });
    // 6000 tpm configured: 1000 tokens per 10 s, one request of 900 at a time.
    const { url } = await startProxy({ queue: { maxWaitSec: 15 }, backends: [{ name: 'a', endpoint: a.url, deployments: { 'gpt-4o': { deployment: 'gpt-4o', tpm: 6000 } } }] }, { keys: KEYS });
    const first = ask(url, 900);
    while (a.requests.length < 1) await sleep(5);
    const second = ask(url, 900);
    while ((await quotaOf(url, 'a'))?.queued !== 1) await sleep(5);
    const t0 = performance.now();
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    // The answer taught a limit a hundred times larger: the queue moved at once, not ~10 s later.
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(a.requests).toHaveLength(2);
  });

  it('learns where a deployment\'s minute starts from its answers, says so in /_pool/health, and meets no 429 learning it', async () => {
    // A minute of 1 s (its 10 s periods 167 ms); a request every 60-80 ms across three minute boundaries.
    const [a] = await sims([60_000], 60);
    const { url } = await pool([a!], [{}], { quotaMinuteMs: 1000 });
    const until = performance.now() + 3300;
    let n = 0;
    while (performance.now() < until) {
      expect((await ask(url, 100)).status).toBe(200);
      n++;
      await sleep(60 + (n % 3) * 10);
    }
    expect(await quotaOf(url, 'a')).toMatchObject({ limitTokens: 60_000, periods: 'fixed' });
    expect(throttledAt(a!)).toBe(0);
  });

  it('a client refused for quota keeps its place when it retries: it goes before a request that came while it was away', async () => {
    // 1000 tokens per 10 s period, a period of 2.5 s; waiting up to 1 s.
    const [a] = await sims([6000], 4);
    const { url } = await pool([a!], [{ tpm: 6000 }], { quotaMinuteMs: 15_000, queue: { maxWaitSec: 1 } });
    const t0 = performance.now();
    expect((await ask(url, 900)).status).toBe(200);
    // Needs the next period (2.5 s away): refused at once, told to come back then.
    const first = await ask(url, 700);
    expect(first.status).toBe(429);
    expect(Number(first.headers['retry-after-ms'])).toBeGreaterThan(2000);
    // Someone else comes 1.7 s in and queues for the next period; the refused client retries 0.2 s later.
    await sleep(1700 - (performance.now() - t0));
    const other = ask(url, 600);
    await sleep(200);
    const retry = ask(url, 700);
    // The period takes one of them (700 + 600 > 1000): the retry, first seen earlier.
    const [o, r] = await Promise.all([other, retry]);
    expect([r.status, o.status]).toEqual([200, 429]);
    expect(Number(r.headers['x-aoai-pool-queued-ms'])).toBeGreaterThan(0);
    expect(throttledAt(a!)).toBe(0);
  });

  it('keeps round-robin available: "routing": "roundRobin" shares by weight whatever the quota', async () => {
    for (const routing of ['roundRobin', 'quota'] as const) {
      const [a, b] = await sims([600_000, 600_000]);
      const { url } = await pool([a!, b!], [{ tpm: 60_000 }, { tpm: 600_000 }], { routing });
      for (let i = 0; i < 4; i++) {
        const r = await ask(url, 100);
        expect(r.status).toBe(200);
        expect(r.headers['x-aoai-pool-queued-ms']).toBeUndefined();
      }
      // Quota routing prefers the most headroom per weight: b, every time.
      expect([a!.requests.length, b!.requests.length], routing).toEqual(routing === 'roundRobin' ? [2, 2] : [0, 4]);
    }
  });
  // Last in this file: it loads the tokenizer, which the first test expects not to be.
  it('sizes prompts with the tokenizer once something loaded its encoding (text denser than 4 characters a token)', async () => {
    countTokens('x', 'gpt-4o');
    const [a] = await sims([60_000]);
    const { url } = await pool([a!], [{ tpm: 60_000 }]);
    const body = { messages: [{ role: 'user', content: '你好世界'.repeat(200) }], max_tokens: 10 };
    const byChars = estimateCharge('completion', { json: body }).total;
    const byTokens = estimateCharge('completion', { json: body }, { countTokens: (t) => countTokens(t, 'gpt-4o') }).total;
    expect(byTokens).toBeGreaterThan(byChars);
    expect((await send(url, { path: chatPath('gpt-4o'), body: JSON.stringify(body) })).status).toBe(200);
    expect((await quotaOf(url, 'a')).remainingTokens).toBe(10_000 - byTokens);
  });
});
