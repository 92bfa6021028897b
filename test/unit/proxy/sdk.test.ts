/**
 * SDKs with zero configuration (issue 9): with only the environment that the
 * extension's terminals get and `aoai-pool serve` prints (both from
 * `clientEnvironment`), the official clients work with no arguments. Node is
 * tested with the real `openai` package; openai-python cannot be installed
 * here (no PyPI), so its requests are built exactly as its source builds them
 * (cited below) and sent through the same proxy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { AzureOpenAI } from 'openai';
import { CLIENT_KEY, closeAll, send, startProxy, type ProxyHandle } from '../../helpers/net';
import { startSimulatedBackends, type SimulatedBackend } from '../../../src/core/simulator';
import { POOL_API_VERSION as CLIENT_API_VERSION, clientEnvironment } from '../../../src/core/tools/env';
import { parseTarget } from '../../../src/core/proxy/routes';

let sims: SimulatedBackend[] = [];
let pool: ProxyHandle;
const saved: Record<string, string | undefined> = {};
/** Everything an SDK reads, so nothing from the developer's own shell leaks in. */
const SDK_VARS = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_VERSION', 'OPENAI_ORG_ID', 'OPENAI_PROJECT_ID', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_AD_TOKEN', 'OPENAI_WEBHOOK_SECRET', 'OPENAI_LOG'];

beforeAll(async () => {
  // One backend compresses: the SDKs ask for gzip, so compressed answers are part of real traffic.
  // Deployment names differ from the aliases clients use, as in real pools: a request that skipped the
  // alias -> deployment mapping gets Azure's 404 DeploymentNotFound.
  sims = await startSimulatedBackends([
    { name: 'sim-a', apiKey: 'key-a-000000000000', compress: true, deployments: ['chat-eu', 'embed-eu'], faults: { chunkDelayMs: 0 } },
    { name: 'sim-b', apiKey: 'key-b-000000000000', deployments: ['chat-us', 'embed-us'], faults: { chunkDelayMs: 0 } },
  ]);
  // The simulator reports 120k TPM without enforcing it; this suite sends more than a 10 s share of that,
  // which quota routing would rightly hold back. Round-robin keeps it about the SDKs' paths.
  pool = await startProxy({ routing: 'roundRobin', backends: [
    { name: 'sim-a', endpoint: sims[0]!.url, deployments: { 'gpt-4o': 'chat-eu', 'text-embedding-3-small': 'embed-eu' } },
    { name: 'sim-b', endpoint: sims[1]!.url, deployments: { 'gpt-4o': 'chat-us', 'text-embedding-3-small': 'embed-us' } },
  ] }, { keys: { 'sim-a': 'key-a-000000000000', 'sim-b': 'key-b-000000000000' } });
  for (const v of SDK_VARS) saved[v] = process.env[v];
  for (const v of SDK_VARS) delete process.env[v];
  // Exactly what a prepared terminal holds.
  Object.assign(process.env, clientEnvironment(pool.url, CLIENT_KEY));
});

afterAll(async () => {
  for (const v of SDK_VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  await closeAll();
  await Promise.all(sims.map((s) => s.close()));
});

afterEach(() => undefined);

describe('clientEnvironment', () => {
  it('is the list of variables both SDK families read', () => {
    expect(clientEnvironment('http://127.0.0.1:8787', 'k')).toEqual({
      AZURE_OPENAI_ENDPOINT: 'http://127.0.0.1:8787',
      AZURE_OPENAI_API_KEY: 'k',
      OPENAI_BASE_URL: 'http://127.0.0.1:8787/v1',
      OPENAI_API_KEY: 'k',
      OPENAI_API_VERSION: CLIENT_API_VERSION,
    });
  });
});

for (const [label, make] of [
  ['new OpenAI() (Bearer key, /v1 paths)', () => new OpenAI()],
  ['new AzureOpenAI() (api-key, /v1/deployments and api-version)', () => new AzureOpenAI()],
] as const) {
  describe(`Node ${label}, no arguments`, () => {
    it('chat completions, plain and streamed', async () => {
      const client = make();
      const chat = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
      expect(chat.choices[0]!.message.content).toMatch(/Hello from sim-[ab]/);
      expect(chat.model).toMatch(/^chat-(eu|us)$/);
      const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toMatch(/Hello from sim-[ab]/);
    });

    it('embeddings', async () => {
      const r = await make().embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
      expect(r.data).toHaveLength(2);
      expect(r.data[0]!.embedding.length).toBeGreaterThan(0);
      expect(r.model).toMatch(/^embed-(eu|us)$/);
    });

    it('responses, and a follow-up that must reach the backend holding the first one', async () => {
      const client = make();
      const first = await client.responses.create({ model: 'gpt-4o', input: 'hi' });
      expect(first.id).toMatch(/^resp_/);
      expect(first.output_text).toMatch(/Hello from sim-[ab]/);
      const owner = /sim-[ab]/.exec(first.output_text)![0];
      for (let i = 0; i < 3; i++) {
        const next = await client.responses.create({ model: 'gpt-4o', input: 'more', previous_response_id: first.id });
        expect(next.output_text).toContain(owner);
      }
      const got = await client.responses.retrieve(first.id);
      expect(got.id).toBe(first.id);
    });

    it('models.list and models.retrieve are answered by the pool', async () => {
      const client = make();
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      expect(ids).toEqual(['gpt-4o', 'text-embedding-3-small']);
      expect((await client.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    });
  });
}

describe('openai-python, requests as its source builds them', () => {
  // openai-python src/openai/_client.py: OpenAI() takes OPENAI_BASE_URL as its base and sends
  // "Authorization: Bearer $OPENAI_API_KEY" to base + "/chat/completions", "/responses", "/models/{id}".
  it('OpenAI(): /v1 paths with a Bearer key', async () => {
    const base = new URL(process.env.OPENAI_BASE_URL!).pathname;
    const h = { authorization: `Bearer ${process.env.OPENAI_API_KEY}`, 'accept-encoding': 'gzip, deflate' };
    const chat = await send(pool.url, { path: `${base}/chat/completions`, key: null, headers: h, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(chat.status).toBe(200);
    const model = await send(pool.url, { path: `${base}/models/gpt-4o`, key: null, headers: h });
    expect(model.json().id).toBe('gpt-4o');
  });

  // openai-python src/openai/lib/azure.py: AzureOpenAI() requires OPENAI_API_VERSION, takes
  // AZURE_OPENAI_ENDPOINT + "/openai" as its base (OPENAI_BASE_URL is not read), sends "api-key",
  // adds "?api-version=" to every request, and puts "/deployments/{model}" in front of the
  // deployment endpoints (chat, completions, embeddings, audio, images) for a dated version.
  it('AzureOpenAI(): /openai/deployments/{model}/..., /openai/responses and /openai/models/{id}, with api-version', async () => {
    const base = `${new URL(process.env.AZURE_OPENAI_ENDPOINT!).pathname.replace(/\/$/, '')}/openai`;
    const q = `?api-version=${process.env.OPENAI_API_VERSION}`;
    const h = { 'api-key': process.env.AZURE_OPENAI_API_KEY!, 'accept-encoding': 'gzip, deflate' };
    const chat = await send(pool.url, { path: `${base}/deployments/gpt-4o/chat/completions${q}`, key: null, headers: h, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(chat.status).toBe(200);
    expect(chat.json().model).toMatch(/^chat-(eu|us)$/);
    const emb = await send(pool.url, { path: `${base}/deployments/text-embedding-3-small/embeddings${q}`, key: null, headers: h, body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }) });
    expect(emb.status).toBe(200);
    const resp = await send(pool.url, { path: `${base}/responses${q}`, key: null, headers: h, body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }) });
    expect(resp.status).toBe(200);
    const models = await send(pool.url, { path: `${base}/models${q}`, key: null, headers: h });
    expect(models.json().data.map((m: { id: string }) => m.id)).toContain('gpt-4o');
    const one = await send(pool.url, { path: `${base}/models/gpt-4o${q}`, key: null, headers: h });
    expect(one.json().id).toBe('gpt-4o');
  });
});

describe('routes the SDKs and other gateways use', () => {
  it('OpenAI paths without /v1 are read as /v1; anything else stays unknown', async () => {
    const h = { authorization: `Bearer ${CLIENT_KEY}` };
    for (const path of ['/chat/completions', '/v1/chat/completions']) {
      const r = await send(pool.url, { path, key: null, headers: h, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }) });
      expect(r.status, path).toBe(200);
    }
    expect((await send(pool.url, { path: '/embeddings', key: null, headers: h, body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x' }) })).status).toBe(200);
    expect((await send(pool.url, { path: '/responses', key: null, headers: h, body: JSON.stringify({ model: 'gpt-4o', input: 'x' }) })).status).toBe(200);
    expect((await send(pool.url, { path: '/models/gpt-4o', key: null, headers: h })).json().id).toBe('gpt-4o');
    for (const path of ['/chatx/completions', '/admin', '/openai', '/v2/chat/completions', '/deploymentsx/a/chat']) {
      const r = await send(pool.url, { path, key: null, headers: h, body: '{}' });
      expect(r.status, path).toBe(404);
      expect(r.json().error.code).toBe('RouteNotFound');
    }
  });

  it('parses the Azure shapes an SDK with a /v1 base URL sends', () => {
    expect(parseTarget('/v1/deployments/gpt-4o/chat/completions?api-version=2025-04-01-preview')).toEqual({ ok: true, route: { kind: 'deployment', alias: 'gpt-4o', rest: '/chat/completions', query: '?api-version=2025-04-01-preview' } });
    expect(parseTarget('/v1/responses?api-version=2025-04-01-preview')).toEqual({ ok: true, route: { kind: 'openai', path: '/openai/responses', query: '?api-version=2025-04-01-preview' } });
    expect(parseTarget('/v1/responses?api-version=preview')).toEqual({ ok: true, route: { kind: 'v1', rest: '/responses', query: '?api-version=preview' } });
    expect(parseTarget('/openai/models/gpt-4o?api-version=2024-10-21')).toEqual({ ok: true, route: { kind: 'models', id: 'gpt-4o' } });
    expect(parseTarget('/deployments/gpt-4o/embeddings')).toMatchObject({ ok: true, route: { kind: 'deployment', alias: 'gpt-4o', rest: '/embeddings' } });
    expect(parseTarget('/v1/deployments/../x')).toMatchObject({ ok: false, code: 'InvalidRequest' });
  });
});
