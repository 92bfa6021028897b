/**
 * Streams an upstream response to the client as it arrives. The status line
 * is held back until the first body byte (or the end) is in hand: a backend
 * that resets right after its headers can still be failed over, because the
 * client has seen nothing yet. After that, bytes flow with backpressure, and
 * a break mid-way destroys the client's response (an error, never a clean
 * end with a fake `[DONE]`).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { ProxyContext } from './context';
import { downstreamResponseHeaders } from './headers';
import { abandon, type UpstreamResponse } from './upstream';

export type RelayResult =
  | { kind: 'done' }
  /** Nothing reached the client: the caller may try another backend. */
  | { kind: 'failedBeforeBody'; error: unknown }
  | { kind: 'failedMidStream'; error: unknown }
  | { kind: 'clientGone' };

export async function relay(ctx: ProxyContext, upstream: UpstreamResponse, backendName: string, onFirst?: (first: Buffer) => void): Promise<RelayResult> {
  const { res } = ctx;
  const it = upstream.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await it.next();
  } catch (error) {
    if (ctx.abort.signal.aborted) return { kind: 'clientGone' };
    return { kind: 'failedBeforeBody', error };
  }
  if (res.destroyed) {
    abandon(upstream.body);
    return { kind: 'clientGone' };
  }
  if (!first.done) onFirst?.(first.value);
  if (upstream.statusCode >= 400 && !String(upstream.headers['content-type'] ?? '').includes('event-stream')) {
    return relayError(ctx, upstream, backendName, first, it);
  }
  res.writeHead(upstream.statusCode, downstreamResponseHeaders(upstream.headers, backendName));
  // SSE clients render tokens as they arrive: push the headers out now.
  res.flushHeaders();
  try {
    if (!first.done && !(await write(res, first.value))) return { kind: 'clientGone' };
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      if (!(await write(res, r.value))) {
        abandon(upstream.body);
        return { kind: 'clientGone' };
      }
    }
  } catch (error) {
    if (ctx.abort.signal.aborted || res.destroyed) return { kind: 'clientGone' };
    // Cut the client's connection: a truncated chunked body is an error to
    // every HTTP client, while res.end() would look like success.
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    return { kind: 'failedMidStream', error };
  }
  res.end();
  return { kind: 'done' };
}

/** Writes one chunk, waiting for drain when the client reads slowly. False when the client left. */
async function write(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  const ac = new AbortController();
  try {
    await Promise.race([once(res, 'drain', { signal: ac.signal }), once(res, 'close', { signal: ac.signal })]);
  } catch {
    // one of the two fired; the other was aborted
  } finally {
    ac.abort();
  }
  return !res.destroyed;
}

/** Error bodies are small and rare: read them whole and mask any secret a backend echoed back. */
const MAX_ERROR_BODY = 1024 * 1024;

async function relayError(ctx: ProxyContext, upstream: UpstreamResponse, backendName: string, first: IteratorResult<Buffer>, it: AsyncIterator<Buffer>): Promise<RelayResult> {
  const { res } = ctx;
  const chunks: Buffer[] = first.done ? [] : [first.value];
  let size = chunks[0]?.length ?? 0;
  try {
    for (let r = await it.next(); !r.done; r = await it.next()) {
      size += r.value.length;
      if (size > MAX_ERROR_BODY) {
        abandon(upstream.body);
        break;
      }
      chunks.push(r.value);
    }
  } catch {
    // A broken error body: send what we have.
  }
  if (res.destroyed) return { kind: 'clientGone' };
  const body = Buffer.from(ctx.settings.mask(Buffer.concat(chunks).toString('utf8')), 'utf8');
  const headers = downstreamResponseHeaders(upstream.headers, backendName);
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v === 'string') headers[k] = ctx.settings.mask(v);
  }
  delete headers['content-encoding'];
  headers['content-length'] = body.length;
  res.writeHead(upstream.statusCode, headers);
  res.end(body);
  return { kind: 'done' };
}
