// Where the dashboard's data comes from: the proxy in this window, or another window's over loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT, CLIENT_KEY, chatPath, closeAll, okBackend, send, startProxy } from '../../helpers/net';
import { DashboardSource, type DashboardPool } from '../../../src/core/view/dashboardSource';
import { INITIAL_STATE, type PoolState } from '../../../src/core/view/state';
import type { ProxyServer } from '../../../src/core/proxy/server';

afterEach(closeAll);

function pool(state: Partial<PoolState>, proxy: ProxyServer | undefined, key = CLIENT_KEY): DashboardPool & { current: PoolState; proxyServer: ProxyServer | undefined } {
  return { current: { ...INITIAL_STATE, ...state }, proxyServer: proxy, clientKey: async () => key };
}

const ids = (requests: string | undefined) => (JSON.parse(requests!) as { requests: { id: string }[] }).requests.map((r) => r.id);

describe('DashboardSource', () => {
  it('reads the proxy of this window: everything first, then only newer requests; a new proxy starts the list over', async () => {
    const b = await okBackend('b');
    const first = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    const p = pool({ status: 'running', url: first.url }, first.proxy);
    const source = new DashboardSource(p);
    for (let i = 0; i < 2; i++) await send(first.url, { path: chatPath('gpt-4o'), body: CHAT });

    let m = await source.read(300);
    expect(m.state).toEqual({ status: 'running', url: first.url, simulated: false, source: 'local' });
    expect(m.reset).toBe(true);
    expect(ids(m.requests)).toEqual(['2', '1']);
    expect(JSON.parse(m.metrics!).times).toHaveLength(60);

    await send(first.url, { path: chatPath('gpt-4o'), body: CHAT });
    m = await source.read(300);
    expect(m.reset).toBe(false);
    expect(ids(m.requests)).toEqual(['3']);

    const second = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    await send(second.url, { path: chatPath('gpt-4o'), body: CHAT });
    p.proxyServer = second.proxy;
    m = await source.read(300);
    expect(m.reset).toBe(true);
    expect(ids(m.requests)).toEqual(['1']);
  });

  it('reads the pool another window serves over loopback with the client key, and says why when it cannot', async () => {
    const b = await okBackend('b');
    const other = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    await send(other.url, { path: chatPath('gpt-4o'), body: CHAT });
    const m = await new DashboardSource(pool({ status: 'elsewhere', url: other.url }, undefined)).read(900);
    expect(m.state.source).toBe('remote');
    expect(m.error).toBeUndefined();
    expect(ids(m.requests)).toEqual(['1']);
    expect(JSON.parse(m.metrics!).pool.totals.requests).toBe(1);

    const refused = await new DashboardSource(pool({ status: 'elsewhere', url: other.url }, undefined, 'not-the-key-0123456789')).read(900);
    expect(refused.metrics).toBeUndefined();
    expect(refused.error).toMatch(/answered 401: wrong client key/);
  });

  it('has nothing to read while stopped', async () => {
    const m = await new DashboardSource(pool({ status: 'stopped' }, undefined)).read(900);
    expect(m).toMatchObject({ state: { status: 'stopped', source: 'none' }, metrics: undefined, requests: undefined });
  });
});
