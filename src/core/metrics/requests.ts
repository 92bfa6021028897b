/**
 * `GET /_pool/requests`: the most recent requests with their routing
 * timelines, newest first, and the query parameters that filter them.
 */
import type { RequestRecord } from '../events';
import type { PoolMetrics } from './recorder';
import type { RequestQuery } from './ring';

export interface RequestsJson {
  /** Newest first. */
  requests: RequestRecord[];
  /** Requests recorded since the proxy started (older ones than the ring holds included). */
  total: number;
  /** How many the ring keeps. */
  capacity: number;
}

export function requestsReport(m: PoolMetrics, q: RequestQuery = {}): RequestsJson {
  return { requests: m.requests.list(q), total: m.requests.total, capacity: m.requests.capacity };
}

const PARAMS = ['limit', 'after', 'backend', 'alias', 'status'];

/** Reads `?limit=&after=&backend=&alias=&status=`; a bad value is an error that says which and why. */
export function parseRequestQuery(search: URLSearchParams): { ok: true; query: RequestQuery } | { ok: false; message: string } {
  const q: RequestQuery = {};
  for (const key of search.keys()) {
    if (!PARAMS.includes(key)) return { ok: false, message: `unknown parameter "${key.slice(0, 40)}"; /_pool/requests takes ${PARAMS.join(', ')}` };
  }
  for (const key of ['limit', 'after'] as const) {
    const v = search.get(key);
    if (v === null) continue;
    if (!/^\d{1,15}$/.test(v)) return { ok: false, message: `"${key}" must be a whole number >= 0, got "${v.slice(0, 40)}"` };
    q[key] = Number(v);
  }
  for (const key of ['backend', 'alias'] as const) {
    const v = search.get(key);
    if (v !== null) q[key] = v;
  }
  const status = search.get('status');
  if (status !== null) {
    if (!/^([1-5]\d\d|[1-5]xx|error)$/i.test(status)) return { ok: false, message: `"status" must be a status (429), a class (5xx) or "error", got "${status.slice(0, 40)}"` };
    q.status = status.toLowerCase();
  }
  return { ok: true, query: q };
}
