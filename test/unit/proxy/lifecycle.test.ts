import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { CHAT, CLIENT_KEY, chatPath, closeAll, okBackend, send, sleep, startBackend, startProxy } from '../../helpers/net';
import { validateConfig } from '../../../src/core/config/validate';
import { ProxyServer } from '../../../src/core/proxy/server';
import { isPoolError } from '../../../src/core/errors';
import type { TokenCredentialLike } from '../../../src/core/auth/token';
import type { BackendSnapshot } from '../../../src/core/balancer/health';

afterEach(closeAll);

const cfg = (raw: Record<string, unknown>) => {
  const r = validateConfig({ port: 0, healthProbe: { intervalSec: 0 }, ...raw });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
};

describe('hot reload', () => {
  it('replaces the pool without dropping a request in flight', async () => {
    const slow = await startBackend(async (_q, res) => {
      await sleep(300);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"from":"slow"}');
    });
    const fresh = await okBackend('fresh');
    const { url, proxy } = await startProxy({ backends: [{ name: 'slow', endpoint: slow.url }] });
    const inflight = send(url, { path: chatPath('x'), body: CHAT });
    await sleep(50);
    proxy.reload(cfg({ backends: [{ name: 'fresh', endpoint: fresh.url }] }));
    const after = await send(url, { path: chatPath('x'), body: CHAT });
    expect(after.headers['x-aoai-pool-backend']).toBe('fresh');
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.json().from).toBe('slow');
  });

  it('keeps the health of unchanged backends across a reload', async () => {
    const hot = await startBackend((_q, res) => {
      res.writeHead(429, { 'retry-after': '30' });
      res.end();
    });
    const { url, proxy } = await startProxy({ backends: [{ name: 'hot', endpoint: hot.url }] });
    await send(url, { path: chatPath('x'), body: CHAT });
    proxy.reload(cfg({ backends: [{ name: 'hot', endpoint: hot.url, weight: 5 }] }));
    expect(proxy.snapshots()[0]!.status).toBe('cooling');
    expect((await send(url, { path: chatPath('x'), body: CHAT })).status).toBe(429);
    expect(hot.requests).toHaveLength(1);
  });
});

describe('lifecycle', () => {
  it('listens on 127.0.0.1 only, and a port in use is a clear PortInUse error', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    const p = new ProxyServer({ config: { ...cfg({ backends: [{ name: 'a', endpoint: 'http://127.0.0.1:1' }] }), port }, clientKey: CLIENT_KEY, credentials: { apiKey: () => 'k', tokenCredential: () => undefined } });
    const err = await p.start().catch((e: unknown) => e);
    expect(isPoolError(err, 'PortInUse')).toBe(true);
    expect((err as Error).message).toMatch(/already in use.*another port/);
    await new Promise<void>((r) => blocker.close(() => r()));
    const { proxy } = await startProxy({ backends: [{ name: 'a', endpoint: 'http://127.0.0.1:1' }] });
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('closes within a moment even with a stream open, and the port can be bound again at once', async () => {
    const b = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    const { url, proxy, port } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const pending = send(url, { path: chatPath('x'), body: CHAT }).catch((e: unknown) => e);
    await sleep(100);
    const t0 = Date.now();
    await proxy.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    await pending;
    const again = createServer();
    again.listen(port, '127.0.0.1');
    await once(again, 'listening');
    await new Promise<void>((r) => again.close(() => r()));
  });

  it('emits one request event and one log line per request, with the key masked', async () => {
    const b = await startBackend((_q, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"bad key-for-b-000000 here"}}');
    });
    const ok = await okBackend('ok');
    const { url, proxy, logs } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, priority: 1, deployments: ['gpt-4o'] }, { name: 'ok', endpoint: ok.url, priority: 2, deployments: ['gpt-4o'] }] });
    const records: unknown[] = [];
    const states: BackendSnapshot[] = [];
    proxy.on('request', (r) => records.push(r));
    proxy.on('state', (s) => states.push(s));
    await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    await sleep(20);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ method: 'POST', alias: 'gpt-4o', backend: 'ok', attempts: 2, status: 200, failovers: [{ backend: 'b', reason: 'HTTP 500' }] });
    expect(states.map((s) => s.name)).toEqual(['b', 'ok']);
    const line = logs.find((l) => l.startsWith('POST'))!;
    expect(line).toMatch(/^POST \/openai\/deployments\/gpt-4o\/chat\/completions alias=gpt-4o backend=ok attempts=2 status=200 \d+ms failover=\[b:HTTP 500\]$/);
    expect(logs.join('\n')).not.toContain('key-for-');
    expect(logs.join('\n')).not.toContain(CLIENT_KEY);
  });
});

describe('state announcements', () => {
  it('names the backend on every change, and paces snapshots instead of building one per response', async () => {
    const b = await okBackend('b');
    const { url, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const changed: string[] = [];
    const states: BackendSnapshot[] = [];
    proxy.on('changed', (name, what) => changed.push(`${name}:${what}`));
    proxy.on('state', (s) => states.push(s));
    const t0 = Date.now();
    for (let i = 0; i < 60; i++) expect((await send(url, { path: chatPath('x'), body: CHAT })).status).toBe(200);
    const elapsed = Date.now() - t0;
    expect(changed.filter((c) => c === 'b:counters')).toHaveLength(60);
    expect(changed.filter((c) => c === 'b:status')).toHaveLength(1); // unknown -> healthy, once
    // The status change went out at once; counters at most once per 250 ms window.
    expect(states[0]).toMatchObject({ name: 'b', status: 'healthy' });
    expect(states.length).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 250));
    // The last window catches up by itself.
    for (const end = Date.now() + 2_000; states.at(-1)!.requests !== 60 && Date.now() < end;) await sleep(20);
    expect(states.at(-1)).toMatchObject({ name: 'b', requests: 60 });
  });
});

describe('upstream auth', () => {
  it('sends an Entra token as Bearer, fetched once and shared', async () => {
    const b = await okBackend('b');
    let calls = 0;
    const cred: TokenCredentialLike = {
      async getToken(scopes) {
        calls++;
        expect(scopes).toBe('https://cognitiveservices.azure.com/.default');
        return { token: 'entra-token-xyz-123456', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const { url, logs } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, auth: 'entra' }] }, { credentials: { apiKey: () => undefined, tokenCredential: () => cred } });
    await Promise.all([1, 2, 3].map(() => send(url, { path: chatPath('x'), body: CHAT })));
    expect(b.requests.map((r) => r.headers.authorization)).toEqual(Array(3).fill('Bearer entra-token-xyz-123456'));
    expect(b.requests[0]!.headers['api-key']).toBeUndefined();
    expect(calls).toBe(1);
    expect(logs.join()).not.toContain('entra-token-xyz');
  });

  it('shows a backend without a key as keyMissing and fails over, or answers 503 saying how to fix it', async () => {
    const a = await okBackend('a');
    const b = await okBackend('b');
    const { url, proxy } = await startProxy({ backends: [{ name: 'a', endpoint: a.url, priority: 1 }, { name: 'b', endpoint: b.url, priority: 2 }] }, { keys: { b: 'kb-0000000000' }, credentials: { apiKey: (x) => (x.name === 'b' ? 'kb-0000000000' : undefined), tokenCredential: () => undefined } });
    expect(proxy.snapshots()[0]!.status).toBe('keyMissing');
    expect((await send(url, { path: chatPath('x'), body: CHAT })).headers['x-aoai-pool-backend']).toBe('b');
    const { url: u2 } = await startProxy({ backends: [{ name: 'a', endpoint: a.url }] }, { credentials: { apiKey: () => undefined, tokenCredential: () => undefined } });
    const r = await send(u2, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(503);
    expect(r.json().error.message).toContain('AOAI_POOL_KEY_A');
  });

  it('shows entra backends as signed out when no credential is there', async () => {
    const a = await okBackend('a');
    const { url, proxy } = await startProxy({ backends: [{ name: 'a', endpoint: a.url, auth: 'entra' }] }, { credentials: { apiKey: () => undefined, tokenCredential: () => undefined } });
    const r = await send(url, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(503);
    expect(r.json().error.message).toContain('Sign in');
    expect(proxy.snapshots()[0]!.status).toBe('signedOut');
  });
});

describe('active probes', () => {
  it('marks 401 as misconfigured and brings an ejected backend back when its probe succeeds', async () => {
    let status = 401;
    const b = await startBackend((_q, res) => {
      res.writeHead(status);
      res.end('{}');
    });
    const { proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    await proxy.probeNow();
    expect(proxy.snapshots()[0]!.status).toBe('misconfigured');
    expect(b.requests[0]!.url).toBe('/openai/models?api-version=2024-10-21');
    expect(b.requests[0]!.headers['api-key']).toBe('key-for-b-000000');
    status = 200;
    await proxy.probeNow();
    expect(proxy.snapshots()[0]!.status).toBe('healthy');
  });
});
