// Each reason the routing loop can pass a candidate over, as the timeline names it, on real sockets
// (the loop of proxy/stages/forward.ts: targets.ts, the router's onSkip, attempt.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { CHAT, CLIENT_KEY, chatPath, closeAll, nextRecord, okBackend, send, sleep, startBackend, startProxy, within } from '../../helpers/net';
import { stubContext } from '../../helpers/stubs';
import { Attempts } from '../../../src/core/proxy/attempt';
import { RetryBudget } from '../../../src/core/balancer/retryBudget';
import { NOOP_TRACE, SkipStep, Trace } from '../../../src/core/metrics/trace';
import type { ProxyContext } from '../../../src/core/proxy/context';
import type { RequestRecord, TimelineEntry } from '../../../src/core/events';

afterEach(closeAll);

const steps = (t: TimelineEntry[]) => t.flatMap((e) => e.type === 'candidate' ? []
  : e.type === 'skip' ? [`skip ${e.backend} ${e.code}`] : e.type === 'attempt' ? [`attempt ${e.backend} ${e.status ?? '-'}`] : [`outcome ${e.status}`]);
const skipOf = (t: TimelineEntry[], backend: string) => t.find((e): e is Extract<TimelineEntry, { type: 'skip' }> => e.type === 'skip' && e.backend === backend);
const outcome = (t: TimelineEntry[]) => t.at(-1) as Extract<TimelineEntry, { type: 'outcome' }>;

async function records(url: string, limit: number): Promise<RequestRecord[]> {
  const r = await send(url, { path: `/_pool/requests?limit=${limit}` });
  expect(r.status).toBe(200);
  return r.json().requests;
}

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => startBackend((_q, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
});

describe('timeline: why a candidate got nothing', () => {
  it('a 401 and a missing deployment fail over, and the next request names both rests with the health\'s own reason', async () => {
    const denied = await answer(401, { error: { code: '401', message: 'Access denied due to invalid subscription key.' } });
    const gone = await answer(404, { error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist.' } });
    const ok = await okBackend('ok');
    const { url } = await startProxy({ backends: [
      { name: 'denied', endpoint: denied.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'gone', endpoint: gone.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'ok', endpoint: ok.url, priority: 2, deployments: ['gpt-4o'] },
    ] });
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(200);
    let [rec] = await records(url, 1);
    // Both of priority 1 were tried (in round-robin order) before ok.
    expect(steps(rec!.timeline).sort()).toEqual(['attempt denied 401', 'attempt gone 404', 'attempt ok 200', 'outcome 200']);
    expect(outcome(rec!.timeline).summary).toBe('served by ok after 2 failovers');

    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(200);
    [rec] = await records(url, 1);
    expect(steps(rec!.timeline)).toEqual(['skip denied misconfigured', 'skip gone notFound', 'attempt ok 200', 'outcome 200']);
    expect(skipOf(rec!.timeline, 'denied')!.reason).toMatch(/^misconfigured, \d\d s more: 401: the backend refused our credential$/);
    expect(skipOf(rec!.timeline, 'gone')!.reason).toMatch(/^deployment not found, \d\d s more: 404 DeploymentNotFound for deployment "gpt-4o"$/);
    expect(skipOf(rec!.timeline, 'gone')!.until).toBeGreaterThan(rec!.at + 50_000);
  });

  it('the attempt limit: the throttled answer is passed on and the candidate never reached says why', async () => {
    const hot = await answer(429, { error: { code: '429', message: 'Rate limit is exceeded.' } }, { 'retry-after': '5' });
    const warm = await okBackend('warm');
    const { url } = await startProxy({ maxAttempts: 1, backends: [
      { name: 'hot', endpoint: hot.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'warm', endpoint: warm.url, priority: 2, deployments: ['gpt-4o'] },
    ] });
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(429);
    const [rec] = await records(url, 1);
    expect(steps(rec!.timeline)).toEqual(['attempt hot 429', 'skip warm attemptLimit', 'outcome 429']);
    expect(rec!.timeline.find((e) => e.type === 'attempt')).toMatchObject({ throttle: { header: 'retry-after', ms: 5000 } });
    expect(skipOf(rec!.timeline, 'warm')!.reason).toBe('not tried: 1 attempts is the limit (maxAttempts)');
    expect(outcome(rec!.timeline)).toMatchObject({ backend: 'hot', summary: "hot's 429 passed on: no better answer came" });
    expect(warm.requests).toHaveLength(0);
  });

  it('the retry budget: a request refused a retry names the candidates it could not try', async () => {
    // 429 with retry-after-ms 0: throttled, yet never resting, so every request wants its retry.
    const storm = () => startBackend(async (_q, res) => {
      await sleep(300);
      res.writeHead(429, { 'retry-after-ms': '0', 'content-type': 'application/json' });
      res.end('{"error":{"code":"429","message":"Rate limit is exceeded."}}');
    });
    const [b0, b1] = await Promise.all([storm(), storm()]);
    const { url } = await startProxy({ maxAttempts: 2, backends: [{ name: 'b0', endpoint: b0!.url }, { name: 'b1', endpoint: b1!.url }] });
    // Four at once: the budget lets max(3, 20 % of 4) of them retry.
    const replies = await Promise.all(Array.from({ length: 4 }, () => send(url, { path: chatPath('x'), body: CHAT })));
    expect(replies.map((r) => r.status)).toEqual([429, 429, 429, 429]);
    const all = await records(url, 4);
    const refused = all.filter((r) => r.error === 'retry budget exhausted');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(all.length - refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) {
      const [first] = r.timeline.filter((e) => e.type === 'attempt').map((e) => e.backend);
      const other = first === 'b0' ? 'b1' : 'b0';
      expect(steps(r.timeline)).toEqual([`attempt ${first} 429`, `skip ${other} retryBudget`, 'outcome 429']);
      expect(skipOf(r.timeline, other)!.reason).toMatch(/retry budget is spent/);
      expect(outcome(r.timeline).summary).toBe(`${first}'s 429 passed on: the retry budget allowed no further attempt`);
    }
  });

  it('a client that leaves: the attempt it cut short and the candidates never reached', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const slow = await startBackend((_q, res) => {
      arrived();
      res.on('close', () => undefined); // never answers; the proxy aborts it when the client leaves
    });
    const spare = await okBackend('spare');
    const { proxy, url } = await startProxy({ backends: [
      { name: 'slow', endpoint: slow.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'spare', endpoint: spare.url, priority: 2, deployments: ['gpt-4o'] },
    ] });
    const done = nextRecord(proxy, 5_000, (r) => r.route.includes('/chat/'));
    const req = request(`${url}${chatPath('gpt-4o')}`, { method: 'POST', headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(CHAT);
    await within(reached, 5_000, 'the request reaching the slow backend');
    req.destroy();
    await done;
    const [rec] = await records(url, 1);
    expect(steps(rec!.timeline)).toEqual(['attempt slow -', 'skip spare clientGone', `outcome ${rec!.status}`]);
    expect(rec!.error).toBe('client disconnected');
    expect(rec!.timeline.find((e) => e.type === 'attempt')).toMatchObject({ error: 'no answer (the client left)' });
    expect(outcome(rec!.timeline).summary).toBe('the client left before an answer came');
    expect(spare.requests).toHaveLength(0);
  });

  it('an answer that breaks mid-stream: the attempt keeps its status and says what broke', async () => {
    const broken = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"hel"}}]}\n\n');
      setTimeout(() => res.destroy(), 20);
    });
    const { url } = await startProxy({ backends: [{ name: 'broken', endpoint: broken.url, deployments: ['gpt-4o'] }] });
    await send(url, { path: chatPath('gpt-4o'), body: JSON.stringify({ messages: [], stream: true }) }).catch(() => undefined);
    const rec = await within((async () => {
      for (;;) {
        const [r] = await records(url, 1);
        if (r) return r;
        await sleep(20);
      }
    })(), 5_000, 'the broken request in /_pool/requests');
    expect(steps(rec.timeline)).toEqual(['attempt broken 200', 'outcome 200']);
    const a = rec.timeline.find((e) => e.type === 'attempt')!;
    expect(a).toMatchObject({ status: 200, error: expect.stringMatching(/mid-stream$/) });
    expect((a as { bytes: number }).bytes).toBeGreaterThan(0);
    expect(outcome(rec.timeline).summary).toMatch(/^broken answered 200, then: .*mid-stream$/);
  });

  it('stored objects pin the route; the backend that holds them, resting, is named with why', async () => {
    const owner = await startBackend((_q, res, body) => {
      const throttle = body.includes('"input":"429"');
      res.writeHead(throttle ? 429 : 200, { 'content-type': 'application/json', ...(throttle ? { 'retry-after-ms': '9000' } : {}) });
      res.end(throttle ? '{"error":{"code":"429","message":"Rate limit is exceeded."}}' : JSON.stringify({ id: 'resp_owner1', object: 'response' }));
    });
    const other = await okBackend('other');
    let keyGone = false;
    const { proxy, url } = await startProxy({ backends: [
      { name: 'owner', endpoint: owner.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'other', endpoint: other.url, priority: 2, deployments: ['gpt-4o'] },
    ] }, { credentials: { apiKey: (b) => (b.name === 'owner' && keyGone ? undefined : 'key-0000000000'), tokenCredential: () => undefined } });
    const path = '/openai/v1/responses';
    const follow = (input: string) => send(url, { path, body: JSON.stringify({ model: 'gpt-4o', input, previous_response_id: 'resp_owner1' }) });
    expect((await send(url, { path, body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) })).json().id).toBe('resp_owner1');
    expect((await follow('more')).status).toBe(200);
    let [rec] = await records(url, 1);
    expect(steps(rec!.timeline)).toEqual(['attempt owner 200', 'skip other pinned', 'outcome 200']);
    expect(skipOf(rec!.timeline, 'other')!.reason).toBe("the request's stored objects live on owner");

    // The owner throttles: the next follow-up waits for it (the pool's 429), and says why.
    expect((await follow('429')).status).toBe(429);
    expect((await follow('again')).status).toBe(429);
    [rec] = await records(url, 1);
    expect(steps(rec!.timeline)).toEqual(['skip owner cooling', 'skip other pinned', 'outcome 429']);
    expect(skipOf(rec!.timeline, 'owner')!.reason).toMatch(/^cooling down, \d\.\d s more: 429 on gpt-4o, resting 9 s \(retry-after-ms\)$/);

    // Its key is gone: target selection answers at once (503), and the timeline has the reason too.
    keyGone = true;
    proxy.credentialsChanged();
    expect((await follow('later')).status).toBe(503);
    [rec] = await records(url, 1);
    expect(steps(rec!.timeline)).toEqual(['skip owner credential', 'skip other pinned', 'outcome 503']);
    expect(skipOf(rec!.timeline, 'owner')!.reason).toMatch(/key/i);
  });
});

describe('timeline: a throttle rest', () => {
  it('runs from the clock reading the cooldown was set with, and names the header that decided it', () => {
    const trace = new Trace();
    const exchange = { startedAt: 0, headAt: 0, firstByteAt: 0, endAt: 0, bytes: 0, statusCode: 429, headers: undefined, lastChunk: undefined, previousChunk: undefined };
    trace.attempt('hot', 'gpt-4o', exchange);
    trace.attempted('hot', { failover: true, reason: 'HTTP 429', rest: { ms: 7000, source: 'retry-after-ms' } }, 429, 1_000_000);
    // A backend that got no attempt (its credential could not be had) is a skip, in its place.
    trace.attempted('nokey', { failover: true, reason: 'API key missing' }, undefined, 1_000_001);
    const [attempt, skip] = trace.steps;
    expect(attempt).toMatchObject({ backend: 'hot', throttle: { header: 'retry-after-ms', ms: 7000, until: 1_007_000 }, error: undefined });
    expect(skip).toMatchObject({ backend: 'nokey', code: 'credential', reason: 'API key missing' });
  });
});

describe('timeline: what recording costs the router', () => {
  it('the router is given a skip listener only when the request is traced, and the trace hears every skip', () => {
    const { ctx } = stubContext({ config: { backends: [
      { name: 'off', endpoint: 'http://127.0.0.1:1', deployments: ['gpt-4o'], enabled: false },
      { name: 'on', endpoint: 'http://127.0.0.1:2', deployments: ['gpt-4o'] },
    ] } });
    const targets = ctx.pool.targets('gpt-4o');
    const untraced: ProxyContext = { ...ctx, trace: NOOP_TRACE };
    const quiet = new Attempts(untraced, targets, new RetryBudget());
    expect(quiet.onSkip).toBeUndefined();
    quiet.ended();

    const run = new Attempts(ctx, targets, new RetryBudget());
    expect(run.onSkip).toBeTypeOf('function');
    const next = ctx.pool.router.next(targets, run.tried, Date.now(), run.onSkip);
    expect(next).toMatchObject({ kind: 'try', candidate: { name: 'on' } });
    // Asked again (as before each attempt), the same skip is kept once.
    ctx.pool.router.next(targets, run.tried, Date.now(), run.onSkip);
    const trace = ctx.trace as Trace;
    expect(trace.steps.filter((s) => s instanceof SkipStep).map((s) => [s.backend, (s as SkipStep).code])).toEqual([['off', 'disabled']]);
    run.ended();
  });
});
