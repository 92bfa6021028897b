/**
 * First line of defence for a proxy that spends the user's quota: only local
 * programs may use it. A web page can reach 127.0.0.1 through the browser,
 * either directly (it sends an Origin) or through DNS rebinding (its Host is
 * the attacker's name), so both are refused before anything else happens.
 */
import { LOOPBACK_HOSTS } from '../../config/defaults';
import { sendPoolError } from '../poolErrors';
import type { Stage } from '../context';

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
  if (name.endsWith('.')) name = name.slice(0, -1);
  return LOOPBACK_HOSTS.includes(name) || allowed.some((a) => a.toLowerCase() === name);
}
