/**
 * Buffers the request body so it can be replayed on another backend (POST is
 * not idempotent, so failover needs the exact bytes). Capped: a declared
 * Content-Length over the cap is refused before a byte is read, a chunked
 * body is cut as soon as it crosses it, and a sender that goes quiet is cut
 * after the idle timeout.
 */
import { sendPoolError } from '../poolErrors';
import type { ProxyContext, Stage } from '../context';

export const readBody: Stage = async (ctx) => {
  const { req, res } = ctx;
  const cap = ctx.pool.config.maxRequestBodyBytes;
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (declared !== undefined && Number(declared) > cap) {
    tooLarge(ctx, cap);
    return true;
  }
  if (!chunked && (declared === undefined || declared === '0')) {
    ctx.body = undefined;
    return false;
  }
  const result = await collect(ctx, cap);
  if (result === 'too-large') {
    tooLarge(ctx, cap);
    return true;
  }
  if (result === 'timeout') {
    sendPoolError(res, 'RequestTimeout', { reason: `the request body stalled for ${ctx.pool.config.timeouts.idleMs / 1000} s (timeouts.idleSec)` }, { connection: 'close' });
    req.destroy();
    return true;
  }
  if (result === 'aborted') return true;
  ctx.body = result;
  return false;
};

function tooLarge(ctx: ProxyContext, cap: number): void {
  const mb = Math.round(cap / 1024 / 1024);
  sendPoolError(ctx.res, 'RequestEntityTooLarge', { mb }, { connection: 'close' });
  // Don't read (or wait for) the rest of an oversized upload.
  ctx.res.once('finish', () => ctx.req.destroy());
}

/**
 * Reads the body to its end. Stops at once when the client leaves, including
 * before this stage started listening (`ctx.gone.track` cancels at once
 * then), so the handler never waits on a socket that is gone.
 */
function collect(ctx: ProxyContext, cap: number): Promise<Buffer | 'too-large' | 'timeout' | 'aborted'> {
  const { req } = ctx;
  const idleMs = ctx.pool.config.timeouts.idleMs;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    // Filled in last: track() may cancel at once, before it returns.
    const registration: { untrack?: () => void } = {};
    const timer = setTimeout(onIdle, idleMs);
    function done(v: Buffer | 'too-large' | 'timeout' | 'aborted') {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      registration.untrack?.();
      resolve(v);
    }
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size > cap) {
        req.pause();
        done('too-large');
        return;
      }
      chunks.push(chunk);
      timer.refresh();
    }
    function onEnd() {
      done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    }
    function onIdle() {
      done('timeout');
    }
    function onAbort() {
      done('aborted');
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    registration.untrack = ctx.gone.track({ cancel: onAbort });
  });
}
