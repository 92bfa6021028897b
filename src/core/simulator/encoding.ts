/**
 * Response compression, as a real HTTP server does it when a backend is
 * started with `compress`: the coding is chosen from the request's
 * Accept-Encoding (RFC 9110 §12.5.3: q-values, `*`, `q=0` refusals), and
 * the body, error bodies and event streams included, goes out in it with
 * `Content-Encoding` and `Vary: Accept-Encoding` (§8.4, §12.5.5). Nothing
 * acceptable, or no Accept-Encoding at all: identity. The official SDKs
 * send `Accept-Encoding: gzip, deflate` (httpx's default in openai-python),
 * so a pool in front of a compressing server sees compressed answers.
 */
import type { ServerResponse } from 'node:http';
import {
  brotliCompressSync, createBrotliCompress, createDeflate, createGzip, deflateSync, gzipSync, type BrotliCompress, type Deflate, type Gzip,
} from 'node:zlib';

export type SimCoding = 'gzip' | 'deflate' | 'br';

export const SIM_CODINGS: readonly SimCoding[] = ['gzip', 'br', 'deflate'];

/**
 * The coding to answer in: the acceptable one with the highest q, ties broken
 * by `offered` order (the server's preference). Undefined means identity.
 */
export function negotiateEncoding(acceptEncoding: string | string[] | undefined, offered: readonly SimCoding[]): SimCoding | undefined {
  if (acceptEncoding === undefined) return undefined;
  const q = new Map<string, number>();
  for (const part of (Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding).split(',')) {
    const [name, ...params] = part.split(';');
    const coding = name!.trim().toLowerCase();
    if (!coding) continue;
    const qParam = params.map((p) => p.trim()).find((p) => /^q=/i.test(p));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(coding === 'x-gzip' ? 'gzip' : coding, Number.isFinite(value) ? value : 0);
  }
  let best: SimCoding | undefined;
  let bestQ = 0;
  for (const c of offered) {
    const v = q.get(c) ?? q.get('*') ?? 0;
    if (v > bestQ) {
      best = c;
      bestQ = v;
    }
  }
  return best;
}

/** The coding negotiated for each response in flight (set once, before anything is written). */
const chosen = new WeakMap<ServerResponse, SimCoding>();

export function setResponseEncoding(res: ServerResponse, coding: SimCoding): void {
  chosen.set(res, coding);
}

export function responseEncoding(res: ServerResponse): SimCoding | undefined {
  return chosen.get(res);
}

/** Encodes a whole body. */
export function encodeBody(coding: SimCoding, body: Buffer): Buffer {
  if (coding === 'gzip') return gzipSync(body);
  if (coding === 'br') return brotliCompressSync(body);
  return deflateSync(body);
}

/** A streaming encoder for an event stream; `flush()` after each event sends it at once. */
export function createEncoder(coding: SimCoding): Gzip | Deflate | BrotliCompress {
  if (coding === 'gzip') return createGzip();
  if (coding === 'br') return createBrotliCompress();
  return createDeflate();
}

/** Headers of an encoded answer: the coding, the Vary that caches need, and no stale length. */
export function encodedHeaders(headers: Record<string, string>, coding: SimCoding): Record<string, string> {
  const out: Record<string, string> = { ...headers, 'content-encoding': coding, vary: 'accept-encoding' };
  delete out['content-length'];
  return out;
}
