/**
 * Attacks on how requests are framed and addressed. Each must be refused
 * before any connection is made to anything but a configured backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_KEY, CHAT, chatPath, closeAll, okBackend, rawRequest, rawStatus, send, sleep, startProxy } from '../helpers/net';

afterEach(closeAll);

async function setup(extra: Record<string, unknown> = {}) {
  const b = await okBackend('b');
  const p = await startProxy({ backends: [{ name: 'b', endpoint: b.url, deployments: ['gpt-4o'] }], ...extra });
  return { b, ...p };
}

const head = (port: number, lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`.replace(/PORT/g, String(port));

describe('request targets that try to leave the pool', () => {
  it('refuses absolute-form targets, even naming a configured backend', async () => {
    const { b, port } = await setup();
    for (const target of ['http://evil.example/openai/deployments/gpt-4o/chat/completions', `${b.url}/openai/deployments/gpt-4o/chat/completions`]) {
      const reply = await rawRequest(port, head(port, [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1:PORT', `api-key: ${CLIENT_KEY}`, 'Connection: close']));
      expect(rawStatus(reply), target).toBe('400');
    }
    expect(b.requests).toHaveLength(0);
  });

  it('refuses //host, raw and encoded dot segments, encoded slashes and CR/LF', async () => {
    const { b, url } = await setup();
    const paths = [
      '//evil.example/openai/deployments/gpt-4o/chat/completions',
      '/openai/deployments/../../etc/passwd',
      '/openai/deployments/%2e%2e/chat/completions',
      '/openai/deployments/%2E%2E%2F%2E%2E/chat/completions',
      '/openai/deployments/gpt-4o%2fchat/completions',
      '/openai/deployments/gpt-4o%5c..%5cx/chat',
      '/openai/deployments/gpt-4o/chat/completions?api-version=1%0d%0aHost:%20evil',
      '/openai/deployments/gpt%0a4o/chat/completions',
      '/openai/./deployments/gpt-4o/chat/completions',
    ];
    for (const path of paths) expect((await send(url, { path, body: CHAT })).status, path).toBe(400);
    expect(b.requests).toHaveLength(0);
  });

  it('refuses a raw CR/LF smuggled into a header or the target at the HTTP parser', async () => {
    const { b, port } = await setup();
    const replies = [
      await rawRequest(port, `GET /openai/models\r\nHost: evil HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
      await rawRequest(port, `POST ${chatPath('gpt-4o')} HTTP/1.1\r\nHost: 127.0.0.1\r\napi-key: ${CLIENT_KEY}\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\n{}`),
    ];
    for (const r of replies) expect(rawStatus(r)).toMatch(/^(400|403|)$/);
    expect(b.requests).toHaveLength(0);
  });

  it('refuses an alias in the body that is not a deployment name', async () => {
    const { b, url } = await setup();
    for (const model of ['../x', 'gpt-4o/../../admin', 'a\r\nb', 'x'.repeat(100)]) {
      expect((await send(url, { path: '/v1/chat/completions', body: JSON.stringify({ model }) })).status, model).toBe(400);
    }
    expect(b.requests).toHaveLength(0);
  });
});

describe('framing', () => {
  it('refuses Transfer-Encoding together with Content-Length (request smuggling)', async () => {
    const { b, port } = await setup();
    const reply = await rawRequest(port, head(port, [
      `POST ${chatPath('gpt-4o')} HTTP/1.1`, 'Host: 127.0.0.1:PORT', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json',
      'Content-Length: 4', 'Transfer-Encoding: chunked',
    ]) + '0\r\n\r\nGET /_pool/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(rawStatus(reply)).toBe('400');
    expect(reply.match(/HTTP\/1\.1/g)).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  it('refuses duplicate Host headers', async () => {
    const { b, port } = await setup();
    const reply = await rawRequest(port, head(port, [`GET /v1/models HTTP/1.1`, 'Host: 127.0.0.1:PORT', 'Host: evil.example', `api-key: ${CLIENT_KEY}`, 'Connection: close']));
    expect(['400', '403']).toContain(rawStatus(reply));
    expect(b.requests).toHaveLength(0);
  });

  it('answers 431 to oversized headers and stays up', async () => {
    const { url, port } = await setup();
    const reply = await rawRequest(port, head(port, [`GET /v1/models HTTP/1.1`, 'Host: 127.0.0.1', `X-Big: ${'a'.repeat(64 * 1024)}`]));
    expect(['431', '400']).toContain(rawStatus(reply));
    expect((await send(url, { path: '/v1/models' })).status).toBe(200);
  });

  it('refuses an oversized body from Content-Length before reading it, and a chunked one as it crosses the cap', async () => {
    const { b, port } = await setup({ maxRequestBodyMB: 1 });
    const declared = await rawRequest(port, head(port, [`POST ${chatPath('gpt-4o')} HTTP/1.1`, 'Host: 127.0.0.1', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json', `Content-Length: ${50 * 1024 * 1024}`]));
    expect(rawStatus(declared)).toBe('413');
    const chunk = 'x'.repeat(256 * 1024);
    const body = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('') + '0\r\n\r\n';
    const chunked = await rawRequest(port, head(port, [`POST ${chatPath('gpt-4o')} HTTP/1.1`, 'Host: 127.0.0.1', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked']) + body);
    expect(rawStatus(chunked)).toBe('413');
    expect(b.requests).toHaveLength(0);
  });

  it('cuts a sender that goes quiet mid-body (slowloris) with 408', async () => {
    const { b, port } = await setup({ timeouts: { idleMs: 300 } });
    const t0 = Date.now();
    const reply = await rawRequest(port, head(port, [`POST ${chatPath('gpt-4o')} HTTP/1.1`, 'Host: 127.0.0.1', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json', 'Content-Length: 100']) + '{"messages":', 4000);
    expect(rawStatus(reply)).toBe('408');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(b.requests).toHaveLength(0);
  });

  it('strips hop-by-hop headers and headers named in Connection, both ways', async () => {
    const b = await okBackend('b', { connection: 'keep-alive, x-backend-hop', 'x-backend-hop': 'secret', 'proxy-authenticate': 'Basic', upgrade: 'h2c' });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT, headers: { connection: 'x-client-hop', 'x-client-hop': '1', 'proxy-authorization': 'Basic abc', 'keep-alive': 'timeout=5', upgrade: 'websocket', trailer: 'x' } });
    expect(r.status).toBe(200);
    const h = b.requests[0]!.headers;
    for (const n of ['x-client-hop', 'proxy-authorization', 'keep-alive', 'upgrade', 'trailer']) expect(h[n], n).toBeUndefined();
    for (const n of ['x-backend-hop', 'proxy-authenticate', 'upgrade']) expect(r.headers[n], n).toBeUndefined();
  });

  it('answers malformed and deeply nested JSON with 400 and keeps serving', async () => {
    const { url } = await setup();
    for (const body of ['{', '{"model": "gpt-4o",}', '"just a string"', '[1,2]', '{"a":' + '['.repeat(500_000), `{"model":"gpt-4o","x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`]) {
      const r = await send(url, { path: '/v1/chat/completions', body });
      expect(r.status).toBe(400);
      expect(r.json().error.code).toBe('InvalidJson');
    }
    expect((await send(url, { path: '/v1/chat/completions', body: JSON.stringify({ model: 'gpt-4o' }) })).status).toBe(200);
    await sleep(0);
  });
});
