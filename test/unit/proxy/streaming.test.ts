import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { CHAT, CLIENT_KEY, chatPath, closeAll, nextRecord, okBackend, sleep, startBackend, startProxy, within } from '../../helpers/net';

afterEach(closeAll);

const STREAM_BODY = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true });

/** Sends a streaming request and reports each chunk with its arrival time. */
function streamRequest(url: string, path: string, onChunk?: (s: string) => void): Promise<{ status: number; chunks: { at: number; text: string }[]; error: Error | undefined; headers: Record<string, unknown> }> {
  const u = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve) => {
    const chunks: { at: number; text: string }[] = [];
    const req = request({ host: '127.0.0.1', port: u.port, path, method: 'POST', agent: false, headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json' } }, (res) => {
      res.on('data', (c: Buffer) => {
        chunks.push({ at: Date.now() - t0, text: c.toString() });
        onChunk?.(c.toString());
      });
      res.on('end', () => resolve({ status: res.statusCode!, chunks, error: undefined, headers: res.headers }));
      res.on('error', (error) => resolve({ status: res.statusCode!, chunks, error, headers: res.headers }));
    });
    req.on('error', (error) => resolve({ status: 0, chunks, error, headers: {} }));
    req.end(STREAM_BODY);
  });
}

describe('streaming', () => {
  it('passes SSE chunks through as they arrive, not buffered', async () => {
    const b = await startBackend(async (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 5; i++) {
        res.write(`data: {"n":${i}}\n\n`);
        await sleep(60);
      }
      res.end('data: [DONE]\n\n');
    });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const r = await streamRequest(url, chatPath('x'));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream');
    const text = r.chunks.map((c) => c.text).join('');
    expect(text).toBe('data: {"n":0}\n\ndata: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n":3}\n\ndata: {"n":4}\n\ndata: [DONE]\n\n');
    // The first event reached us long before the stream ended.
    expect(r.chunks[0]!.at).toBeLessThan(r.chunks.at(-1)!.at - 200);
    expect(r.chunks.length).toBeGreaterThanOrEqual(5);
  });

  it('relays a stream that arrives in one burst whole, with the end last (Node 22+ chunked cork)', async () => {
    // Every event in the same tick as the head: the relay's cork is still on
    // when the end arrives. A corked ServerResponse on Node 22+ once put the
    // terminating 0-chunk after the first event (npm run test:node24 runs this file there).
    const events = Array.from({ length: 8 }, (_, i) => `data: {"n":${i}}\n\n`);
    const b = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of events) res.write(e);
      res.end('data: [DONE]\n\n');
    });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    for (let i = 0; i < 5; i++) {
      const r = await streamRequest(url, chatPath('x'));
      expect(r.error).toBeUndefined();
      expect(r.chunks.map((c) => c.text).join('')).toBe(`${events.join('')}data: [DONE]\n\n`);
    }
  });

  it('ends the client response with an error (no fake [DONE]) when the backend resets mid-stream', async () => {
    const b = await startBackend(async (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":0}\n\n');
      await sleep(50);
      res.socket!.destroy();
    });
    const other = await okBackend('other');
    const { url, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, priority: 1 }, { name: 'other', endpoint: other.url, priority: 2 }] });
    const events: string[] = [];
    proxy.on('request', (r) => events.push(r.error ?? 'ok'));
    const r = await streamRequest(url, chatPath('x'));
    expect(r.error).toBeDefined();
    const text = r.chunks.map((c) => c.text).join('');
    expect(text).toContain('{"n":0}');
    expect(text).not.toContain('[DONE]');
    expect(other.requests).toHaveLength(0); // bytes were already sent: no retry
    await sleep(20);
    expect(events[0]).toContain('mid-stream');
  });

  it('fails over when the backend resets after headers but before any body byte', async () => {
    const b = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => res.socket!.destroy(), 30);
    });
    const other = await okBackend('other');
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url, priority: 1 }, { name: 'other', endpoint: other.url, priority: 2 }] });
    const r = await streamRequest(url, chatPath('x'));
    expect(r.status).toBe(200);
    expect(r.headers['x-aoai-pool-backend']).toBe('other');
    expect(r.error).toBeUndefined();
  });

  it('aborts the upstream request when the client disconnects, without penalising the backend', async () => {
    let upstreamClosed = 0;
    let stop = false;
    const b = await startBackend(async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => {
        upstreamClosed = Date.now();
        stop = true;
      });
      for (let i = 0; i < 200 && !stop; i++) {
        res.write(`data: {"n":${i}}\n\n`);
        await sleep(20);
      }
      res.end();
      void req;
    });
    const { url, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const u = new URL(url);
    let closedAt = 0;
    await new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port: u.port, path: chatPath('x'), method: 'POST', agent: false, headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          closedAt = Date.now();
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end(STREAM_BODY);
    });
    for (let i = 0; i < 50 && !upstreamClosed; i++) await sleep(20);
    expect(upstreamClosed).toBeGreaterThan(0);
    expect(upstreamClosed - closedAt).toBeLessThan(1000);
    const snap = proxy.snapshots()[0]!;
    expect(snap.failures).toBe(0);
    expect(snap.status).toBe('healthy');
  });

  it('a client that leaves before the backend answered ends the request and the upstream call', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => (upstreamClosed = r));
    let arrived!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const b = await startBackend((req) => {
      req.socket.on('close', () => upstreamClosed());
      arrived();
    });
    const { port, proxy } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const req = request({ host: '127.0.0.1', port, path: chatPath('x'), method: 'POST', agent: false, headers: { 'api-key': CLIENT_KEY, 'content-type': 'application/json' } });
    req.on('error', () => undefined);
    req.end(STREAM_BODY);
    await within(reached, 2000, 'the request reached the backend');
    // Both bounds reject when their event never comes: `0 - now < 1000` used to pass for an upstream that never closed.
    const finished = nextRecord(proxy, 1000);
    req.destroy();
    await within(closed, 1000, 'the upstream connection closed');
    const record = await finished; // the handler finished instead of waiting forever
    expect(record.error).toBe('client disconnected');
    expect(proxy.snapshots()[0]!.failures).toBe(0);
  });

  it('uses the shorter header timeout for streaming requests', async () => {
    const slow = await startBackend(async (_q, res) => {
      await sleep(2500);
      if (!res.destroyed) {
        res.writeHead(200);
        res.end();
      }
    });
    const ok = await okBackend('ok');
    const { url } = await startProxy({ timeouts: { streamHeadersSec: 0.3, headersSec: 10 }, backends: [
      { name: 'slow', endpoint: slow.url, priority: 1 }, { name: 'ok', endpoint: ok.url, priority: 2 },
    ] });
    const r = await streamRequest(url, chatPath('x'));
    expect(r.headers['x-aoai-pool-backend']).toBe('ok');
    void CHAT;
  });
});
