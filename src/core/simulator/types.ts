import type { IncomingHttpHeaders } from 'node:http';

/** Which response header(s) carry the wait of a simulated 429. */
export type RetryHeaderMode =
  | 'retry-after'
  | 'retry-after-ms'
  | 'x-ms-retry-after-ms'
  | 'x-ratelimit-reset-requests'
  | 'x-ratelimit-reset-tokens'
  | 'all'
  | 'none';

export const RETRY_HEADER_MODES: readonly RetryHeaderMode[] = [
  'retry-after', 'retry-after-ms', 'x-ms-retry-after-ms', 'x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens', 'all', 'none',
];

/**
 * Faults a simulated backend injects. Shares are 0..1 and are drawn from one
 * random number per request in this order: reset, hang, 5xx, 429 — so
 * `{rate429: 0.5, rate5xx: 0.5}` fails every request, half each way. They
 * apply after auth and routing checks, to every data-plane route including
 * /models, so a health probe sees the same outage as traffic does.
 */
export interface Faults {
  /** Added before the response headers of every data-plane request. */
  latencyMs?: number;
  /** Share of requests answered 429. */
  rate429?: number;
  /** Wait advertised by throttle headers of 429s (default 2000). */
  retryAfterMs?: number;
  /** Which header(s) carry it (default 'all': Retry-After in whole seconds rounded up, retry-after-ms, x-ms-retry-after-ms). */
  retryHeader?: RetryHeaderMode;
  /** Share of requests answered with `status5xx`. */
  rate5xx?: number;
  /** Status of the 5xx fault (default 500). */
  status5xx?: number;
  /** Share of requests never answered: the socket stays open until the client gives up or the server closes. */
  hangRate?: number;
  /** Share of requests whose socket is destroyed before any response byte. */
  resetBeforeHeadersRate?: number;
  /** Share of streaming responses whose socket is destroyed after about half of the content chunks. */
  midStreamResetRate?: number;
  /** Delay between SSE chunks (default 5). */
  chunkDelayMs?: number;
  /** Content chunks in a stream, and pieces of a non-streamed reply (default 8). */
  chunks?: number;
}

export interface SimBackendOptions {
  name: string;
  /** Default: 32 random hex chars. Sent as `api-key`. */
  apiKey?: string;
  /** Accept `Authorization: Bearer <anything non-empty>` as an Entra stand-in (default true). */
  acceptBearer?: boolean;
  /**
   * Bearer tokens are valid but their principal has no data-plane role: 403
   * PermissionDenied, as Azure answers an Entra caller without "Cognitive
   * Services OpenAI User" (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/role-based-access-control).
   */
  bearerWithoutRole?: boolean;
  /** Default 0: a free port. */
  port?: number;
  /** Undefined: any deployment name exists. Otherwise others get 404 DeploymentNotFound. */
  deployments?: string[];
  faults?: Faults;
  /**
   * Tokens-per-minute limit of each deployment (default 120000), charged and
   * reported the way Azure does (see ./quota.ts).
   */
  tokensPerMinute?: number;
  /** Requests-per-minute limit of each deployment (default 6 per 1000 TPM, i.e. 720). */
  requestsPerMinute?: number;
  /** Limits of single deployments, by deployment name; the rest use the two above. */
  quotas?: Record<string, { tokensPerMinute?: number; requestsPerMinute?: number }>;
  /**
   * Refuse with 429 what does not fit the deployment's quota, as Azure does
   * (default false: the headers count down but nothing is refused, so long
   * test runs never trip over a quota they did not ask for).
   */
  enforceLimits?: boolean;
  /** A simulated minute lasts 60000 / timeScale ms; every quota period shrinks alike (default 1). */
  timeScale?: number;
  /** Completion allowance charged when a request names no max_tokens (default 4096). */
  defaultMaxTokens?: number;
  /**
   * Compress answers the way a real HTTP server does when the request's
   * Accept-Encoding allows it (default false: identity always). `true` offers
   * gzip, br and deflate in that order of preference; a list offers those.
   */
  compress?: boolean | readonly ('gzip' | 'deflate' | 'br')[];
  /** Source of randomness for fault shares (default Math.random); inject for reproducible runs. */
  random?: () => number;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** UTF-8, truncated to 64 KiB. */
  body: string;
  at: number;
  /**
   * Set when the response's connection closes: `complete` is false when the
   * client (the proxy) went away before the answer ended, e.g. a cancelled
   * stream. Lets a test prove an upstream request was really aborted.
   */
  closed?: { at: number; complete: boolean };
}

export interface SimStats {
  total: number;
  /** Answers by status; 0 counts sockets reset before headers, -1 requests left hanging. */
  byStatus: Record<number, number>;
}

/** One queued `failNext` entry. */
export interface FailSpec {
  status: number;
  headers?: Record<string, string>;
}
