import { describe, expect, it } from 'vitest';
import { stubContext } from '../../helpers/stubs';
import { STAGES } from '../../../src/core/proxy/server';
import { guardBrowser, guardFraming, guardHost, hostAllowed } from '../../../src/core/proxy/stages/guard';
import { authenticateClient, presentedKey } from '../../../src/core/proxy/stages/clientAuth';
import { resolveRoute, serveHealth, serveModels } from '../../../src/core/proxy/stages/route';
import { resolveModel } from '../../../src/core/proxy/stages/model';
import { parseTarget, upstreamPath } from '../../../src/core/proxy/routes';

describe('pipeline order', () => {
  it('runs the guards before anything reads the request, the client key before the pool data, and forwarding last', () => {
    expect(STAGES.map(([n]) => n)).toEqual(['guardFraming', 'guardHost', 'guardBrowser', 'resolveRoute', 'serveHealth', 'authenticateClient', 'serveModels', 'serveRequests', 'serveMetrics', 'readBody', 'resolveModel', 'resolveState', 'forward']);
  });
});

describe('guardHost / guardBrowser', () => {
  it('accepts loopback names on any port and refuses the rest', () => {
    for (const h of ['127.0.0.1', '127.0.0.1:1', 'localhost:8787', 'LocalHost', '[::1]', '[::1]:80']) expect(hostAllowed(h, []), h).toBe(true);
    for (const h of ['evil.com', '127.0.0.2', 'localhost:80:80', '[::1]x', '[::1', 'localhost:', 'a.localhost', 'localhost.', 'LocalHost.:80', '127.0.0.1.', '::1', '127.1']) expect(hostAllowed(h, []), h).toBe(false);
    expect(hostAllowed('devbox.lan:8787', ['devbox.lan'])).toBe(true);
    expect(hostAllowed('devbox.lan.:8787', ['devbox.lan'])).toBe(false);
  });

  it('answers 403 and stops the pipeline', () => {
    const { ctx, out } = stubContext({ headers: { host: 'evil.example' } });
    expect(guardHost(ctx)).toBe(true);
    expect(out.status).toBe(403);
    const b = stubContext({ headers: { origin: 'https://x.example' } });
    expect(guardBrowser(b.ctx)).toBe(true);
    expect(b.out.status).toBe(403);
    expect(guardBrowser(stubContext({ headers: { 'sec-fetch-site': 'none' } }).ctx)).toBe(false);
  });
});

describe('guardFraming', () => {
  it('refuses Transfer-Encoding on HTTP/1.0 only', () => {
    const te10 = stubContext({ headers: { 'transfer-encoding': 'chunked' } });
    Object.assign(te10.ctx.req, { httpVersionMajor: 1, httpVersionMinor: 0 });
    expect(guardFraming(te10.ctx)).toBe(true);
    expect(te10.out.status).toBe(400);
    expect(te10.out.headers.connection).toBe('close');
    expect(JSON.parse(te10.out.body).error.code).toBe('InvalidRequest');
    const te11 = stubContext({ headers: { 'transfer-encoding': 'chunked' } });
    Object.assign(te11.ctx.req, { httpVersionMajor: 1, httpVersionMinor: 1 });
    expect(guardFraming(te11.ctx)).toBe(false);
    const cl10 = stubContext({ headers: { 'content-length': '2' } });
    Object.assign(cl10.ctx.req, { httpVersionMajor: 1, httpVersionMinor: 0 });
    expect(guardFraming(cl10.ctx)).toBe(false);
  });
});

describe('authenticateClient', () => {
  it('takes the key from api-key, Bearer or x-api-key', () => {
    expect(presentedKey({ 'api-key': ' k ' })).toBe('k');
    expect(presentedKey({ authorization: 'bearer k2' })).toBe('k2');
    expect(presentedKey({ authorization: 'Basic xx', 'x-api-key': 'k3' })).toBe('k3');
    expect(presentedKey({})).toBeUndefined();
  });

  it('lets the right key through and stops the wrong one with 401', () => {
    expect(authenticateClient(stubContext({ headers: { 'api-key': 'the-client-key' } }).ctx)).toBe(false);
    const { ctx, out } = stubContext({ headers: { 'api-key': 'the-client-kez' } });
    expect(authenticateClient(ctx)).toBe(true);
    expect(out.status).toBe(401);
    expect(JSON.parse(out.body).error.code).toBe('InvalidClientKey');
  });
});

describe('resolveRoute and the local answers', () => {
  it('parses every route kind', () => {
    expect(parseTarget('/openai/deployments/gpt-4o/chat/completions?api-version=1')).toEqual({ ok: true, route: { kind: 'deployment', alias: 'gpt-4o', rest: '/chat/completions', query: '?api-version=1' } });
    expect(parseTarget('/v1/responses')).toEqual({ ok: true, route: { kind: 'v1', rest: '/responses', query: '' } });
    expect(parseTarget('/openai/v1/responses/resp_1')).toEqual({ ok: true, route: { kind: 'v1', rest: '/responses/resp_1', query: '' } });
    expect(parseTarget('/openai/responses?api-version=2025-04-01-preview')).toMatchObject({ ok: true, route: { kind: 'openai' } });
    expect(parseTarget('/_pool/health')).toEqual({ ok: true, route: { kind: 'health' } });
    expect(parseTarget('/other')).toMatchObject({ ok: false, code: 'RouteNotFound' });
    expect(parseTarget('http://evil.example/openai/x')).toMatchObject({ ok: false, code: 'InvalidRequest' });
  });

  it('builds the upstream path with the backend deployment', () => {
    const r = parseTarget('/openai/deployments/gpt-4o/embeddings?api-version=1');
    if (!r.ok) throw new Error();
    expect(upstreamPath(r.route, 'emb-prod')).toBe('/openai/deployments/emb-prod/embeddings?api-version=1');
  });

  it('answers health and models locally', () => {
    const h = stubContext({ method: 'GET', url: '/_pool/health' });
    expect(resolveRoute(h.ctx)).toBe(false);
    expect(serveHealth(h.ctx)).toBe(true);
    expect(JSON.parse(h.out.body).backends[0].name).toBe('a');
    const m = stubContext({ method: 'GET', url: '/v1/models' });
    resolveRoute(m.ctx);
    expect(serveHealth(m.ctx)).toBe(false);
    expect(serveModels(m.ctx)).toBe(true);
    expect(JSON.parse(m.out.body).data).toEqual([{ id: 'gpt-4o', object: 'model', created: 0, owned_by: 'aoai-pool' }]);
  });
});

describe('resolveModel', () => {
  it('takes the alias from the path and spots "stream": true cheaply', () => {
    const { ctx } = stubContext({ headers: { 'content-type': 'application/json' } });
    resolveRoute(ctx);
    ctx.body = Buffer.from('{"messages":[],"stream" : true}');
    expect(resolveModel(ctx)).toBe(false);
    expect(ctx.alias).toBe('gpt-4o');
    expect(ctx.stream).toBe(true);
  });

  it('takes the alias from the JSON body and rewrites it per backend', () => {
    const { ctx } = stubContext({ url: '/v1/chat/completions', headers: { 'content-type': 'application/json' } });
    resolveRoute(ctx);
    ctx.body = Buffer.from('{"model":"gpt-4o","messages":[]}');
    resolveModel(ctx);
    expect(ctx.alias).toBe('gpt-4o');
    expect(JSON.parse(ctx.rewriteBody!('prod').toString()).model).toBe('prod');
    expect(ctx.rewriteBody!('gpt-4o')).toBe(ctx.body);
  });

  it('refuses a model that is not a deployment name', () => {
    const { ctx, out } = stubContext({ url: '/v1/chat/completions', headers: { 'content-type': 'application/json' } });
    resolveRoute(ctx);
    ctx.body = Buffer.from('{"model":"../admin"}');
    expect(resolveModel(ctx)).toBe(true);
    expect(out.status).toBe(400);
  });
});
