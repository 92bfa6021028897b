// Reading another process's pool over loopback, as the dashboard of a window that does not own the port does.
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT, CLIENT_KEY, chatPath, closeAll, okBackend, send, startProxy } from '../../helpers/net';
import { fetchPoolJson, loopbackTarget } from '../../../src/core/metrics/remote';

afterEach(closeAll);

describe('fetchPoolJson', () => {
  it('reads /_pool/metrics and /_pool/requests with the client key: the same text the proxy serves', async () => {
    const b = await okBackend('b');
    const { url, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    const requests = JSON.parse(await fetchPoolJson(url, '/_pool/requests', 'limit=5', CLIENT_KEY));
    expect(requests.requests.map((r: { id: string; backend: string }) => [r.id, r.backend])).toEqual([['1', 'b']]);
    expect(await fetchPoolJson(url, '/_pool/requests', 'limit=5', CLIENT_KEY)).toBe(proxy.requestsJson({ limit: 5 }));
    const metrics = JSON.parse(await fetchPoolJson(url, '/_pool/metrics', 'window=60', CLIENT_KEY));
    expect(metrics.pool.totals.requests).toBe(1);
    expect(metrics.times).toHaveLength(12);
  });

  it('says why when the key is wrong', async () => {
    const b = await okBackend('b');
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    await expect(fetchPoolJson(url, '/_pool/metrics', '', 'wrong-key-0123456789')).rejects.toThrow(/^\/_pool\/metrics answered 401: wrong client key/);
  });

  // Checked without any I/O: even a broken guard must not make this test talk to another host.
  it('never sends the key off loopback', () => {
    expect(loopbackTarget('http://127.0.0.1:8787')).toEqual({ host: '127.0.0.1', port: '8787' });
    expect(loopbackTarget('http://[::1]:8787')).toEqual({ host: '::1', port: '8787' });
    expect(() => loopbackTarget('http://example.com:8787')).toThrow('refusing to send the client key to http://example.com:8787: the pool is only read on loopback');
    expect(() => loopbackTarget('https://127.0.0.1:1')).toThrow(/refusing/);
    expect(() => loopbackTarget('http://127.0.0.1.example.com:1')).toThrow(/refusing/);
  });
});
