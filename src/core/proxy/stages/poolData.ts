/**
 * `GET /_pool/requests` and `GET /_pool/metrics`: what the pool recorded,
 * for the CLI, scripts, Prometheus and the dashboard. They reveal usage, so
 * they come after the client key check (and, like everything, after the
 * Host and Origin guards). The output passes the redactor as a whole.
 */
import { sendJson } from '../http';
import { sendPoolError } from '../poolErrors';
import { metricsReport, type ReportOptions } from '../../metrics/report';
import { prometheusText, PROMETHEUS_CONTENT_TYPE } from '../../metrics/prometheus';
import { parseRequestQuery, requestsReport } from '../../metrics/requests';
import type { PoolMetrics } from '../../metrics/recorder';
import type { RequestQuery } from '../../metrics/ring';
import type { PoolRuntime } from '../pool';
import { refuseUnlessGet } from './route';
import type { ProxyContext, Stage } from '../context';

/** The body of `GET /_pool/requests`, masked; the dashboard of the window that runs the proxy posts the same text. */
export function requestsText(metrics: PoolMetrics, q: RequestQuery, mask: (t: string) => string): string {
  return mask(JSON.stringify(requestsReport(metrics, q)));
}

/** The body of `GET /_pool/metrics` (JSON), masked. */
export function metricsText(metrics: PoolMetrics, pool: PoolRuntime, opts: ReportOptions, mask: (t: string) => string): string {
  return mask(JSON.stringify(metricsReport(metrics, pool.snapshots(), pool.config.backends, Date.now(), opts)));
}

export const serveRequests: Stage = (ctx) => {
  if (ctx.route?.kind !== 'pool' || ctx.route.what !== 'requests') return false;
  if (refuseUnlessGet(ctx, 'use GET /_pool/requests')) return true;
  const q = parseRequestQuery(new URLSearchParams(ctx.route.query));
  if (!q.ok) {
    sendPoolError(ctx.res, 'InvalidPoolQuery', { reason: q.message });
    return true;
  }
  sendJson(ctx.res, 200, requestsText(ctx.settings.metrics, q.query, ctx.settings.mask));
  return true;
};

const METRIC_PARAMS = ['format', 'window'];

export const serveMetrics: Stage = (ctx) => {
  if (ctx.route?.kind !== 'pool' || ctx.route.what !== 'metrics') return false;
  if (refuseUnlessGet(ctx, 'use GET /_pool/metrics')) return true;
  const params = new URLSearchParams(ctx.route.query);
  const problem = metricsQueryProblem(params);
  if (problem) {
    sendPoolError(ctx.res, 'InvalidPoolQuery', { reason: problem });
    return true;
  }
  const { metrics, mask } = ctx.settings;
  if (wantsPrometheus(ctx, params.get('format'))) {
    const text = mask(prometheusText(metricsReport(metrics, ctx.pool.snapshots(), ctx.pool.config.backends, Date.now(), { windowSec: 0 })));
    ctx.res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    ctx.res.end(text);
    return true;
  }
  const window = params.get('window');
  sendJson(ctx.res, 200, metricsText(metrics, ctx.pool, { windowSec: window === null ? undefined : Number(window) }, mask));
  return true;
};

function metricsQueryProblem(params: URLSearchParams): string | undefined {
  for (const key of params.keys()) {
    if (!METRIC_PARAMS.includes(key)) return `unknown parameter "${key.slice(0, 40)}"; /_pool/metrics takes ${METRIC_PARAMS.join(', ')}`;
  }
  const format = params.get('format');
  if (format !== null && format !== 'json' && format !== 'prometheus') return `"format" must be "json" or "prometheus", got "${format.slice(0, 40)}"`;
  const window = params.get('window');
  if (window !== null && (!/^\d{1,4}$/.test(window) || Number(window) > 900)) return `"window" must be the seconds of series to include, 0 to 900, got "${window.slice(0, 40)}"`;
  return undefined;
}

/** `?format=` decides; otherwise an Accept that names text/plain (Prometheus scrapers do) before JSON. */
function wantsPrometheus(ctx: ProxyContext, format: string | null): boolean {
  if (format !== null) return format === 'prometheus';
  const accept = String(ctx.req.headers.accept ?? '').toLowerCase();
  const text = Math.max(accept.indexOf('text/plain'), accept.indexOf('openmetrics'));
  const json = accept.indexOf('application/json');
  return text !== -1 && (json === -1 || text < json);
}
