/**
 * First line of defence for a proxy that spends the user's quota: only local
 * programs may use it. A web page can reach 127.0.0.1 through the browser,
 * either directly (it sends an Origin) or through DNS rebinding (its Host is
 * the attacker's name), so both are refused before anything else happens.
 */
import { sendPoolError } from '../poolErrors';
import type { Stage } from '../context';

/**
 * RFC 9112 §6.1: an HTTP/1.0 message carrying Transfer-Encoding has faulty
 * framing (1.0 has no chunked coding; a 1.0 intermediary could frame it by
 * Content-Length, or by the connection's end). Refused, connection closed,
 * before any stage reads the body.
 */
export const guardFraming: Stage = (ctx) => {
  const { req, res } = ctx;
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0 && req.headers['transfer-encoding'] !== undefined) {
    sendPoolError(res, 'InvalidRequest', { reason: 'an HTTP/1.0 request cannot carry Transfer-Encoding (RFC 9112 section 6.1); send HTTP/1.1 or a Content-Length' }, { connection: 'close' });
    // Whatever follows on this connection cannot be framed: do not read it.
    res.once('finish', () => req.socket.destroy());
    return true;
  }
  return false;
};

/** `Host` must name loopback (any port: editor port forwarding may remap it) or an allowed host. */
export const guardHost: Stage = (ctx) => {
  const host = ctx.req.headers.host;
  if (!host || hostCount(ctx.req.rawHeaders) > 1 || !hostAllowed(host, ctx.pool.config.allowedHosts)) {
    sendPoolError(ctx.res, 'HostNotAllowed', undefined);
    return true;
  }
  return false;
};

/** Browsers announce themselves with Origin and Sec-Fetch-Site; no CORS grant is ever given. */
export const guardBrowser: Stage = (ctx) => {
  const h = ctx.req.headers;
  const site = h['sec-fetch-site'];
  if (h.origin !== undefined || (site !== undefined && site !== 'none')) {
    sendPoolError(ctx.res, 'BrowserRequestRefused', undefined);
    return true;
  }
  return false;
};

/** Node keeps the first of duplicate Host headers; a second one is an attack on whoever reads the other. */
function hostCount(raw: string[] | undefined): number {
  let n = 0;
  if (raw) for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') n++;
  return n;
}

/** Loopback as a Host header names it: exactly these (DNS names compare case-insensitively, RFC 9110 §7.2). */
const LOOPBACK_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * True for `127.0.0.1`, `localhost` or `[::1]`, or a name in `allowed`,
 * with or without a port. Nothing else: not `localhost.` (a trailing dot is a
 * different name to a resolver, and to a DNS-rebinding page), not
 * `127.1`, not `0x7f.0.0.1`.
 */
export function hostAllowed(hostHeader: string, allowed: readonly string[]): boolean {
  let name: string;
  if (hostHeader.startsWith('[')) {
    const end = hostHeader.indexOf(']');
    if (end === -1) return false;
    name = hostHeader.slice(0, end + 1);
    const rest = hostHeader.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return false;
  } else {
    const parts = hostHeader.split(':');
    if (parts.length > 2) return false;
    name = parts[0]!;
    if (parts.length === 2 && !/^\d{1,5}$/.test(parts[1]!)) return false;
  }
  name = name.toLowerCase();
  return LOOPBACK_NAMES.includes(name) || allowed.some((a) => a.toLowerCase() === name);
}
