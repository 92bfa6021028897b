import { afterEach, describe, expect, it } from 'vitest';
import { CHAT, chatPath, closeAll, okBackend, send, startBackend, startProxy } from '../../helpers/net';

afterEach(closeAll);

describe('routing through the real proxy', () => {
  it('rewrites an Azure-style alias to the backend deployment name and keeps the query', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ backends: [{ name: 'one', endpoint: b.url, deployments: { 'gpt-4o': 'gpt-4o-prod' } }] });
    const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
    expect(r.status).toBe(200);
    expect(r.headers['x-aoai-pool-backend']).toBe('one');
    expect(b.requests[0]!.url).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(b.requests[0]!.body).toBe(CHAT);
  });

  it('maps OpenAI-style /v1 and Azure /openai/v1 requests, rewriting "model" in the body', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ backends: [{ name: 'one', endpoint: b.url, deployments: { 'gpt-4o': 'gpt-4o-prod' } }] });
    const body = JSON.stringify({ model: 'gpt-4o', messages: [], stream: false });
    expect((await send(url, { path: '/v1/chat/completions', body })).status).toBe(200);
    expect((await send(url, { path: '/openai/v1/embeddings', body, headers: { authorization: 'Bearer test-client-key-0123456789' }, key: null })).status).toBe(200);
    expect(b.requests.map((r) => r.url)).toEqual(['/openai/v1/chat/completions', '/openai/v1/embeddings']);
    expect(JSON.parse(b.requests[0]!.body).model).toBe('gpt-4o-prod');
    expect(b.requests[0]!.headers['content-length']).toBe(String(Buffer.byteLength(b.requests[0]!.body)));
  });

  it('keeps the body byte-for-byte when the alias is the deployment name', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ backends: [{ name: 'one', endpoint: b.url, deployments: ['gpt-4o'] }] });
    const body = '{"model":"gpt-4o",  "seed": 123456789012345678901, "messages":[]}';
    await send(url, { path: '/v1/chat/completions', body });
    expect(b.requests[0]!.body).toBe(body);
  });

  it('rewrites the model field of a multipart audio upload', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ backends: [{ name: 'one', endpoint: b.url, deployments: { whisper: 'whisper-eu' } }] });
    const boundary = 'XyZ123';
    const body = [
      `--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="a.wav"', 'Content-Type: audio/wav', '', 'RIFF....', 
      `--${boundary}`, 'Content-Disposition: form-data; name="model"', '', 'whisper',
      `--${boundary}--`, '',
    ].join('\r\n');
    const r = await send(url, { path: '/v1/audio/transcriptions', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(r.status).toBe(200);
    expect(b.requests[0]!.body).toContain('name="model"\r\n\r\nwhisper-eu\r\n');
    expect(b.requests[0]!.body).toContain('RIFF....');
  });

  it('answers /v1/models and /openai/models with the pool aliases', async () => {
    const b = await okBackend('one');
    const c = await okBackend('two');
    const { url } = await startProxy({ backends: [
      { name: 'one', endpoint: b.url, deployments: ['gpt-4o', 'text-embedding-3-small'] },
      { name: 'two', endpoint: c.url, deployments: { 'gpt-4o-mini': 'mini' } },
    ] });
    for (const path of ['/v1/models', '/openai/models', '/openai/v1/models']) {
      const r = await send(url, { path });
      expect(r.status).toBe(200);
      expect(r.json().data.map((m: { id: string }) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
    }
    expect((await send(url, { path: '/v1/models/gpt-4o' })).json().id).toBe('gpt-4o');
    expect((await send(url, { path: '/v1/models/nope' })).status).toBe(404);
    expect(b.requests).toHaveLength(0);
  });

  it('answers an unknown alias with 404 in the Azure shape listing the aliases', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ backends: [{ name: 'one', endpoint: b.url, deployments: ['gpt-4o', 'o3'] }] });
    const r = await send(url, { path: chatPath('gpt-5'), body: CHAT });
    expect(r.status).toBe(404);
    expect(r.json().error.code).toBe('DeploymentNotFound');
    expect(r.json().error.message).toContain('gpt-4o, o3');
    expect(b.requests).toHaveLength(0);
  });

  it('passes other /openai/ paths through, and serves any deployment from a backend without a list', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ backends: [{ name: 'one', endpoint: b.url }] });
    expect((await send(url, { path: '/openai/files?api-version=2024-10-21' })).status).toBe(200);
    expect((await send(url, { path: chatPath('anything-goes'), body: CHAT })).status).toBe(200);
    expect(b.requests.map((r) => r.url)).toEqual(['/openai/files?api-version=2024-10-21', '/openai/deployments/anything-goes/chat/completions?api-version=2024-10-21']);
  });

  it('returns 400 in the Azure shape for a body that is not JSON', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ backends: [{ name: 'one', endpoint: b.url }] });
    const r = await send(url, { path: '/v1/chat/completions', body: '{"model": "gpt-4o", ' });
    expect(r.status).toBe(400);
    expect(r.json().error.code).toBe('InvalidJson');
    const deep = await send(url, { path: '/v1/chat/completions', body: '['.repeat(200_000) });
    expect(deep.status).toBe(400);
    expect(b.requests).toHaveLength(0);
  });

  it('refuses a body over the cap with 413 from Content-Length before reading it', async () => {
    const b = await okBackend('one');
    const { url } = await startProxy({ maxRequestBodyMB: 1, backends: [{ name: 'one', endpoint: b.url }] });
    const r = await send(url, { path: chatPath('x'), body: 'x'.repeat(1024 * 1024 + 1) });
    expect(r.status).toBe(413);
    expect(r.json().error.message).toContain('maxRequestBodyMB');
    expect(b.requests).toHaveLength(0);
  });

  it('passes upstream 400s back as they are, without failover', async () => {
    const bad = await startBackend((_q, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"BadRequest","message":"nope"}}');
    });
    const other = await okBackend('other');
    const { url } = await startProxy({ backends: [{ name: 'bad', endpoint: bad.url, priority: 1 }, { name: 'other', endpoint: other.url, priority: 2 }] });
    const r = await send(url, { path: chatPath('x'), body: CHAT });
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe('nope');
    expect(other.requests).toHaveLength(0);
  });
});
