import { describe, expect, it } from 'vitest';
import { SimulatedBackend, embeddingVector, startSimulatedBackends } from '../../src/core/simulator';
import { closeSimsAfterEach, json, sim, track } from '../helpers/sim';

const API = 'api-version=2024-10-21';

function post(b: SimulatedBackend, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${b.url}${path}`, {
    method: 'POST',
    headers: { 'api-key': b.apiKey, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** SSE `data:` payloads in order. */
function dataLines(text: string): string[] {
  return text.split('\n\n').filter(Boolean).map((ev) => ev.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
}

const chat = { messages: [{ role: 'user', content: 'hi' }] };

closeSimsAfterEach();

describe('simulated backend: chat completions', () => {
  it('answers JSON with the backend name, usage and Azure headers', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0 } });
    const res = await post(b, `/openai/deployments/gpt-4o/chat/completions?${API}`, chat);
    expect(res.status).toBe(200);
    const reply = await json(res);
    expect(reply.object).toBe('chat.completion');
    expect(reply.model).toBe('gpt-4o');
    expect(reply.choices[0].message.content).toContain('Hello from sim-1');
    expect(reply.usage.total_tokens).toBe(reply.usage.prompt_tokens + reply.usage.completion_tokens);
    for (const h of ['x-request-id', 'apim-request-id', 'x-ms-region', 'x-ratelimit-limit-requests', 'x-ratelimit-limit-tokens']) {
      expect(res.headers.get(h)).toBeTruthy();
    }
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('719');
    const second = await post(b, `/openai/deployments/gpt-4o/chat/completions?${API}`, chat);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('718');
    expect(Number(second.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(Number(res.headers.get('x-ratelimit-remaining-tokens')));
    expect(b.stats).toEqual({ total: 2, byStatus: { 200: 2 } });
    expect(JSON.parse(b.requests[0]!.body)).toEqual(chat);
  });

  it('streams SSE chunks, a finish chunk, usage on request, then [DONE]', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0, chunks: 5 } });
    const res = await post(b, `/openai/deployments/gpt-4o/chat/completions?${API}`, { ...chat, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const data = dataLines(text);
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    // Azure's leading prompt-filter chunk has no choices.
    expect(chunks[0].choices).toEqual([]);
    expect(chunks[0].prompt_filter_results).toHaveLength(1);
    const content = chunks.filter((c) => c.choices[0]?.delta?.content).map((c) => c.choices[0].delta.content);
    expect(content).toHaveLength(5);
    expect(content.join('')).toContain('Hello from sim-1');
    expect(chunks.at(-2).choices[0].finish_reason).toBe('stop');
    expect(chunks.at(-1).usage.completion_tokens).toBe(5);
  });

  it('streams without a usage chunk unless asked', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0 } });
    const text = await (await post(b, `/openai/deployments/d/chat/completions?${API}`, { ...chat, stream: true })).text();
    expect(text).not.toContain('"usage"');
    expect(dataLines(text).at(-1)).toBe('[DONE]');
  });

  it('serves legacy completions, JSON and streamed', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0 } });
    const reply = await json(await post(b, `/openai/deployments/d/completions?${API}`, { prompt: 'Say hi' }));
    expect(reply.object).toBe('text_completion');
    expect(reply.choices[0].text).toContain('sim-1');
    const text = await (await post(b, `/openai/deployments/d/completions?${API}`, { prompt: 'Say hi', stream: true })).text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('serves /openai/v1/chat/completions with the deployment in model', async () => {
    const b = await sim({ deployments: ['mini'] });
    const ok = await post(b, '/openai/v1/chat/completions', { ...chat, model: 'mini' });
    expect((await json(ok)).model).toBe('mini');
    const missing = await post(b, '/openai/v1/chat/completions', chat);
    expect(missing.status).toBe(400);
    expect((await json(missing)).error.param).toBe('model');
  });
});

describe('simulated backend: other endpoints', () => {
  it('returns deterministic embeddings for a string or an array', async () => {
    const b = await sim();
    const one = await json(await post(b, `/openai/deployments/emb/embeddings?${API}`, { input: 'abc' }));
    expect(one.data).toHaveLength(1);
    expect(one.data[0].embedding).toHaveLength(8);
    expect(one.data[0].embedding).toEqual(embeddingVector('abc', 8));
    const many = await json(await post(b, '/openai/v1/embeddings', { model: 'emb', input: ['abc', 'def'], dimensions: 4 }));
    expect(many.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(many.data[1].embedding).toHaveLength(4);
    expect(many.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('creates, streams and fetches Responses API objects', async () => {
    const b = await sim({ faults: { chunkDelayMs: 0 } });
    const created = await json(await post(b, `/openai/responses?${API}`, { model: 'gpt-4o', input: 'hi' }));
    expect(created.id).toMatch(/^resp_/);
    expect(created.output[0].content[0].text).toContain('Hello from sim-1');
    const fetched = await fetch(`${b.url}/openai/responses/${created.id}?${API}`, { headers: { 'api-key': b.apiKey } });
    expect((await json(fetched)).id).toBe(created.id);
    const v1 = await fetch(`${b.url}/openai/v1/responses/${created.id}`, { headers: { 'api-key': b.apiKey } });
    expect(v1.status).toBe(200);
    const missing = await fetch(`${b.url}/openai/v1/responses/resp_nope`, { headers: { 'api-key': b.apiKey } });
    expect(missing.status).toBe(404);

    const text = await (await post(b, '/openai/v1/responses', { model: 'gpt-4o', input: 'hi', stream: true })).text();
    const events = text.split('\n\n').filter(Boolean).map((e) => e.split('\n')[0]!.replace('event: ', ''));
    expect(events[0]).toBe('response.created');
    expect(events).toContain('response.output_text.delta');
    expect(events.at(-1)).toBe('response.completed');
    expect(text).not.toContain('[DONE]');
    const done = JSON.parse(dataLines(text).at(-1)!);
    expect(done.response.status).toBe('completed');
    expect(done.sequence_number).toBe(events.length - 1);
  });

  it('generates images as b64_json or a fetchable url', async () => {
    const b = await sim();
    const b64 = await json(await post(b, `/openai/deployments/img/images/generations?${API}`, { prompt: 'a cat', n: 2 }));
    expect(b64.data).toHaveLength(2);
    expect(Buffer.from(b64.data[0].b64_json, 'base64').subarray(1, 4).toString()).toBe('PNG');
    const url = await json(await post(b, `/openai/deployments/img/images/generations?${API}`, { prompt: 'a cat', response_format: 'url' }));
    expect((await fetch(url.data[0].url)).headers.get('content-type')).toBe('image/png');
  });

  it('transcribes multipart audio and reads model on the v1 route', async () => {
    const b = await sim({ deployments: ['whisper'] });
    const form = () => {
      const f = new FormData();
      f.append('file', new Blob([new Uint8Array([1, 2, 3])]), 'a.wav');
      f.append('model', 'whisper');
      return f;
    };
    const legacy = await fetch(`${b.url}/openai/deployments/whisper/audio/transcriptions?${API}`, { method: 'POST', headers: { 'api-key': b.apiKey }, body: form() });
    expect((await json(legacy)).text).toContain('sim-1');
    const v1 = await fetch(`${b.url}/openai/v1/audio/transcriptions`, { method: 'POST', headers: { 'api-key': b.apiKey }, body: form() });
    expect(v1.status).toBe(200);
    const notMultipart = await post(b, '/openai/v1/audio/transcriptions', { model: 'whisper' });
    expect(notMultipart.status).toBe(400);
  });

  it('lists deployments on /openai/models and /openai/v1/models', async () => {
    const b = await sim({ deployments: ['a', 'b'] });
    const legacy = await json(await fetch(`${b.url}/openai/models?${API}`, { headers: { 'api-key': b.apiKey } }));
    expect(legacy.data.map((m: { id: string }) => m.id)).toEqual(['a', 'b']);
    const v1 = await fetch(`${b.url}/openai/v1/models`, { headers: { authorization: 'Bearer token' } });
    expect(v1.status).toBe(200);
  });
});

describe('simulated backend: errors', () => {
  it('answers 401 in Azure shape for a bad or missing key, and can refuse bearer tokens', async () => {
    const b = await sim({ acceptBearer: false });
    const bad = await fetch(`${b.url}/openai/models?${API}`, { headers: { 'api-key': 'wrong' } });
    expect(bad.status).toBe(401);
    const body = await json(bad);
    expect(body.error.code).toBe('401');
    expect(body.error.message).toMatch(/^Access denied due to invalid subscription key/);
    expect((await fetch(`${b.url}/openai/models?${API}`, { headers: { authorization: 'Bearer t' } })).status).toBe(401);
    expect((await fetch(`${b.url}/openai/models?${API}`)).status).toBe(401);
    expect(b.requests.at(-1)!.headers['api-key']).toBeUndefined();
  });

  it('answers 404 DeploymentNotFound for an unknown deployment', async () => {
    const b = await sim({ deployments: ['gpt-4o'] });
    const res = await post(b, `/openai/deployments/nope/chat/completions?${API}`, chat);
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('DeploymentNotFound');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers like Azure to a missing api-version, an unknown route and bad JSON', async () => {
    const b = await sim();
    const noVersion = await post(b, '/openai/deployments/d/chat/completions', chat);
    expect(noVersion.status).toBe(404);
    expect(await json(noVersion)).toEqual({ error: { code: '404', message: 'Resource not found' } });
    expect((await post(b, '/openai/deployments/d/chat/completions?api-version=banana', chat)).status).toBe(400);
    expect((await post(b, `/openai/deployments/d/nothing?${API}`, chat)).status).toBe(404);
    const badJson = await post(b, `/openai/deployments/d/chat/completions?${API}`, '{"messages": [');
    expect(badJson.status).toBe(400);
    expect((await json(badJson)).error.message).toMatch(/parse the JSON body/);
    expect((await post(b, `/openai/deployments/d/chat/completions?${API}`, '[1]')).status).toBe(400);
    expect((await post(b, `/openai/deployments/d/chat/completions?${API}`, {})).status).toBe(400);
    expect((await post(b, `/openai/deployments/%E0%A4%A/chat/completions?${API}`, chat)).status).toBe(404);
  });
});

describe('simulated backend: control endpoints and lifecycle', () => {
  it('sets faults, queues failures and reports stats over HTTP', async () => {
    const b = await sim();
    const set = await fetch(`${b.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ rate429: 1, retryAfterMs: 1500 }) });
    expect(await json(set)).toEqual({ rate429: 1, retryAfterMs: 1500 });
    expect((await fetch(`${b.url}/_sim/faults`, { method: 'POST', body: '{"rate429": 2}' })).status).toBe(400);
    expect((await post(b, `/openai/deployments/d/chat/completions?${API}`, chat)).status).toBe(429);
    b.setFaults({});
    await fetch(`${b.url}/_sim/fail-next`, { method: 'POST', body: JSON.stringify({ status: 503, count: 1 }) });
    expect((await post(b, `/openai/deployments/d/chat/completions?${API}`, chat)).status).toBe(503);
    const stats = await json(await fetch(`${b.url}/_sim/stats`));
    expect(stats).toMatchObject({ name: 'sim-1', total: 2, byStatus: { 429: 1, 503: 1 }, pendingFailures: 0 });
    expect(b.requests).toHaveLength(2);
  });

  it('starts several backends on distinct ports and closes twice safely', async () => {
    const backends = await startSimulatedBackends([{ name: 'a' }, { name: 'b', apiKey: 'k' }]);
    track(...backends);
    expect(new Set(backends.map((b) => b.port)).size).toBe(2);
    expect(backends[0]!.apiKey).toMatch(/^[0-9a-f]{32}$/);
    expect(backends[1]!.apiKey).toBe('k');
    await backends[0]!.close();
    await backends[0]!.close();
    await expect(backends[0]!.start()).rejects.toThrow(/closed/);
  });

  it('rejects invalid faults at construction', () => {
    expect(() => new SimulatedBackend({ name: 'x', faults: { rate429: -1 } })).toThrow(/rate429/);
    expect(() => new SimulatedBackend({ name: 'x', faults: { rate492: 1 } as never })).toThrow(/did you mean "rate429"/);
  });
});
