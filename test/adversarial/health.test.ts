/**
 * Health that tells the truth, on real sockets: a backend is healthy only
 * after something succeeded since its last failure; a deployment a resource
 * lacks rests and the request fails over; state stays bounded whatever names
 * clients invent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { CHAT, chatPath, closeAll, okBackend, send, sleep, startBackend, startProxy } from '../helpers/net';
import { healthCount } from '../../src/core/view';
import { MAX_UNLISTED_DEPLOYMENTS } from '../../src/core/balancer/health';
import type { PoolRuntime } from '../../src/core/proxy/pool';

afterEach(closeAll);

/** A port that refuses connections (nothing listens), and a way to listen on it later. */
async function refusedPort(): Promise<{ port: number; listen: () => Promise<Server> }> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return {
    port,
    listen: async () => {
      // Answers the probe like an Azure OpenAI resource would.
      const { createServer: http } = await import('node:http');
      const srv = http((_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"data":[]}');
      });
      srv.listen(port, '127.0.0.1');
      await once(srv, 'listening');
      return srv as unknown as Server;
    },
  };
}

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const deploymentNotFound = JSON.stringify({ error: { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.' } });

describe('health that tells the truth', () => {
  it('a refused endpoint is unhealthy from its first failure, stays so after its ejection ends, and only a success heals it', async () => {
    const dead = await refusedPort();
    const ok = await okBackend('ok');
    const { url, proxy } = await startProxy({ backends: [
      { name: 'dead', endpoint: `http://127.0.0.1:${dead.port}`, priority: 1, deployments: ['gpt-4o'] },
      { name: 'ok', endpoint: ok.url, priority: 2, deployments: ['gpt-4o'] },
    ] });
    const snap = () => proxy.snapshots().find((s) => s.name === 'dead')!;
    expect(snap().status).toBe('unknown');
    const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    expect(r.status).toBe(200);
    expect(snap()).toMatchObject({ status: 'unhealthy', reason: 'connection refused', failures: 1, deployments: [{ status: 'unavailable' }] });
    expect(snap().ejectedUntil).toBeGreaterThan(Date.now()); // ejected at once: nothing to gain by asking again now
    expect(proxy.snapshots().find((s) => s.name === 'ok')).toMatchObject({ status: 'healthy', deployments: [{ status: 'healthy' }] });

    // The ejection ends (5 s): traffic may try it again, but it is not healthy for that.
    await until(() => snap().ejectedUntil === 0, 'the ejection to end', 8_000);
    expect(snap()).toMatchObject({ status: 'unhealthy', reason: 'connection refused', deployments: [{ status: 'unavailable' }] });
    const retried = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    expect(retried.status).toBe(200);
    expect(snap()).toMatchObject({ status: 'unhealthy', failures: 2 });

    // It comes back: a probe succeeds, and only then is it healthy.
    const srv = await dead.listen();
    try {
      await proxy.probeNow();
      expect(snap()).toMatchObject({ status: 'healthy', reason: undefined, ejectedUntil: 0, deployments: [{ status: 'healthy' }] });
    } finally {
      await new Promise<void>((res) => srv.close(() => res()));
    }
  }, 15_000);

  it('one 5xx makes a backend unhealthy until its next success', async () => {
    let fail = true;
    const flaky = await startBackend((_q, res) => {
      res.writeHead(fail ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const ok = await okBackend('ok');
    const { url, proxy } = await startProxy({ backends: [{ name: 'flaky', endpoint: flaky.url, priority: 1 }, { name: 'ok', endpoint: ok.url, priority: 2 }] });
    expect((await send(url, { path: chatPath('x'), body: CHAT })).status).toBe(200);
    expect(proxy.snapshots()[0]).toMatchObject({ name: 'flaky', status: 'unhealthy', reason: 'HTTP 503', ejectedUntil: 0 });
    fail = false;
    expect((await send(url, { path: chatPath('x'), body: CHAT })).headers['x-aoai-pool-backend']).toBe('flaky');
    expect(proxy.snapshots()[0]).toMatchObject({ status: 'healthy', reason: undefined });
  });

  it('a backend with a throttled deployment is not counted as fully healthy', async () => {
    const b = await startBackend((req, res) => {
      const hot = req.url!.includes('/gpt-4o/');
      res.writeHead(hot ? 429 : 200, hot ? { 'retry-after': '30' } : { 'content-type': 'application/json' });
      res.end('{}');
    });
    const { url, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o', 'mini'] }] });
    expect((await send(url, { path: chatPath('mini'), body: CHAT })).status).toBe(200);
    expect(healthCount(proxy.snapshots())).toEqual({ healthy: 1, degraded: 0, unknown: 0, total: 1 });
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(429);
    const s = proxy.snapshots()[0]!;
    expect(s.status).toBe('healthy'); // mini still serves
    expect(s.deployments.map((d) => d.status)).toEqual(['cooling', 'healthy']);
    expect(healthCount(proxy.snapshots())).toEqual({ healthy: 0, degraded: 1, unknown: 0, total: 1 });
  });
});

describe('a deployment the resource lacks', () => {
  it('rests for that alias after 404 DeploymentNotFound, and requests fail over instead of alternating 200/404', async () => {
    const missing = await startBackend((_q, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(deploymentNotFound);
    });
    const good = await okBackend('good');
    const { url, proxy } = await startProxy({ backends: [
      { name: 'missing', endpoint: missing.url, deployments: { 'gpt-4o': 'gpt-4o-typo' } },
      { name: 'good', endpoint: good.url, deployments: ['gpt-4o'] },
    ] });
    const replies = [];
    for (let i = 0; i < 8; i++) replies.push(await send(url, { path: chatPath('gpt-4o'), body: CHAT }));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(replies.every((r) => r.headers['x-aoai-pool-backend'] === 'good')).toBe(true);
    expect(missing.requests).toHaveLength(1); // asked once, then rests
    const s = proxy.snapshots().find((x) => x.name === 'missing')!;
    expect(s.deployments).toMatchObject([{ alias: 'gpt-4o', deployment: 'gpt-4o-typo', status: 'misconfigured' }]);
    expect(s.status).toBe('misconfigured'); // its only deployment does not exist
  });

  it('recognises a compressed DeploymentNotFound body too', async () => {
    const missing = await startBackend((_q, res) => {
      res.writeHead(404, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(deploymentNotFound));
    });
    const good = await okBackend('good');
    const { url } = await startProxy({ backends: [
      { name: 'missing', endpoint: missing.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'good', endpoint: good.url, priority: 2, deployments: ['gpt-4o'] },
    ] });
    const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT, headers: { 'accept-encoding': 'gzip' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-aoai-pool-backend']).toBe('good');
  });

  it('with nobody else to ask: Azure\'s own 404 first, then the pool\'s, without asking again while it rests', async () => {
    const missing = await startBackend((_q, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(deploymentNotFound);
    });
    const { url } = await startProxy({ backends: [{ name: 'missing', endpoint: missing.url, deployments: ['gpt-4o'] }] });
    const first = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    expect(first.status).toBe(404);
    expect(first.json().error.message).toContain('The API deployment for this resource does not exist');
    const second = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    expect(second.status).toBe(404);
    expect(second.json().error.code).toBe('DeploymentNotFound');
    expect(second.json().error.message).toMatch(/every backend serving "gpt-4o" \(missing\) answered 404 DeploymentNotFound.*asked again \d+ s from now/);
    expect(missing.requests).toHaveLength(1);
  });

  it('answers 429 with the throttled backend\'s time, not "no such deployment", when the one that has it is only throttled', async () => {
    const missing = await startBackend((_q, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(deploymentNotFound);
    });
    const hot = await startBackend((_q, res) => {
      res.writeHead(429, { 'retry-after-ms': '8000' });
      res.end();
    });
    // Round-robin's PoolThrottled; quota routing answers QuotaBusy with the same time (quotaRouting.test.ts).
    const { url } = await startProxy({ routing: 'roundRobin', backends: [
      { name: 'hot', endpoint: hot.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'missing', endpoint: missing.url, priority: 2, deployments: ['gpt-4o'] },
    ] });
    for (let i = 0; i < 2; i++) {
      const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
      expect(r.status).toBe(429);
      expect(r.json().error.code).toBe('PoolThrottled');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(5);
    }
    expect([hot.requests.length, missing.requests.length]).toEqual([1, 1]);
  });

  it('a 404 that is not DeploymentNotFound (an unknown path, a missing api-version) is the caller\'s: relayed, nothing rests', async () => {
    const strict = await startBackend((_q, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"404","message":"Resource not found"}}');
    });
    const other = await okBackend('other');
    const { url, proxy } = await startProxy({ backends: [
      { name: 'strict', endpoint: strict.url, priority: 1, deployments: ['gpt-4o'] },
      { name: 'other', endpoint: other.url, priority: 2, deployments: ['gpt-4o'] },
    ] });
    for (let i = 0; i < 3; i++) {
      const r = await send(url, { path: '/openai/deployments/gpt-4o/chat/completions', body: CHAT });
      expect(r.status).toBe(404);
      expect(r.json().error.message).toBe('Resource not found');
    }
    expect(strict.requests).toHaveLength(3);
    expect(other.requests).toHaveLength(0);
    expect(proxy.snapshots()[0]!.deployments[0]!.status).not.toBe('misconfigured');
  });
});

describe('state that stays bounded', () => {
  it('per-deployment health and round-robin state do not grow with the names clients invent', async () => {
    const a = await okBackend('a');
    const b = await okBackend('b');
    const { url, proxy } = await startProxy({ backends: [{ name: 'a', endpoint: a.url }, { name: 'b', endpoint: b.url }] });
    const names = Array.from({ length: 300 }, (_, i) => `invented-${i}`);
    for (let i = 0; i < names.length; i += 30) {
      await Promise.all(names.slice(i, i + 30).map((n) => send(url, { path: chatPath(n), body: CHAT })));
    }
    for (const s of proxy.snapshots()) expect(s.deployments.length).toBe(MAX_UNLISTED_DEPLOYMENTS);
    const pool = (proxy as unknown as { pool: PoolRuntime }).pool;
    expect(pool.router.size).toBeLessThanOrEqual(1);
    // Still meaningful: the most recent names keep their state, and the spread stays even.
    expect(proxy.snapshots().flatMap((s) => s.deployments.map((d) => d.alias))).toContain('invented-299');
    expect(Math.abs(a.requests.length - b.requests.length)).toBeLessThanOrEqual(2);
  });
});
