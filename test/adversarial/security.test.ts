import { afterEach, describe, expect, it } from 'vitest';
import { CHAT, CLIENT_KEY, chatPath, closeAll, okBackend, send, startProxy } from '../helpers/net';

afterEach(closeAll);

describe('who may use the proxy', () => {
  it('refuses any Host that is not loopback (DNS rebinding) before going upstream', async () => {
    const b = await okBackend('b');
    const { url, port } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    for (const host of [
      'evil.example', `evil.example:${port}`, '127.0.0.1.evil.example', 'localhost.evil', '[::2]:80', 'localhost:abc',
      // Exact names only (issue 9): a trailing dot, other spellings of loopback, a bare IPv6 literal.
      'localhost.', `localhost.:${port}`, '127.0.0.1.', '[::1].', '127.1', '127.0.0.2', '2130706433', '0x7f.0.0.1', '::1', '[0:0:0:0:0:0:0:1]', 'sub.localhost',
    ]) {
      const r = await send(url, { path: chatPath('x'), body: CHAT, headers: { host } });
      expect(r.status, host).toBe(403);
      expect(r.json().error.code).toBe('HostNotAllowed');
    }
    for (const host of [`127.0.0.1:${port}`, 'localhost:9999', '[::1]:1234', 'LOCALHOST', '127.0.0.1']) {
      expect((await send(url, { path: chatPath('x'), body: CHAT, headers: { host } })).status, host).toBe(200);
    }
    expect(b.requests).toHaveLength(5);
  });

  it('keeps allowedHosts working, by exact name too', async () => {
    const b = await okBackend('b');
    const { url } = await startProxy({ allowedHosts: ['devbox.lan'], backends: [{ name: 'b', endpoint: b.url }] });
    for (const host of ['devbox.lan', 'DEVBOX.lan:8787']) expect((await send(url, { path: chatPath('x'), body: CHAT, headers: { host } })).status, host).toBe(200);
    for (const host of ['devbox.lan.', 'x.devbox.lan', 'devbox.lan.evil']) expect((await send(url, { path: chatPath('x'), body: CHAT, headers: { host } })).status, host).toBe(403);
    expect(b.requests).toHaveLength(2);
  });

  it('refuses browser requests: any Origin, cross-site fetch metadata, and CORS preflights', async () => {
    const b = await okBackend('b');
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const cases: [string, Record<string, string>][] = [
      ['POST', { origin: 'https://evil.example', 'content-type': 'text/plain' }],
      ['POST', { origin: 'null' }],
      ['POST', { origin: 'http://127.0.0.1:3000' }],
      ['OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' }],
      ['GET', { 'sec-fetch-site': 'cross-site' }],
    ];
    for (const [method, headers] of cases) {
      const r = await send(url, { method, path: chatPath('x'), body: method === 'POST' ? CHAT : undefined, headers });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(b.requests).toHaveLength(0);
  });

  it('requires the client key as api-key, Bearer or x-api-key', async () => {
    const b = await okBackend('b');
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    expect((await send(url, { path: chatPath('x'), body: CHAT, key: null })).status).toBe(401);
    expect((await send(url, { path: chatPath('x'), body: CHAT, key: 'wrong' })).status).toBe(401);
    expect((await send(url, { path: chatPath('x'), body: CHAT, key: null, headers: { authorization: `Bearer ${CLIENT_KEY}` } })).status).toBe(200);
    expect((await send(url, { path: chatPath('x'), body: CHAT, key: null, headers: { 'x-api-key': CLIENT_KEY } })).status).toBe(200);
    const denied = await send(url, { path: chatPath('x'), body: CHAT, key: 'wrong' });
    expect(denied.json().error.message).not.toContain(CLIENT_KEY);
  });

  it('never sends the client credential upstream; each backend gets exactly its own', async () => {
    const a = await okBackend('a');
    const c = await okBackend('c');
    const { url } = await startProxy(
      { backends: [{ name: 'a', endpoint: a.url }, { name: 'c', endpoint: c.url }] },
      { keys: { a: 'KEY-A-aaaaaaaaaaaa', c: 'KEY-C-cccccccccccc' } },
    );
    for (let i = 0; i < 4; i++) {
      await send(url, { path: chatPath('x'), body: CHAT, key: null, headers: { authorization: `Bearer ${CLIENT_KEY}`, 'x-api-key': CLIENT_KEY, cookie: 'session=1' } });
    }
    expect(a.requests.length).toBe(2);
    expect(c.requests.length).toBe(2);
    for (const [backend, key] of [[a, 'KEY-A-aaaaaaaaaaaa'], [c, 'KEY-C-cccccccccccc']] as const) {
      for (const r of backend.requests) {
        expect(r.headers['api-key']).toBe(key);
        expect(r.headers.authorization).toBeUndefined();
        expect(r.headers['x-api-key']).toBeUndefined();
        expect(r.headers.cookie).toBeUndefined();
        expect(JSON.stringify(r.headers)).not.toContain(CLIENT_KEY);
      }
    }
  });

  it('drops an api-key query parameter and hop-by-hop headers', async () => {
    const b = await okBackend('b', { connection: 'x-secret-hop', 'x-secret-hop': 'drop-me', 'keep-alive': 'timeout=5' });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const r = await send(url, { path: `${chatPath('x')}&api-key=leaked`, body: CHAT, headers: { connection: 'x-hop, keep-alive', 'x-hop': '1', te: 'trailers' } });
    expect(r.status).toBe(200);
    expect(b.requests[0]!.url).not.toContain('leaked');
    expect(b.requests[0]!.headers['x-hop']).toBeUndefined();
    expect(b.requests[0]!.headers.te).toBeUndefined();
    expect(r.headers['x-secret-hop']).toBeUndefined();
  });

  it('serves /_pool/health without secrets', async () => {
    const b = await okBackend('b');
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] }, { keys: { b: 'SECRET-KEY-bbbbbbbbbbbb' } });
    await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    const r = await send(url, { path: '/_pool/health', key: null });
    expect(r.status).toBe(200);
    const h = r.json();
    expect(h.total).toBe(1);
    expect(h.backends[0].name).toBe('b');
    expect(h.backends[0].remainingRequests).toBe(99);
    expect(r.body).not.toContain('SECRET-KEY');
    expect(r.body).not.toContain(CLIENT_KEY);
  });

  it('rejects request targets that try to leave the pool', async () => {
    const b = await okBackend('b');
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    for (const path of ['//evil.example/openai/x', '/openai/deployments/..%2f..%2fadmin/chat', '/openai/deployments/../x/chat', '/openai/deployments/a..b/chat', '/openai/%2e%2e/x', '/openai/x%0d%0aSet-Cookie:%20a']) {
      const r = await send(url, { path, body: CHAT });
      expect(r.status, path).toBe(400);
    }
    expect(b.requests).toHaveLength(0);
  });
});
