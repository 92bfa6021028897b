import type { CooldownConfig, HealthProbeConfig, QueueConfig, RoutingMode, TimeoutConfig } from './types';

export const DEFAULT_PORT = 8787;
/** The API the APIM generator creates when `apim.apiName` is unset; the extension's prompt offers the same (issue 13, item 6). */
export const DEFAULT_APIM_API_NAME = 'aoai-pool';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Audio transcription uploads go up to 25 MB; leave room for multipart overhead. */
export const DEFAULT_MAX_REQUEST_BODY_MB = 64;

export const DEFAULT_TIMEOUTS: TimeoutConfig = {
  connectMs: 10_000,
  // A non-streaming completion sends headers only after the whole generation:
  // minutes for long outputs (issue 5, "long generations are not cut").
  headersMs: 600_000,
  streamHeadersMs: 120_000,
  idleMs: 120_000,
  // A whole request, headers and body, arrives within this (issue 9): a
  // client trickling one byte every few seconds is cut instead of holding a
  // connection and a buffer for as long as it likes.
  requestMs: 60_000,
};

export const DEFAULT_HEALTH_PROBE: HealthProbeConfig = {
  intervalSec: 30,
  // GA data-plane version that has GET /openai/models.
  apiVersion: '2024-10-21',
};

export const DEFAULT_COOLDOWN: CooldownConfig = {
  defaultSec: 10,
  maxSec: 300,
};

export const DEFAULT_ROUTING: RoutingMode = 'quota';

/**
 * A few seconds: long enough for a 10 s token window to free room for most
 * requests, short enough that a client (whose SDK waits 60 s or more) is
 * never left hanging; past it the pool answers 429 with a true retry time.
 */
export const DEFAULT_QUEUE: QueueConfig = {
  maxWaitMs: 5000,
  maxLength: 1000,
  maxMB: 64,
};

export const DEFAULT_QUOTA_MINUTE_MS = 60_000;

/** Loopback names the proxy answers to; any other Host is refused (DNS rebinding). */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1', '[::1]'];

/** `AOAI_POOL_KEY_<NAME>`: upper-cased, non-alphanumerics as `_`. */
export function defaultApiKeyEnv(backendName: string): string {
  return `AOAI_POOL_KEY_${backendName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
