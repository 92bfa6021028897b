// The routing timeline of real requests through the real proxy, on real sockets.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { CHAT, chatPath, closeAll, okBackend, send, startBackend, startProxy } from '../../helpers/net';
import type { RequestRecord, TimelineEntry } from '../../../src/core/events';

afterEach(closeAll);

const throttled = () => startBackend((_q, res) => {
  res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '7000', 'retry-after': '7' });
  res.end('{"error":{"code":"429","message":"Rate limit is exceeded."}}');
});

async function lastRecord(url: string): Promise<RequestRecord> {
  const r = await send(url, { path: '/_pool/requests?limit=1' });
  expect(r.status).toBe(200);
  return r.json().requests[0];
}

/** The timeline without its candidate list, one word per step: "skip b code", "attempt b status", "outcome status". */
const steps = (t: TimelineEntry[]) => t.flatMap((e) => e.type === 'candidate' ? []
  : e.type === 'skip' ? [`skip ${e.backend} ${e.code}`] : e.type === 'attempt' ? [`attempt ${e.backend} ${e.status ?? '-'}`] : [`outcome ${e.status}`]);

const of = <T extends TimelineEntry['type']>(t: TimelineEntry[], type: T) => t.filter((e): e is Extract<TimelineEntry, { type: T }> => e.type === type);

describe('request timeline', () => {
  it('lists every candidate in order, why each was skipped, each attempt with the throttle header that rested it, and the outcome', async () => {
    const hot = await throttled();
    const warm = await okBackend('warm');
    const cold = await okBackend('cold');
    // Round-robin's story (a 429 rests the whole deployment); quota routing's is in quotaRouting.test.ts.
    const { url } = await startProxy({ routing: 'roundRobin', backends: [
      { name: 'cold', endpoint: cold.url, priority: 2, deployments: ['gpt-4o'] },
      { name: 'hot', endpoint: hot.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'warm', endpoint: warm.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'other', endpoint: warm.url, priority: 1, deployments: ['gpt-35-turbo'] },
      { name: 'off', endpoint: warm.url, priority: 1, deployments: ['gpt-4o'], enabled: false },
    ] });

    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(200);
    const rec = await lastRecord(url);
    let t = rec.timeline;
    expect(of(t, 'candidate').map((c) => `${c.backend}:${c.priority}`)).toEqual(['hot:1', 'warm:1', 'other:1', 'off:1', 'cold:2']);
    expect(of(t, 'skip').map((s) => [s.backend, s.code])).toEqual([['other', 'noDeployment'], ['off', 'disabled'], ['cold', 'notNeeded']]);
    expect(of(t, 'skip').find((s) => s.backend === 'cold')!.reason).toBe('priority group 2 not needed: warm (priority 1) answered');
    const [first, second] = of(t, 'attempt');
    expect(first).toMatchObject({ n: 1, backend: 'hot', deployment: 'gpt-4o', status: 429, throttle: { header: 'retry-after-ms', ms: 7000 } });
    // Rested from the moment of the 429: 7 s after the request arrived, plus at most its own duration.
    expect(first!.throttle!.until).toBeGreaterThanOrEqual(rec.at + 7000);
    expect(first!.throttle!.until).toBeLessThanOrEqual(rec.at + 7000 + rec.ms + 1);
    expect(second).toMatchObject({ n: 2, backend: 'warm', status: 200 });
    expect(second!.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(second!.bytes).toBeGreaterThan(0);
    expect(t.at(-1)).toMatchObject({ type: 'outcome', status: 200, backend: 'warm', attempts: 2, summary: 'served by warm after 1 failover' });

    // The next request finds hot resting and says until when, and why.
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(200);
    t = (await lastRecord(url)).timeline;
    const rest = of(t, 'skip').find((s) => s.backend === 'hot')!;
    expect(rest.code).toBe('cooling');
    expect(rest.until).toBe(first!.throttle!.until);
    expect(rest.reason).toMatch(/^cooling down, \d\.\d s more: 429 on gpt-4o, resting 7 s \(retry-after-ms\)$/);
    expect(of(t, 'attempt').map((a) => a.backend)).toEqual(['warm']);
  });

  it('names a missing key, a backend that does not answer, a 429, and the pool\'s own 429 when every candidate rests', async () => {
    const dead = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const hot = await throttled();
    // Round-robin's story (a 429 rests the whole deployment); quota routing's is in quotaRouting.test.ts.
    const { url } = await startProxy({ routing: 'roundRobin', backends: [
      { name: 'nokey', endpoint: hot.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'dead', endpoint: `http://127.0.0.1:${dead}`, priority: 1, deployments: ['gpt-4o'] },
      { name: 'hot', endpoint: hot.url, priority: 2, deployments: ['gpt-4o'] },
    ] }, { credentials: { apiKey: (b) => (b.name === 'nokey' ? undefined : 'key-0000000000'), tokenCredential: () => undefined } });

    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(429);
    let rec = await lastRecord(url);
    // The key was missing from the start: the router passed nokey over before the first attempt.
    expect(steps(rec.timeline)).toEqual(['skip nokey credential', 'attempt dead -', 'attempt hot 429', 'outcome 429']);
    expect(of(rec.timeline, 'skip')[0]!.reason).toMatch(/key/i);
    const attempts = of(rec.timeline, 'attempt');
    expect(attempts[0]!.error).toMatch(/refused|connect/i);
    expect(attempts[1]).toMatchObject({ backend: 'hot', status: 429, throttle: { header: 'retry-after-ms', ms: 7000 } });
    // A refused connection rests dead at once (issue 9), so after hot's 429 nobody is left:
    // the pool answers its own 429 with the time the first one is back, not hot's.
    expect(rec.timeline.at(-1)).toMatchObject({ type: 'outcome', status: 429, attempts: 2 });
    expect((rec.timeline.at(-1) as { backend?: string }).backend).toBeUndefined();
    expect((rec.timeline.at(-1) as { summary: string }).summary).toMatch(/^every candidate is resting/);

    // The next request asks nobody and says why for each.
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(429);
    rec = await lastRecord(url);
    expect(steps(rec.timeline)).toEqual(['skip nokey credential', 'skip dead ejected', 'skip hot cooling', 'outcome 429']);
    const [, ejected, cooling] = of(rec.timeline, 'skip');
    expect(ejected!.reason).toMatch(/^ejected, \d\.\d s more: .*(refused|connect)/i);
    expect(ejected!.until).toBeGreaterThan(rec.at);
    expect(cooling!.until).toBe(attempts[1]!.throttle!.until);

    const only = await startProxy({ backends: [{ name: 'hot', endpoint: hot.url, deployments: ['gpt-4o'] }] });
    expect((await send(only.url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(429);
    rec = await lastRecord(only.url);
    expect(rec.timeline.at(-1)).toMatchObject({ type: 'outcome', status: 429, attempts: 1 });
    expect((rec.timeline.at(-1) as { backend?: string }).backend).toBeUndefined();
    expect((rec.timeline.at(-1) as { summary: string }).summary).toMatch(/^every candidate is resting/);

    const lone = await startProxy({ backends: [{ name: 'dead', endpoint: `http://127.0.0.1:${dead}`, deployments: ['gpt-4o'] }] });
    expect((await send(lone.url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(502);
    rec = await lastRecord(lone.url);
    expect(steps(rec.timeline)).toEqual(['attempt dead -', 'outcome 502']);
    expect(rec.timeline.at(-1)).toMatchObject({ type: 'outcome', status: 502, summary: 'no backend answered' });
  });

  it('names a key that went missing between the start and the request, in the order it happened, and counts only the attempt sent', async () => {
    const ok = await okBackend('ok');
    let gone = false;
    const { url } = await startProxy({ backends: [
      { name: 'lostkey', endpoint: ok.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'ok', endpoint: ok.url, priority: 2, deployments: ['gpt-4o'] },
    ] }, { credentials: { apiKey: (b) => (b.name === 'lostkey' && gone ? undefined : 'key-0000000000'), tokenCredential: () => undefined } });
    gone = true;
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(200);
    const rec = await lastRecord(url);
    // One request left the proxy: the backend without a key was skipped, not attempted.
    expect(rec.attempts).toBe(1);
    const t = rec.timeline;
    // It was a candidate when routing began; the loop found its key gone and moved on.
    expect(t.map((e) => e.type === 'candidate' ? 'candidate' : e.type === 'skip' ? `skip ${e.backend} ${e.code}` : e.type === 'attempt' ? `attempt ${e.backend} ${e.status}` : e.type))
      .toEqual(['candidate', 'candidate', 'skip lostkey credential', 'attempt ok 200', 'outcome']);
  });

  it('records sizes and token counts, never the prompt', async () => {
    const b = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-remaining-tokens': '29000' });
      res.end(JSON.stringify({ choices: [{ message: { content: 'the answer text' } }], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } }));
    });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'PROMPT-TEXT-THAT-MUST-NOT-BE-KEPT' }] });
    expect((await send(url, { path: chatPath('gpt-4o'), body })).status).toBe(200);
    // The backend really got the prompt: what follows is not true for lack of one.
    expect(b.requests[0]!.body).toContain('PROMPT-TEXT-THAT-MUST-NOT-BE-KEPT');
    const raw = (await send(url, { path: '/_pool/requests' })).body;
    const rec = JSON.parse(raw).requests[0] as RequestRecord;
    expect(rec.requestBytes).toBe(Buffer.byteLength(body));
    expect(rec.responseBytes).toBeGreaterThan(0);
    expect(rec.tokens).toEqual({ prompt: 11, completion: 4, total: 15 });
    expect(raw).not.toContain('PROMPT-TEXT');
    expect(raw).not.toContain('the answer text');
  });
});
