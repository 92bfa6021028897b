/**
 * Attacks on how requests are framed and addressed. Each must be refused
 * before any connection is made to anything but a configured backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_KEY, CHAT, chatPath, closeAll, okBackend, rawExchange, rawRequest, rawStatus, send, sleep, startProxy, within } from '../helpers/net';

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
    // A status is required: a silent close would also keep the backend untouched, and prove nothing.
    const cases: [string, string][] = [
      // The line break ends the target early; the Host line that follows names "evil": the Host guard refuses it.
      ['403', `GET /openai/models\r\nHost: evil HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`],
      // A bare CR inside a header value is a parse error.
      ['400', `POST ${chatPath('gpt-4o')} HTTP/1.1\r\nHost: 127.0.0.1\r\napi-key: ${CLIENT_KEY}\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\n{}`],
    ];
    for (const [status, text] of cases) {
      const r = await rawExchange(port, text);
      expect(rawStatus(r.reply), JSON.stringify(text)).toBe(status);
      expect(r.closedByServer).toBe(true);
    }
    expect(b.requests).toHaveLength(0);
    // Positive control: the same request without the smuggled bytes does reach the backend.
    const clean = await rawExchange(port, `POST ${chatPath('gpt-4o')} HTTP/1.1\r\nHost: 127.0.0.1\r\napi-key: ${CLIENT_KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(rawStatus(clean.reply)).toBe('200');
    expect(b.requests).toHaveLength(1);
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

  it('refuses an HTTP/1.0 request that carries Transfer-Encoding, and closes the connection (RFC 9112 6.1)', async () => {
    const { b, port } = await setup();
    const chunked = (version: string) => head(port, [
      `POST ${chatPath('gpt-4o')} HTTP/${version}`, 'Host: 127.0.0.1:PORT', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked',
    ]) + '2\r\n{}\r\n0\r\n\r\n';
    const r = await rawExchange(port, chunked('1.0'), 3000);
    expect(rawStatus(r.reply)).toBe('400');
    expect(r.reply).toContain('HTTP/1.0 request cannot carry Transfer-Encoding');
    expect(r.closedByServer).toBe(true);
    expect(b.requests).toHaveLength(0);
    // Positive controls: the same body chunked over HTTP/1.1, and HTTP/1.0 with a Content-Length, both go through.
    expect(rawStatus((await rawExchange(port, chunked('1.1').replace('Transfer-Encoding', 'Connection: close\r\nTransfer-Encoding'))).reply)).toBe('200');
    const plain10 = head(port, [`POST ${chatPath('gpt-4o')} HTTP/1.0`, 'Host: 127.0.0.1', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json', 'Content-Length: 2']) + '{}';
    expect(rawStatus((await rawExchange(port, plain10)).reply)).toBe('200');
    expect(b.requests).toHaveLength(2);
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
    const { b, port } = await setup({ timeouts: { idleSec: 0.3 } });
    const t0 = Date.now();
    const reply = await rawRequest(port, head(port, [`POST ${chatPath('gpt-4o')} HTTP/1.1`, 'Host: 127.0.0.1', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json', 'Content-Length: 100']) + '{"messages":', 4000);
    expect(rawStatus(reply)).toBe('408');
    expect(reply).toContain('stalled for 0.3 s (timeouts.idleSec)');
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(b.requests).toHaveLength(0);
  });

  it('cuts a client that trickles its body past timeouts.requestSec with 408, while another client is served', async () => {
    // idleSec is far longer than the trickle's gaps: only the whole-request deadline can cut it.
    const { b, port, url, proxy } = await setup({ timeouts: { requestSec: 1, idleSec: 60 } });
    const { connect } = await import('node:net');
    const sock = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    sock.on('data', (c: Buffer) => received.push(c));
    let isClosed = false;
    const closed = new Promise<number>((resolve) => sock.on('close', () => {
      isClosed = true;
      resolve(Date.now());
    }));
    sock.on('error', () => undefined);
    const t0 = Date.now();
    sock.write(head(port, [`POST ${chatPath('gpt-4o')} HTTP/1.1`, 'Host: 127.0.0.1', `api-key: ${CLIENT_KEY}`, 'Content-Type: application/json', 'Content-Length: 100']));
    const trickle = setInterval(() => sock.writable && sock.write(' '), 200); // one byte every 200 ms, never idle for long
    try {
      // Meanwhile a normal client is served at once.
      const other = await send(url, { path: chatPath('gpt-4o'), body: CHAT });
      expect(other.status).toBe(200);
      expect(isClosed).toBe(false); // served while the slow one was still connected
      const cutAt = await within(closed, 4000, 'the trickling connection closed');
      expect(cutAt - t0).toBeGreaterThanOrEqual(1000);
      const reply = Buffer.concat(received).toString();
      expect(rawStatus(reply)).toBe('408');
      expect(reply).toContain('"code":"RequestTimeout"');
      expect(reply).toContain('within 1 s (timeouts.requestSec)');
    } finally {
      clearInterval(trickle);
      sock.destroy();
    }
    expect(b.requests).toHaveLength(1); // only the normal client
    // And the pool keeps serving.
    expect((await send(url, { path: chatPath('gpt-4o'), body: CHAT })).status).toBe(200);
    void proxy;
  });

  it('cuts a client that trickles its headers past timeouts.requestSec with a 408 in the Azure shape', async () => {
    const { b, port } = await setup({ timeouts: { requestSec: 1 } });
    const { connect } = await import('node:net');
    const sock = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    sock.on('data', (c: Buffer) => received.push(c));
    sock.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.write(`GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    let n = 0;
    const trickle = setInterval(() => sock.writable && sock.write(`X-Slow-${n++}: 1\r\n`), 200);
    try {
      await within(closed, 4000, 'the trickling connection closed');
    } finally {
      clearInterval(trickle);
      sock.destroy();
    }
    const reply = Buffer.concat(received).toString();
    expect(rawStatus(reply)).toBe('408');
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).error.code).toBe('RequestTimeout');
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
