/** The simulator compresses as a real HTTP server does, when started with `compress` (issue 9). */
import { describe, expect, it } from 'vitest';
import { request, type IncomingMessage } from 'node:http';
import { brotliDecompressSync, createGunzip, gunzipSync, inflateSync } from 'node:zlib';
import type { SimulatedBackend } from '../../src/core/simulator';
import { negotiateEncoding } from '../../src/core/simulator/encoding';
import { closeSimsAfterEach, sim } from '../helpers/sim';

closeSimsAfterEach();

const API = 'api-version=2024-10-21';
const CHAT = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });

function call(b: SimulatedBackend, path: string, headers: Record<string, string>, body?: string): Promise<{ res: IncomingMessage; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${b.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { 'api-key': b.apiKey, 'content-type': 'application/json', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, bytes: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('negotiation', () => {
  it('picks the highest q the client accepts, the server preference on ties, identity when nothing fits', () => {
    const all = ['gzip', 'br', 'deflate'] as const;
    expect(negotiateEncoding(undefined, all)).toBeUndefined();
    expect(negotiateEncoding('gzip, deflate', all)).toBe('gzip');
    expect(negotiateEncoding('deflate, gzip;q=0.5', all)).toBe('deflate');
    expect(negotiateEncoding('br;q=0.9, gzip;q=0.8', all)).toBe('br');
    expect(negotiateEncoding('*', all)).toBe('gzip');
    expect(negotiateEncoding('gzip;q=0, *;q=0.1', all)).toBe('br');
    expect(negotiateEncoding('identity, zstd', all)).toBeUndefined();
    expect(negotiateEncoding('x-gzip', ['deflate', 'gzip'])).toBe('gzip');
    expect(negotiateEncoding('gzip', ['br'])).toBeUndefined();
  });
});

describe('a compressing simulated backend', () => {
  it('answers in each coding the request accepts, errors included, and identity without Accept-Encoding', async () => {
    const b = await sim({ compress: true });
    const decode = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync } as const;
    for (const c of ['gzip', 'deflate', 'br'] as const) {
      const ok = await call(b, `/openai/deployments/gpt-4o/chat/completions?${API}`, { 'accept-encoding': c }, CHAT);
      expect(ok.res.headers['content-encoding'], c).toBe(c);
      expect(ok.res.headers.vary).toBe('accept-encoding');
      expect(Number(ok.res.headers['content-length'])).toBe(ok.bytes.length);
      expect(JSON.parse(decode[c](ok.bytes).toString()).object).toBe('chat.completion');
      const err = await call(b, `/openai/deployments/gpt-4o/chat/completions`, { 'accept-encoding': c }, CHAT); // no api-version: 404
      expect(err.res.statusCode).toBe(404);
      expect(err.res.headers['content-encoding']).toBe(c);
      expect(JSON.parse(decode[c](err.bytes).toString()).error.code).toBe('404');
    }
    const plain = await call(b, `/openai/deployments/gpt-4o/chat/completions?${API}`, {}, CHAT);
    expect(plain.res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.bytes.toString()).object).toBe('chat.completion');
  });

  it('offers only the codings it was given', async () => {
    const b = await sim({ compress: ['deflate'] });
    const r = await call(b, `/openai/deployments/gpt-4o/embeddings?${API}`, { 'accept-encoding': 'gzip, deflate;q=0.5' }, JSON.stringify({ input: 'x' }));
    expect(r.res.headers['content-encoding']).toBe('deflate');
    const none = await call(b, `/openai/deployments/gpt-4o/embeddings?${API}`, { 'accept-encoding': 'gzip' }, JSON.stringify({ input: 'x' }));
    expect(none.res.headers['content-encoding']).toBeUndefined();
  });

  it('compresses a stream event by event, so each one can be read as it arrives', async () => {
    const b = await sim({ compress: true, faults: { chunkDelayMs: 60, chunks: 6 } });
    const t0 = Date.now();
    const arrivals: { at: number; text: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request(`${b.url}/openai/deployments/gpt-4o/chat/completions?${API}`, { method: 'POST', headers: { 'api-key': b.apiKey, 'content-type': 'application/json', 'accept-encoding': 'gzip' }, agent: false }, (res) => {
        expect(res.headers['content-encoding']).toBe('gzip');
        const gunzip = createGunzip();
        gunzip.on('data', (c: Buffer) => arrivals.push({ at: Date.now() - t0, text: c.toString() }));
        gunzip.on('end', () => resolve());
        gunzip.on('error', reject);
        res.pipe(gunzip);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }));
    });
    const text = arrivals.map((a) => a.text).join('');
    expect(text).toContain('data: [DONE]');
    expect(arrivals.length).toBeGreaterThanOrEqual(6);
    // The first event was readable long before the last.
    expect(arrivals[0]!.at).toBeLessThan(arrivals.at(-1)!.at - 200);
  });

  it('refuses a dated api-version on a /openai/v1 path, as Azure does', async () => {
    const b = await sim();
    const r = await call(b, '/openai/v1/chat/completions?api-version=2024-10-21', {}, JSON.stringify({ model: 'gpt-4o', messages: [] }));
    expect(r.res.statusCode).toBe(400);
    expect(JSON.parse(r.bytes.toString()).error.message).toBe('api-version query parameter is not allowed when using /v1 path');
    const ok = await call(b, '/openai/v1/chat/completions', {}, JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }));
    expect(ok.res.statusCode).toBe(200);
  });
});
