/**
 * Backends that answer compressed (issue 9): bodies the proxy only relays go
 * through byte for byte; bodies it reads (error bodies it masks, bodies it
 * scans for created ids) are decoded first, whatever the coding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { brotliCompressSync, brotliDecompressSync, deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { CHAT, chatPath, closeAll, nextRecord, send, sleep, startBackend, startProxy } from '../../helpers/net';
import { startSimulatedBackends, type SimulatedBackend } from '../../../src/core/simulator';
import { CreatedIdScanner, type StickyMap } from '../../../src/core/proxy/sticky';
import { upstreamAcceptEncoding } from '../../../src/core/proxy/encoding';

const sims: SimulatedBackend[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await closeAll();
});

const CODINGS = ['gzip', 'deflate', 'br'] as const;
const encode = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const;
const decode = { gzip: gunzipSync, deflate: inflateSync, br: brotliDecompressSync } as const;

async function twoSims(compress: boolean) {
  const [a, b] = await startSimulatedBackends([
    { name: 'a', apiKey: 'key-a-0000000000', compress },
    { name: 'b', apiKey: 'key-b-0000000000', compress },
  ]);
  sims.push(a!, b!);
  const p = await startProxy({ backends: [
    { name: 'a', endpoint: a!.url, priority: 1 },
    { name: 'b', endpoint: b!.url, priority: 2 },
  ] }, { keys: { a: 'key-a-0000000000', b: 'key-b-0000000000' } });
  return { a: a!, b: b!, ...p };
}

describe('relayed bodies', () => {
  it('pass through byte for byte, compressed, when the client asked for a coding', async () => {
    const payload = Buffer.from(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ message: { content: 'x'.repeat(2000) } }] }));
    const bodies = Object.fromEntries(CODINGS.map((c) => [c, encode[c](payload)]));
    const b = await startBackend((req, res) => {
      const c = String(req.headers['accept-encoding']) as (typeof CODINGS)[number];
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': c });
      res.end(bodies[c]);
    });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    for (const c of CODINGS) {
      const r = await send(url, { path: chatPath('x'), body: CHAT, headers: { 'accept-encoding': c } });
      expect(r.status, c).toBe(200);
      expect(r.headers['content-encoding'], c).toBe(c);
      expect(r.bytes.equals(bodies[c]!), c).toBe(true);
    }
  });

  it('a simulated backend that compresses streams SSE through the pool, still compressed and still incremental', async () => {
    const { url } = await twoSims(true);
    const r = await send(url, { path: chatPath('gpt-4o'), body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }), headers: { 'accept-encoding': 'gzip' } });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(r.bytes).toString();
    expect(text).toContain('data: [DONE]');
    expect(text).toMatch(/"content":"[^"]+"/);
  });
});

describe('error bodies the proxy masks', () => {
  for (const c of CODINGS) {
    it(`are decoded from ${c}, masked, and sent as identity with their real length`, async () => {
      const b = await startBackend((req, res) => {
        const got = String(req.headers['api-key']);
        res.writeHead(401, { 'content-type': 'application/json', 'content-encoding': c, 'x-echo': got });
        res.end(encode[c](Buffer.from(JSON.stringify({ error: { code: '401', message: `invalid key ${got}` } }))));
      });
      const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] }, { keys: { b: 'SECRET-KEY-1234567890' } });
      const r = await send(url, { path: chatPath('x'), body: CHAT, headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(b.requests[0]!.headers['api-key']).toBe('SECRET-KEY-1234567890'); // the echo really carried the key
      expect(r.status).toBe(401);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(Number(r.headers['content-length'])).toBe(r.bytes.length);
      expect(r.json().error.message).toBe('invalid key ***');
      expect(r.headers['x-echo']).toBe('***');
    });
  }

  it('a raw deflate stream (no zlib header, as some servers send "deflate") is read too', async () => {
    const b = await startBackend((_q, res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': 'deflate' });
      res.end(deflateRawSync(Buffer.from('{"error":{"code":"BadRequest","message":"raw deflate"}}')));
    });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    const r = await send(url, { path: chatPath('x'), body: CHAT, headers: { 'accept-encoding': 'deflate' } });
    expect(r.status).toBe(400);
    expect(r.json().error.message).toBe('raw deflate');
  });

  it('from a simulated backend that compresses, reach an SDK-like client as JSON', async () => {
    const { url, a } = await twoSims(true);
    a.failNext(400);
    const r = await send(url, { path: chatPath('gpt-4o'), body: CHAT, headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(r.status).toBe(400);
    expect(a.requests[0]!.headers['accept-encoding']).toBe('gzip, deflate');
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.json().error.code).toBe('400');
  });

  it('one the pool cannot decode is not passed on: 502 UpstreamBodyUnreadable, whether the coding is unknown, corrupt or a bomb', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'));
    expect(bomb.length).toBeLessThan(1024 * 1024); // small on the wire, 64 MB decoded
    const cases: [string, Buffer, string][] = [
      ['zstd', Buffer.from('28b52ffd0058610000', 'hex'), /zstd/.source],
      ['gzip', Buffer.from('1f8b0800000000000003ffffffffffffffffffff', 'hex'), /corrupt/.source],
      ['gzip', bomb, /larger than 1 MB decoded/.source],
      ['gzip, br', brotliCompressSync(gzipSync(Buffer.from('{}'))), /gzip, br/.source],
    ];
    for (const [coding, body, why] of cases) {
      const b = await startBackend((_q, res) => {
        res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': coding });
        res.end(body);
      });
      const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
      const r = await send(url, { path: chatPath('x'), body: CHAT, headers: { 'accept-encoding': 'gzip' } });
      expect(r.status, coding).toBe(502);
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(r.json().error.code).toBe('UpstreamBodyUnreadable');
      expect(r.json().error.message).toMatch(new RegExp(`HTTP 400 .*${why}`));
    }
  });
});

describe('created ids in compressed bodies', () => {
  for (const c of CODINGS) {
    it(`are learned from a ${c} Responses body: the follow-up goes straight to the owner`, async () => {
      const { url, a, b, proxy } = await twoSims(true);
      a.failNext(503); // the create lands on b, the priority-2 backend
      const first = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'hi' }), headers: { 'accept-encoding': c } });
      expect(first.status).toBe(200);
      expect(first.headers['content-encoding']).toBe(c);
      const id = JSON.parse(decode[c](first.bytes).toString()).id as string;
      expect(id).toMatch(/^resp_/);
      expect(first.headers['x-aoai-pool-backend']).toBe('b');
      // Known by the time the client holds the whole body, not some microseconds later.
      expect((proxy as unknown as { sticky: StickyMap }).sticky.get(id)).toBe('b');
      const followUp = nextRecord(proxy, 2000);
      const next = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'gpt-4o', input: 'more', previous_response_id: id }), headers: { 'accept-encoding': c } });
      expect(next.status).toBe(200);
      expect(next.headers['x-aoai-pool-backend']).toBe('b');
      expect(a.requests).toHaveLength(1); // only the failed create: the follow-up never asked a
      expect(b.requests).toHaveLength(2);
      expect((await followUp).failovers).toEqual([]);
    });
  }

  it('are learned when the id arrives split across chunks, compressed or not', async () => {
    const id = 'resp_splitacrosschunks0123456789';
    const json = Buffer.from(`{"id":"${id}","object":"response","output":[]}`);
    for (const coding of ['identity', 'gzip'] as const) {
      const wire = coding === 'gzip' ? gzipSync(json) : json;
      // Identity: cut inside the id. Gzip: cut inside the deflate data, which holds the id.
      const at = coding === 'gzip' ? Math.floor(wire.length / 2) : json.indexOf('across');
      const owner = await startBackend(async (_q, res, body) => {
        if (JSON.parse(body).previous_response_id) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"from":"owner"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', ...(coding === 'gzip' ? { 'content-encoding': 'gzip' } : {}) });
        res.write(wire.subarray(0, at));
        await sleep(40); // two TCP segments apart: the proxy gets the id in two pieces
        res.end(wire.subarray(at));
      });
      // Fails every create (so it lands on owner) and knows no id (so asking it first would show).
      const other = await startBackend((_q, res, body) => {
        const follow = Boolean(JSON.parse(body).previous_response_id);
        res.writeHead(follow ? 404 : 503, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"x","message":"not here"}}');
      });
      const { url } = await startProxy({ backends: [{ name: 'other', endpoint: other.url, priority: 1 }, { name: 'owner', endpoint: owner.url, priority: 2 }] });
      const created = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'm', input: 'x' }), headers: { 'accept-encoding': 'gzip' } });
      expect(created.headers['x-aoai-pool-backend'], coding).toBe('owner');
      expect(created.bytes.equals(wire), coding).toBe(true); // relayed untouched
      const next = await send(url, { path: '/openai/v1/responses', body: JSON.stringify({ model: 'm', input: 'y', previous_response_id: id }) });
      expect(next.json(), coding).toEqual({ from: 'owner' });
      expect(other.requests.filter((r) => r.body.includes('previous_response_id')), coding).toEqual([]);
    }
  });
});

describe('the scanner alone', () => {
  const id = 'resp_0123456789abcdefABCDEF';
  const json = Buffer.from(`{"object":"response","id":"${id}","previous_response_id":null,"output":[{"id":"msg_1234567890"}]}`);

  /** Pushes every piece, each after the previous one was scanned, as the Exchange does. */
  async function feed(s: CreatedIdScanner, pieces: Buffer[]): Promise<void> {
    for (const p of pieces) {
      if (s.done) break;
      await new Promise<void>((resolve) => {
        if (s.push(p, resolve)) resolve();
      });
    }
  }

  async function scanInPieces(coding: 'identity' | (typeof CODINGS)[number], size: number): Promise<string[]> {
    const wire = coding === 'identity' ? json : encode[coding](json);
    const found: string[] = [];
    const s = new CreatedIdScanner(coding === 'identity' ? undefined : coding, (x) => found.push(x));
    const pieces: Buffer[] = [];
    for (let i = 0; i < wire.length; i += size) pieces.push(wire.subarray(i, i + size));
    await feed(s, pieces);
    s.close();
    return found;
  }

  for (const coding of ['identity', ...CODINGS] as const) {
    it(`finds the first id of a ${coding} body fed one byte at a time, and only that one`, async () => {
      expect(await scanInPieces(coding, 1)).toEqual([id]);
      expect(await scanInPieces(coding, 7)).toEqual([id]);
      expect(await scanInPieces(coding, 100_000)).toEqual([id]);
    });
  }

  it('learns nothing from a coding it cannot read, and stops after the first 64 KiB of text', async () => {
    const found: string[] = [];
    const zstd = new CreatedIdScanner('zstd', (x) => found.push(x));
    await feed(zstd, [json]);
    const late = new CreatedIdScanner(undefined, (x) => found.push(x));
    await feed(late, [Buffer.alloc(70 * 1024, ' '), json]);
    const lateGzip = new CreatedIdScanner('gzip', (x) => found.push(x));
    await feed(lateGzip, [gzipSync(Buffer.concat([Buffer.alloc(70 * 1024, ' '), json]))]);
    expect(found).toEqual([]);
    expect(late.done && lateGzip.done).toBe(true);
    // Positive control: the same id right after 60 KiB of padding is found.
    const early = new CreatedIdScanner('gzip', (x) => found.push(x));
    await feed(early, [gzipSync(Buffer.concat([Buffer.alloc(60 * 1024, ' '), json]))]);
    expect(found).toEqual([id]);
  });
});

describe('Accept-Encoding sent upstream', () => {
  it('keeps only codings the proxy can decode, and asks for identity when the client said nothing', async () => {
    expect(upstreamAcceptEncoding(undefined)).toBe('identity');
    expect(upstreamAcceptEncoding('gzip, deflate')).toBe('gzip, deflate');
    expect(upstreamAcceptEncoding('zstd')).toBe('identity');
    expect(upstreamAcceptEncoding('gzip;q=1.0, zstd;q=0.9, *;q=0.5')).toBe('gzip;q=1.0, deflate;q=0.5, br;q=0.5');
    expect(upstreamAcceptEncoding('br, *;q=0')).toBe('br, *;q=0');
    const b = await startBackend((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const { url } = await startProxy({ backends: [{ name: 'b', endpoint: b.url }] });
    await send(url, { path: chatPath('x'), body: CHAT, headers: { 'accept-encoding': 'zstd, gzip;q=0.5' } });
    await send(url, { path: chatPath('x'), body: CHAT });
    expect(b.requests.map((r) => r.headers['accept-encoding'])).toEqual(['gzip;q=0.5', 'identity']);
  });
});
