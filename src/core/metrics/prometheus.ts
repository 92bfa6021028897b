/**
 * The metrics report in the Prometheus text exposition format (version
 * 0.0.4: https://prometheus.io/docs/instrumenting/exposition_formats/):
 * counters and histograms since the pool started, gauges for the state.
 * Durations are in seconds, as Prometheus names them.
 */
import type { BackendStatus } from '../balancer/healthTypes';
import type { HistogramJson, MetricsJson, TotalsJson } from './report';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

const OUTCOMES: [keyof TotalsJson, string][] = [
  ['ok', 'ok'], ['throttled', 'throttled'], ['clientErrors', 'client_error'], ['serverErrors', 'server_error'], ['transportErrors', 'transport_error'],
];
/** Every state a backend can be in (a record, so a new state cannot be left out of the gauge). */
const STATUS_SET: Record<BackendStatus, true> = {
  healthy: true, unknown: true, cooling: true, unhealthy: true, misconfigured: true, signedOut: true, keyMissing: true,
  hostRefused: true, awaitingApproval: true, disabled: true,
};
const STATUSES = Object.keys(STATUS_SET) as BackendStatus[];

export function prometheusText(m: MetricsJson): string {
  const w = new Writer();
  const deployments = m.backends.flatMap((b) => b.deployments.map((d) => ({ labels: { backend: b.name, deployment: d.deployment }, d })));

  w.family('aoai_pool_requests_total', 'counter', 'Requests the pool answered, by what the client got.');
  for (const [key, outcome] of OUTCOMES) w.sample('aoai_pool_requests_total', { outcome }, m.pool.totals[key] as number);
  w.histogram('aoai_pool_request_duration_seconds', 'Whole request, as the client saw it.', [{ labels: {}, h: m.pool.totals.latency }], m.latencyBoundsMs);
  w.histogram('aoai_pool_request_first_byte_seconds', 'Until the first response body byte reached the client (time to first token for streams).', [{ labels: {}, h: m.pool.totals.ttfb }], m.latencyBoundsMs);
  w.family('aoai_pool_tokens_total', 'counter', 'Tokens the answers reported in their usage.');
  w.sample('aoai_pool_tokens_total', { kind: 'prompt' }, m.pool.totals.promptTokens);
  w.sample('aoai_pool_tokens_total', { kind: 'completion' }, m.pool.totals.completionTokens);
  w.sample('aoai_pool_tokens_total', { kind: 'total' }, m.pool.totals.tokens);

  w.family('aoai_pool_upstream_requests_total', 'counter', 'Attempts sent to a backend deployment, by outcome.');
  for (const { labels, d } of deployments) for (const [key, outcome] of OUTCOMES) w.sample('aoai_pool_upstream_requests_total', { ...labels, outcome }, d.totals[key] as number);
  w.histogram('aoai_pool_upstream_duration_seconds', 'One attempt, until its answer ended.', deployments.map(({ labels, d }) => ({ labels, h: d.totals.latency })), m.latencyBoundsMs);
  w.histogram('aoai_pool_upstream_first_byte_seconds', 'One attempt, until its first body byte.', deployments.map(({ labels, d }) => ({ labels, h: d.totals.ttfb })), m.latencyBoundsMs);
  w.family('aoai_pool_upstream_tokens_total', 'counter', 'Tokens a backend deployment reported.');
  for (const { labels, d } of deployments) w.sample('aoai_pool_upstream_tokens_total', labels, d.totals.tokens);
  w.family('aoai_pool_deployment_tokens_per_minute_limit', 'gauge', 'Tokens per minute the deployment allows (x-ratelimit-limit-tokens, or the configured tpm).');
  for (const { labels, d } of deployments) if (d.limit.tokensPerMin !== null) w.sample('aoai_pool_deployment_tokens_per_minute_limit', { ...labels, source: d.limit.source }, d.limit.tokensPerMin);
  w.family('aoai_pool_deployment_tokens_per_minute_used', 'gauge', 'The rolling minute\'s tokens as the deployment last reported them (limit - remaining).');
  for (const { labels, d } of deployments) if (d.usedTokensPerMin !== null) w.sample('aoai_pool_deployment_tokens_per_minute_used', labels, d.usedTokensPerMin);

  w.family('aoai_pool_backend_status', 'gauge', '1 for the state each backend is in.');
  for (const b of m.backends) for (const s of STATUSES) if (b.status !== 'other') w.sample('aoai_pool_backend_status', { backend: b.name, status: s }, b.status === s ? 1 : 0);
  w.family('aoai_pool_backend_rest_seconds', 'gauge', 'Seconds until a cooling or ejected backend takes traffic again.');
  for (const b of m.backends) w.sample('aoai_pool_backend_rest_seconds', { backend: b.name }, Math.max(0, Math.max(b.cooldownUntil, b.ejectedUntil) - m.now) / 1000);
  return w.text();
}

class Writer {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Labels, value: number): void {
    this.lines.push(`${name}${labelText(labels)} ${Number.isFinite(value) ? String(value) : 'NaN'}`);
  }

  histogram(name: string, help: string, items: { labels: Labels; h: HistogramJson }[], boundsMs: readonly number[]): void {
    this.family(name, 'histogram', help);
    for (const { labels, h } of items) {
      let cumulative = 0;
      boundsMs.forEach((b, i) => {
        cumulative += h.bins[i] ?? 0;
        this.sample(`${name}_bucket`, { ...labels, le: String(b / 1000) }, cumulative);
      });
      this.sample(`${name}_bucket`, { ...labels, le: '+Inf' }, h.count);
      this.sample(`${name}_sum`, labels, h.sumMs / 1000);
      this.sample(`${name}_count`, labels, h.count);
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
