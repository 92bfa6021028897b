/**
 * Content codings (RFC 9110 §8.4) the proxy can read. The proxy forwards the
 * client's Accept-Encoding (the SDKs send `gzip, deflate`), so a backend may
 * answer compressed. Bodies the proxy only relays go through byte for byte,
 * compressed or not; the two kinds it reads are decoded here first:
 * - error bodies it masks (small, buffered whole): decoded at once, with a
 *   cap on the decoded size, and sent on as identity;
 * - success bodies it scans for created ids: decoded on the side, as they
 *   stream, only as far as the scan needs (see `CreatedIdScanner`).
 * Upstream, Accept-Encoding is narrowed to the codings below, so a backend
 * that honours it never picks one we could not read (issue 9).
 */
import {
  brotliDecompress, createBrotliDecompress, createGunzip, createInflate, createInflateRaw, gunzip, inflate, inflateRaw,
  constants, type ZlibOptions, type BrotliOptions,
} from 'node:zlib';
import type { Transform } from 'node:stream';

export type Coding = 'gzip' | 'deflate' | 'br';

const READABLE = new Map<string, Coding | 'identity'>([
  ['gzip', 'gzip'], ['x-gzip', 'gzip'], ['deflate', 'deflate'], ['br', 'br'], ['identity', 'identity'],
]);

/**
 * The one coding of a response body: 'identity' when none, undefined when
 * it is one we cannot read (zstd, compress) or several stacked ones.
 */
export function bodyCoding(header: string | string[] | undefined): Coding | 'identity' | undefined {
  if (header === undefined) return 'identity';
  const list = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => s.trim().toLowerCase()).filter((s) => s && s !== 'identity');
  if (list.length === 0) return 'identity';
  if (list.length > 1) return undefined;
  const c = READABLE.get(list[0]!);
  return c === 'identity' ? 'identity' : c;
}

/**
 * The Accept-Encoding sent upstream: the client's preferences, restricted to
 * codings the proxy can decode (`*` becomes those codings). No header, or
 * nothing readable left, asks for identity: RFC 9110 §12.5.3 lets a server
 * pick any coding when the header is absent.
 */
export function upstreamAcceptEncoding(value: string | string[] | undefined): string {
  if (value === undefined) return 'identity';
  const kept: string[] = [];
  const named = new Set<string>();
  const entries = (Array.isArray(value) ? value.join(',') : value).split(',').map((s) => s.trim()).filter(Boolean);
  for (const e of entries) named.add(e.split(';')[0]!.trim().toLowerCase());
  for (const e of entries) {
    const [name, ...params] = e.split(';');
    const coding = name!.trim().toLowerCase();
    const q = params.map((p) => p.trim()).find((p) => /^q=/i.test(p));
    if (READABLE.has(coding)) kept.push(e);
    else if (coding === '*') {
      if (q && /^q=0(\.0*)?$/i.test(q)) kept.push(e); // "nothing else": safe as it is
      else for (const c of ['gzip', 'deflate', 'br']) if (!named.has(c)) kept.push(q ? `${c};${q}` : c);
    }
  }
  return kept.length > 0 ? kept.join(', ') : 'identity';
}

/** A zlib stream ("deflate") or a raw deflate stream, as some servers send: told apart by the zlib header (RFC 1950 §2.2). */
function isZlibWrapped(first: Buffer): boolean {
  return first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
}

// A truncated body (a cap, a broken connection) decodes as far as it goes instead of failing.
const ZLIB: ZlibOptions = { finishFlush: constants.Z_SYNC_FLUSH };
const BROTLI: BrotliOptions = { finishFlush: constants.BROTLI_OPERATION_FLUSH };

/**
 * Decodes a whole buffered body, at most `maxBytes` of output (a small
 * compressed body can expand a thousandfold). Runs on the libuv pool, not on
 * the event loop. Calls back with an error when the body is corrupt or too
 * large decoded.
 */
export function decodeBody(body: Buffer, coding: Coding, maxBytes: number, cb: (err: Error | null, decoded: Buffer) => void): void {
  if (coding === 'gzip') gunzip(body, { ...ZLIB, maxOutputLength: maxBytes }, cb);
  else if (coding === 'br') brotliDecompress(body, { ...BROTLI, maxOutputLength: maxBytes }, cb);
  else if (isZlibWrapped(body)) inflate(body, { ...ZLIB, maxOutputLength: maxBytes }, cb);
  else inflateRaw(body, { ...ZLIB, maxOutputLength: maxBytes }, cb);
}

/** A streaming decoder; `first` is the first chunk it will get (it tells the two kinds of deflate apart). */
export function createDecoder(coding: Coding, first: Buffer): Transform {
  if (coding === 'gzip') return createGunzip(ZLIB);
  if (coding === 'br') return createBrotliDecompress(BROTLI);
  return isZlibWrapped(first) ? createInflate(ZLIB) : createInflateRaw(ZLIB);
}
