/**
 * What the pool records about its traffic (bounded in memory whatever the
 * traffic) and the reports built from it: `/_pool/metrics`, `/_pool/requests`
 * and the dashboard.
 */
export { PoolMetrics, MAX_SERIES, RECENT_REQUESTS } from './recorder';
export { metricsReport, type MetricsJson, type BackendJson, type DeploymentJson, type GroupJson, type SeriesJson, type CurrentJson, type TotalsJson, type HistogramJson, type ReportOptions, type ReportBackendConfig } from './report';
export { prometheusText, PROMETHEUS_CONTENT_TYPE } from './prometheus';
export { requestsReport, type RequestsJson } from './requests';
export type { RequestQuery } from './ring';
export { Trace, NOOP_TRACE, type RequestTrace, type TraceCandidate, type ObservedExchange } from './trace';
export { RECORDING } from './enabled';
