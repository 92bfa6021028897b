/**
 * Header hygiene between the client and a backend. Hop-by-hop headers (RFC
 * 9110 7.6.1) and any header the peer lists in `Connection` belong to one
 * connection and are dropped both ways. Client credentials are dropped so that
 * each upstream receives exactly one credential: its own. Accept-Encoding is
 * narrowed to the codings the proxy can decode (./encoding.ts).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { upstreamAcceptEncoding } from './encoding';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings',
]);

/** Never forwarded upstream: our own client credential, routing and browser state. */
const CLIENT_ONLY = new Set([
  'host', 'content-length', 'api-key', 'authorization', 'x-api-key', 'cookie', 'origin', 'referer',
  'expect', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip',
  'ocp-apim-subscription-key',
]);

/** Never sent back: set-cookie from a backend has no business on our origin. */
const UPSTREAM_ONLY = new Set(['set-cookie', 'strict-transport-security', 'alt-svc']);

function connectionListed(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const s = new Set<string>();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name) s.add(name);
  }
  return s;
}

export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  auth: { header: string; value: string },
  contentLength: number | undefined,
): Record<string, string> {
  const listed = connectionListed(incoming.connection);
  const out: Record<string, string> = {};
  for (const name in incoming) {
    if (HOP_BY_HOP.has(name) || CLIENT_ONLY.has(name) || listed?.has(name)) continue;
    const v = incoming[name];
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  out['accept-encoding'] = upstreamAcceptEncoding(incoming['accept-encoding']);
  out[auth.header] = auth.value;
  if (contentLength !== undefined) out['content-length'] = String(contentLength);
  return out;
}

export function downstreamResponseHeaders(upstream: Record<string, string | string[] | undefined>, backendName: string): OutgoingHttpHeaders {
  const listed = connectionListed(upstream.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) || UPSTREAM_ONLY.has(name) || listed?.has(name)) continue;
    const v = upstream[name];
    if (v !== undefined) out[name] = v;
  }
  // Which backend served is useful when debugging a pool and is not a secret.
  out['x-aoai-pool-backend'] = backendName;
  return out;
}
