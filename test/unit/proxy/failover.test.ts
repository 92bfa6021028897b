import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { request } from 'node:http';
import { CHAT, CLIENT_KEY, chatPath, closeAll, okBackend, send, sleep, startBackend, startProxy } from '../../helpers/net';
import type { PoolRuntime } from '../../../src/core/proxy/pool';

afterEach(closeAll);

function throttled(headers: Record<string, string>) {
  return startBackend((_q, res) => {
    res.writeHead(429, { 'content-type': 'application/json', ...headers });
    res.end('{"error":{"code":"429","message":"Rate limit is exceeded."}}');
  });
}

describe('failover', () => {
  // Headers are built when the test runs: a date made at collection time would be stale by then.
  const variants: [string, Record<string, string> | (() => Record<string, string>), number][] = [
    ['retry-after-ms', { 'retry-after-ms': '7000' }, 7],
    ['x-ms-retry-after-ms', { 'x-ms-retry-after-ms': '9000' }, 9],
    ['Retry-After seconds', { 'retry-after': '12' }, 12],
    ['Retry-After date', () => ({ 'retry-after': new Date(Date.now() + 20_000).toUTCString() }), 20],
    ['x-ratelimit-reset-requests', { 'x-ratelimit-reset-requests': '15s' }, 15],
    ['x-ratelimit-reset-tokens', { 'x-ratelimit-reset-tokens': '1m0s' }, 60],
    ['no header (default)', {}, 10],
    ['precedence: retry-after-ms over Retry-After', { 'retry-after-ms': '3000', 'retry-after': '40' }, 3],
  ];
  for (const [label, headers, seconds] of variants) {
    it(`a 429 with ${label} fails over at once and rests that backend ~${seconds}s`, async () => {
      const hot = await throttled(typeof headers === 'function' ? headers() : headers);
      const cold = await okBackend('cold');
      const { url, proxy } = await startProxy({ backends: [
        { name: 'hot', endpoint: hot.url, priority: 1, deployments: ['gpt-4o'] },
        { name: 'cold', endpoint: cold.url, priority: 2, deployments: ['gpt-4o'] },
      ] });
      const t0 = Date.now();
      const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
      expect(r.status).toBe(200);
      expect(r.headers['x-aoai-pool-backend']).toBe('cold');
      expect(Date.now() - t0).toBeLessThan(1000); // no sleeping between attempts
      const snap = proxy.snapshots().find((s) => s.name === 'hot')!;
      expect(snap.status).toBe('cooling');
      const rest = (snap.deployments[0]!.cooldownUntil - Date.now()) / 1000;
      expect(rest).toBeGreaterThan(seconds - 2);
      expect(rest).toBeLessThanOrEqual(seconds + 1);
      // While it rests, the preferred backend is skipped without being asked.
      await send(url, { path: chatPath('gpt-4o'), body: CHAT });
      expect(hot.requests).toHaveLength(1);
      expect(cold.requests).toHaveLength(2);
    });
  }

  it('cools down per (backend, deployment): other deployments of a throttled backend still serve', async () => {
    const b = await startBackend((req, res) => {
      if (req.url!.includes('/gpt-4o/')) {
        res.writeHead(429, { 'retry-after': '30' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o', 'embed'] }] });
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(429);
    expect((await send(url, { path: chatPath('embed'), body: CHAT })).status).toBe(200);
  });

  it('answers 429 with the soonest recovery when every backend is cooling, without hammering them', async () => {
    const a = await throttled({ 'retry-after': '30' });
    const b = await throttled({ 'retry-after-ms': '4500' });
    // Round-robin rests whole deployments; quota routing answers QuotaBusy by size (quotaRouting.test.ts).
    const { url } = await startProxy({ routing: 'roundRobin', backends: [
      { name: 'a', endpoint: a.url, deployments: ['gpt-4o'] },
      { name: 'b', endpoint: b.url, deployments: ['gpt-4o'] },
    ] });
    const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('5');
    expect(Number(r.headers['retry-after-ms'])).toBeGreaterThan(3500);
    expect(Number(r.headers['retry-after-ms'])).toBeLessThanOrEqual(4500);
    expect(r.json().error.code).toBe('PoolThrottled');
    const again = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    expect(again.status).toBe(429);
    expect(a.requests.length + b.requests.length).toBe(2);
  });

  it('fails over on 5xx and on connection refused, and gives up after maxAttempts', async () => {
    const broken = await startBackend((_q, res) => {
      res.writeHead(503);
      res.end('busy');
    });
    const refused = createServer();
    refused.listen(0, '127.0.0.1');
    await once(refused, 'listening');
    const deadPort = (refused.address() as { port: number }).port;
    await new Promise<void>((r) => refused.close(() => r()));
    const ok = await okBackend('ok');
    const { url, proxy } = await startProxy({ backends: [
      { name: 'broken', endpoint: broken.url, priority: 1 },
      { name: 'dead', endpoint: `http://127.0.0.1:${deadPort}`, priority: 2 },
      { name: 'ok', endpoint: ok.url, priority: 3 },
    ] });
    const r = await send(url, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(200);
    expect(r.headers['x-aoai-pool-backend']).toBe('ok');
    expect(ok.requests[0]!.body).toBe(CHAT); // the buffered body is replayed intact
    const dead = proxy.snapshots().find((s) => s.name === 'dead')!;
    expect(dead.lastError).toContain('refused');

    const { url: url2 } = await startProxy({ maxAttempts: 2, backends: [
      { name: 'broken', endpoint: broken.url, priority: 1 },
      { name: 'dead', endpoint: `http://127.0.0.1:${deadPort}`, priority: 2 },
      { name: 'ok', endpoint: ok.url, priority: 3 },
    ] });
    const r2 = await send(url2, { path: chatPath('x'), body: CHAT });
    expect(r2.status).toBe(502);
    expect(r2.json().error.message).toContain('refused');
  });

  it('returns the last upstream 5xx as it is when no other backend is left', async () => {
    const broken = await startBackend((_q, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"InternalServerError","message":"boom"}}');
    });
    const { url } = await startProxy({ backends: [{ name: 'broken', endpoint: broken.url }] });
    const r = await send(url, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(500);
    expect(r.json().error.message).toBe('boom');
  });

  it('times out a backend that hangs before headers and fails over', async () => {
    const hang = await startBackend(() => undefined);
    const ok = await okBackend('ok');
    const { url, proxy } = await startProxy({ timeouts: { headersSec: 0.3 }, backends: [
      { name: 'hang', endpoint: hang.url, priority: 1 },
      { name: 'ok', endpoint: ok.url, priority: 2 },
    ] });
    const r = await send(url, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(200);
    expect(proxy.snapshots().find((s) => s.name === 'hang')!.lastError).toContain('timed out');
  });

  it('marks a backend that answers 401 as misconfigured and returns the 401 as it is', async () => {
    const denied = await startBackend((_q, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"401","message":"Access denied"}}');
    });
    const { url, proxy } = await startProxy({ backends: [{ name: 'denied', endpoint: denied.url }] });
    const r = await send(url, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(401);
    expect(proxy.snapshots()[0]!.status).toBe('misconfigured');
  });

  it('ejects a backend after consecutive failures and sends traffic elsewhere', async () => {
    const flaky = await startBackend((_q, res) => {
      res.writeHead(502);
      res.end();
    });
    const ok = await okBackend('ok');
    const { url, proxy } = await startProxy({ backends: [
      { name: 'flaky', endpoint: flaky.url, weight: 100 },
      { name: 'ok', endpoint: ok.url, weight: 1 },
    ] });
    for (let i = 0; i < 6; i++) expect((await send(url, { path: chatPath('x'), body: CHAT })).status).toBe(200);
    expect(proxy.snapshots().find((s) => s.name === 'flaky')!.status).toBe('unhealthy');
    expect(flaky.requests.length).toBe(3);
  });
});

describe('the router seam', () => {
  it('holds a request while the router says "wait", then sends it; a client that leaves while held ends it', async () => {
    const b = await okBackend('b');
    const { url, proxy, port } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const router = (proxy as unknown as { pool: PoolRuntime }).pool.router;
    const real = router.next.bind(router);
    let asked = 0;
    let holdMs = 100;
    router.next = (...args: Parameters<typeof real>) => (++asked === 1 ? { kind: 'wait', until: Date.now() + holdMs } : real(...args));
    const r = await send(url, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(200);
    expect(asked).toBe(2); // asked again after the wait
    expect(b.requests).toHaveLength(1);

    // Held for a minute; the client gives up after a moment.
    asked = 0;
    holdMs = 60_000;
    const records: { error?: string }[] = [];
    proxy.on('request', (rec) => records.push(rec as { error?: string }));
    const req = request({ host: '127.0.0.1', port, path: chatPath('x'), method: 'POST', agent: false, headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(CHAT);
    for (let i = 0; i < 100 && asked === 0; i++) await sleep(10);
    expect(asked).toBe(1);
    req.destroy();
    for (let i = 0; i < 100 && records.length === 0; i++) await sleep(10);
    expect(records).toHaveLength(1); // the handler ended with its client, not a minute later
    expect(records[0]!.error).toBe('client disconnected');
    expect(b.requests).toHaveLength(1);
  });
});
