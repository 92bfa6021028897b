/**
 * Stateful calls must reach the backend that holds the state; any other
 * backend would answer 404 for an id it never saw.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, send, startBackend, startProxy } from '../helpers/net';
import { validateConfig } from '../../src/core/config/validate';

afterEach(closeAll);

/** A backend that creates objects with its own ids and knows only those. */
async function statefulBackend(name: string) {
  const known = new Set<string>();
  let n = 0;
  const b = await startBackend((req, res, body) => {
    const url = req.url!;
    const json = body ? JSON.parse(body) : {};
    const refs = [...url.split('?')[0]!.split('/').filter((s) => /^(resp|file|thread|asst|batch)[-_]/.test(s)), json.previous_response_id, json.thread_id].filter(Boolean);
    if (refs.some((r: string) => !known.has(r))) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'NotFound', message: `${name} never saw ${refs.join(',')}` } }));
      return;
    }
    if (req.method === 'POST') {
      const prefix = url.includes('/responses') ? 'resp_' : url.includes('/files') ? 'file-' : url.includes('/threads') ? 'thread_' : 'obj_';
      const id = `${prefix}${name}${++n}xyz`;
      known.add(id);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, object: 'response', previous_response_id: json.previous_response_id ?? null, backend: name }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ backend: name, ok: true }));
  });
  return { ...b, known };
}

describe('stateful calls', () => {
  it('sends previous_response_id and GET /responses/{id} to the backend that created the response', async () => {
    const a = await statefulBackend('a');
    const b = await statefulBackend('b');
    const { url } = await startProxy({ backends: [{ name: 'a', endpoint: a.url, deployments: ['gpt-4o'] }, { name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }] });
    for (let i = 0; i < 6; i++) {
      const first = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) });
      expect(first.status).toBe(200);
      const id = first.json().id as string;
      const owner = first.json().backend;
      const next = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'more', previous_response_id: id }) });
      expect(next.status).toBe(200);
      expect(next.json().backend).toBe(owner);
      const got = await send(url, { path: `/openai/v1/responses/${id}` });
      expect(got.json().backend).toBe(owner);
    }
    // Round-robin spread the first calls over both; no follow-up ever hit the wrong one.
    expect(a.known.size).toBeGreaterThan(0);
    expect(b.known.size).toBeGreaterThan(0);
    expect([...a.requests, ...b.requests].filter((r) => r.method === 'GET').length).toBe(6);
  });

  it('follows files and threads too, learned from the response that created them', async () => {
    const a = await statefulBackend('a');
    const b = await statefulBackend('b');
    const { url } = await startProxy({ backends: [{ name: 'a', endpoint: a.url }, { name: 'b', endpoint: b.url }] });
    const file = await send(url, { path: '/openai/files?api-version=2024-10-21', body: '{}' });
    const fileId = file.json().id as string;
    for (let i = 0; i < 4; i++) {
      const r = await send(url, { path: `/openai/files/${fileId}/content?api-version=2024-10-21` });
      expect(r.status).toBe(200);
      expect(r.json().backend).toBe(file.json().backend);
    }
  });

  it('finds the owner of an id it never saw by asking each backend once, then remembers it', async () => {
    const a = await statefulBackend('a');
    const b = await statefulBackend('b');
    b.known.add('resp_external123');
    const { url } = await startProxy({ backends: [{ name: 'a', endpoint: a.url, priority: 1 }, { name: 'b', endpoint: b.url, priority: 2 }] });
    const mentions = (x: typeof a) => x.requests.filter((q) => q.url.includes('resp_external123') || q.body.includes('resp_external123')).length;
    const r = await send(url, { path: '/openai/v1/responses/resp_external123' });
    expect(r.status).toBe(200);
    expect(r.json().backend).toBe('b');
    expect([mentions(a), mentions(b)]).toEqual([1, 1]); // a was asked first (priority 1) and said 404
    // Remembered: the follow-ups go straight to b, by path and by body.
    const again = await send(url, { path: '/openai/v1/responses/resp_external123' });
    const next = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'more', previous_response_id: 'resp_external123' }) });
    expect([again.status, next.status]).toEqual([200, 200]);
    expect(next.json().backend).toBe('b');
    expect([mentions(a), mentions(b)]).toEqual([1, 3]);

    const missing = await send(url, { path: '/openai/v1/responses/resp_nobody99999' });
    expect(missing.status).toBe(404);
    expect(missing.json().error.code).toBe('StateNotFound');
    expect(missing.json().error.message).toContain('resp_nobody99999');
  });

  it('learns owners from GETs that list or reveal ids, as from the POSTs that create them', async () => {
    // Each backend holds files created before the pool existed; a GET lists them.
    let strangers = 0;
    const make = (name: string, files: string[]) => startBackend((req, res) => {
      const path = req.url!.split('?')[0]!;
      res.setHeader('content-type', 'application/json');
      if (path === '/openai/files') return void res.end(JSON.stringify({ object: 'list', data: files.map((id) => ({ id, object: 'file' })) }));
      const id = path.split('/')[3];
      if (id && files.includes(id)) return void res.end(JSON.stringify({ id, backend: name }));
      strangers++;
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 'NotFound', message: `${name} has no ${id}` } }));
    });
    const a = await make('a', ['file-aaaa1111']);
    const b = await make('b', ['file-bbbb2222']);
    const { url } = await startProxy({ backends: [{ name: 'a', endpoint: a.url }, { name: 'b', endpoint: b.url }] });
    // Round-robin: one list from each backend.
    const lists = [await send(url, { path: '/openai/files?api-version=2024-10-21' }), await send(url, { path: '/openai/files?api-version=2024-10-21' })];
    expect(lists.map((l) => l.status)).toEqual([200, 200]);
    expect(new Set(lists.map((l) => l.headers['x-aoai-pool-backend']))).toEqual(new Set(['a', 'b']));
    const before = [a.requests.length, b.requests.length];
    for (let i = 0; i < 3; i++) {
      const fb = await send(url, { path: '/openai/files/file-bbbb2222?api-version=2024-10-21' });
      const fa = await send(url, { path: '/openai/files/file-aaaa1111?api-version=2024-10-21' });
      expect([fa.json().backend, fb.json().backend]).toEqual(['a', 'b']);
    }
    // Nobody was asked for an id it does not hold.
    expect(strangers).toBe(0);
    expect([a.requests.length - before[0]!, b.requests.length - before[1]!]).toEqual([3, 3]);
  });

  it('gives a clear error, not a stranger 404, when the owning backend left the pool or cannot serve', async () => {
    const a = await statefulBackend('a');
    const b = await statefulBackend('b');
    const { url, proxy } = await startProxy({ backends: [{ name: 'a', endpoint: a.url, priority: 1 }, { name: 'b', endpoint: b.url, priority: 2 }] });
    const first = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) });
    expect(first.json().backend).toBe('a');
    const only = validateConfig({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'b', endpoint: b.url }] });
    if (!only.ok) throw new Error();
    proxy.reload(only.config);
    const next = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'more', previous_response_id: first.json().id }) });
    expect(next.status).toBe(404);
    expect(next.json().error.code).toBe('StateNotFound');
    expect(next.json().error.message).toMatch(/created on backend "a", which is no longer in the pool/);
    expect(b.requests.filter((r) => r.body.includes('previous_response_id'))).toHaveLength(0);

    const disabled = validateConfig({ port: 0, healthProbe: { intervalSec: 0 }, backends: [{ name: 'a', endpoint: a.url, enabled: false }, { name: 'b', endpoint: b.url }] });
    if (!disabled.ok) throw new Error();
    proxy.reload(disabled.config);
    const again = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'more', previous_response_id: first.json().id }) });
    expect(again.status).toBe(503);
    expect(again.json().error.message).toMatch(/lives on backend "a".*disabled/);
  });
});
