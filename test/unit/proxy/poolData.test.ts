// GET /_pool/requests and GET /_pool/metrics: alone as stages, then on real sockets.
import { afterEach, describe, expect, it } from 'vitest';
import { CHAT, CLIENT_KEY, chatPath, closeAll, okBackend, send, startBackend, startProxy } from '../../helpers/net';
import { stubContext } from '../../helpers/stubs';
import { resolveRoute } from '../../../src/core/proxy/stages/route';
import { serveMetrics, serveRequests } from '../../../src/core/proxy/stages/poolData';
import { MAX_SERIES } from '../../../src/core/metrics/recorder';
import { SLOTS } from '../../../src/core/metrics/series';

afterEach(closeAll);

describe('serveRequests / serveMetrics stages', () => {
  it('answer only their own paths, GET only, and refuse unknown parameters with a clear 400', () => {
    const run = (url: string, method = 'GET') => {
      const { ctx, out } = stubContext({ url, method });
      expect(resolveRoute(ctx)).toBe(false);
      return { handled: [serveRequests(ctx), serveMetrics(ctx)], out };
    };
    expect(run('/openai/deployments/gpt-4o/chat/completions').handled).toEqual([false, false]);
    expect(run('/_pool/health').handled).toEqual([false, false]);
    const ok = run('/_pool/requests?limit=5');
    expect(ok.handled[0]).toBe(true);
    expect(ok.out.status).toBe(200);
    expect(JSON.parse(ok.out.body)).toEqual({ requests: [], total: 0, capacity: 500 });
    expect(run('/_pool/metrics').out.status).toBe(200);
    const post = run('/_pool/metrics', 'POST');
    expect(post.out.status).toBe(405);
    expect(JSON.parse(post.out.body).error).toMatchObject({ code: 'MethodNotAllowed', type: 'invalid_request_error' });
    const bad = run('/_pool/requests?limit=lots');
    expect(bad.out.status).toBe(400);
    // From the error catalogue (src/core/proxy/poolErrors.ts), like every answer the pool writes itself.
    expect(JSON.parse(bad.out.body).error).toMatchObject({ code: 'InvalidPoolQuery', type: 'invalid_request_error' });
    expect(JSON.parse(bad.out.body).error.message).toBe('"limit" must be a whole number >= 0, got "lots"');
    expect(JSON.parse(run('/_pool/requests?limt=5').out.body).error.message).toMatch(/^unknown parameter "limt"; \/_pool\/requests takes limit, after/);
    expect(JSON.parse(run('/_pool/metrics?format=xml').out.body).error.message).toBe('"format" must be "json" or "prometheus", got "xml"');
    expect(run('/_pool/metrics?window=901').out.status).toBe(400);
  });
});

async function pool() {
  const hot = await startBackend((_q, res) => {
    res.writeHead(429, { 'retry-after-ms': '7000', 'content-type': 'application/json' });
    res.end('{"error":{"code":"429","message":"Rate limit is exceeded."}}');
  });
  const warm = await okBackend('warm', { 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-remaining-tokens': '29500' });
  // Round-robin: warm's 30k TPM takes one 4k request per 10 s, so quota routing would hold the next ones.
  return startProxy({ routing: 'roundRobin', backends: [
    { name: 'hot', endpoint: hot.url, priority: 1, deployments: ['gpt-4o'] },
    { name: 'warm', endpoint: warm.url, priority: 1, deployments: ['gpt-4o'] },
  ] });
}

describe('/_pool/requests and /_pool/metrics on real sockets', () => {
  it('need the client key and obey the Host and Origin guards', async () => {
    const { url } = await pool();
    for (const path of ['/_pool/requests', '/_pool/metrics']) {
      expect((await send(url, { path, key: null })).status, path).toBe(401);
      expect((await send(url, { path, key: 'wrong-key-0123456789' })).status, path).toBe(401);
      expect((await send(url, { path, headers: { origin: 'https://evil.example' } })).status, path).toBe(403);
      expect((await send(url, { path, headers: { host: 'evil.example' } })).status, path).toBe(403);
      expect((await send(url, { path })).status, path).toBe(200);
      expect((await send(url, { path, headers: { authorization: `Bearer ${CLIENT_KEY}` }, key: null })).status, path).toBe(200);
    }
  });

  it('list recent requests newest first with filters; their own polls are not listed', async () => {
    const { url } = await pool();
    for (let i = 0; i < 3; i++) expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(200);
    expect((await send(url, { path: chatPath('nothing-serves-this'), body: CHAT })).status).toBe(404);
    await send(url, { path: '/_pool/metrics' });
    const all = (await send(url, { path: '/_pool/requests' })).json();
    expect(all.requests.map((r: { id: string }) => r.id)).toEqual(['4', '3', '2', '1']);
    expect(all.total).toBe(4);
    expect((await send(url, { path: '/_pool/requests?limit=2' })).json().requests.map((r: { id: string }) => r.id)).toEqual(['4', '3']);
    expect((await send(url, { path: '/_pool/requests?after=2' })).json().requests.map((r: { id: string }) => r.id)).toEqual(['4', '3']);
    expect((await send(url, { path: '/_pool/requests?status=404' })).json().requests.map((r: { id: string }) => r.id)).toEqual(['4']);
    expect((await send(url, { path: '/_pool/requests?alias=gpt-4o&backend=hot' })).json().requests.map((r: { id: string }) => r.id)).toEqual(['1']);
  });

  it('report per-deployment counters, 429s, the token limit, and 15 minutes of series', async () => {
    const { url } = await pool();
    for (let i = 0; i < 3; i++) await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    const m = (await send(url, { path: '/_pool/metrics' })).json();
    expect(m.times).toHaveLength(SLOTS);
    const hot = m.backends.find((b: { name: string }) => b.name === 'hot');
    const warm = m.backends.find((b: { name: string }) => b.name === 'warm');
    expect(hot.status).toBe('cooling');
    expect(hot.reason).toBe('429 on gpt-4o, resting 7 s (retry-after-ms)');
    expect(hot.deployments[0].totals).toMatchObject({ requests: 1, throttled: 1 });
    expect(hot.deployments[0].series.throttled.at(-1)).toBe(1);
    expect(warm.deployments[0].totals).toMatchObject({ requests: 3, ok: 3 });
    expect(warm.deployments[0].limit).toEqual({ tokensPerMin: 30000, source: 'header' });
    expect(warm.deployments[0].usedTokensPerMin).toBe(500);
    expect(warm.deployments[0].current.p50Ms).toBeGreaterThan(0);
    expect(m.pool.totals).toMatchObject({ requests: 3, ok: 3, throttled: 0 });
    expect((await send(url, { path: '/_pool/metrics?window=60' })).json().times).toHaveLength(12);
    expect((await send(url, { path: '/_pool/metrics?window=0' })).json().pool.series).toBeUndefined();
  });

  it('report every health state as it is (not checked yet, credentials withheld from a host) and the configured tpm', async () => {
    const fresh = await okBackend('fresh');
    const { url } = await startProxy({ backends: [
      { name: 'fresh', endpoint: fresh.url, deployments: { 'gpt-4o': { deployment: 'gpt-4o-prod', tpm: 450_000 } } },
      // Not an Azure OpenAI host: its key is withheld, so it is never sent anything.
      { name: 'foreign', endpoint: 'https://llm.example.com', deployments: ['gpt-4o'] },
    ] });
    const m = (await send(url, { path: '/_pool/metrics?window=0' })).json();
    const b = (name: string) => m.backends.find((x: { name: string }) => x.name === name);
    expect(b('fresh')).toMatchObject({ status: 'unknown' });
    expect(b('fresh').deployments[0]).toMatchObject({ deployment: 'gpt-4o-prod', status: 'unknown', limit: { tokensPerMin: 450_000, source: 'config' } });
    expect(b('foreign')).toMatchObject({ status: 'hostRefused' });
    expect(b('foreign').deployments[0]).toMatchObject({ status: 'unavailable' });
    const text = (await send(url, { path: '/_pool/metrics?format=prometheus' })).body;
    expect(text).toContain('aoai_pool_backend_status{backend="fresh",status="unknown"} 1');
    expect(text).toContain('aoai_pool_backend_status{backend="foreign",status="hostRefused"} 1');
    expect(text).toContain('aoai_pool_backend_status{backend="foreign",status="awaitingApproval"} 0');
    expect(text).toContain('aoai_pool_deployment_tokens_per_minute_limit{backend="fresh",deployment="gpt-4o-prod",source="config"} 450000');
  });

  it('speak the Prometheus text format when asked by Accept or ?format', async () => {
    const { url } = await pool();
    for (let i = 0; i < 2; i++) await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    const viaAccept = await send(url, { path: '/_pool/metrics', headers: { accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1' } });
    const viaQuery = await send(url, { path: '/_pool/metrics?format=prometheus' });
    for (const r of [viaAccept, viaQuery]) {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      for (const line of r.body.trimEnd().split('\n')) {
        expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? (-?[\d.e+-]+|NaN))$/);
      }
      expect(r.body).toContain('aoai_pool_upstream_requests_total{backend="hot",deployment="gpt-4o",outcome="throttled"} 1');
      expect(r.body).toContain('aoai_pool_upstream_requests_total{backend="warm",deployment="gpt-4o",outcome="ok"} 2');
      expect(r.body).toContain('aoai_pool_request_duration_seconds_count 2');
      expect(r.body).toContain('aoai_pool_deployment_tokens_per_minute_limit{backend="warm",deployment="gpt-4o",source="header"} 30000');
      expect(r.body).toContain('aoai_pool_backend_status{backend="hot",status="cooling"} 1');
    }
    const json = await send(url, { path: '/_pool/metrics?format=json', headers: { accept: 'text/plain' } });
    expect(json.headers['content-type']).toBe('application/json');
  });

  it('mask secrets: a client that sends the client key as the model name does not get it echoed', async () => {
    const { url } = await pool();
    expect((await send(url, { path: chatPath(CLIENT_KEY), body: CHAT })).status).toBe(404);
    const raw = (await send(url, { path: '/_pool/requests' })).body;
    const rec = JSON.parse(raw).requests[0];
    // The request is there (so the check below is not true for want of it), with the key masked.
    expect(rec.status).toBe(404);
    expect(rec.route).toBe('/openai/deployments/***/chat/completions');
    expect(raw).not.toContain(CLIENT_KEY);
  });

  it(`keep at most ${MAX_SERIES} deployment series when a pass-through backend gets invented model names`, async () => {
    const b = await okBackend('any');
    const { url } = await startProxy({ backends: [{ name: 'any', endpoint: b.url }] });
    const n = MAX_SERIES + 15;
    for (let i = 0; i < n; i++) expect((await send(url, { path: chatPath(`invented-${i}`), body: CHAT })).status).toBe(200);
    const m = (await send(url, { path: '/_pool/metrics?window=0' })).json();
    const any = m.backends.find((x: { name: string }) => x.name === 'any');
    const other = m.backends.find((x: { name: string }) => x.name === '(other)');
    const kept = any.deployments.filter((d: { totals: { requests: number } }) => d.totals.requests > 0);
    expect(kept).toHaveLength(MAX_SERIES);
    expect(other.totals.requests).toBe(n - MAX_SERIES);
    expect(m.pool.totals.requests).toBe(n);
  });
});
