/**
 * The state one request carries through the pipeline. Stages read what the
 * earlier ones filled in; a stage that answers the request returns `true`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestRecord } from '../events';
import type { PoolRuntime } from './pool';
import type { Route } from './routes';
import type { StickyMap } from './sticky';
import type { RetryBudget } from '../balancer/retryBudget';
import type { PoolMetrics } from '../metrics/recorder';
import type { RequestTrace } from '../metrics/trace';

export interface ProxySettings {
  /** The key clients must present; compared in constant time. */
  clientKey: string;
  /** Outlive config reloads: which backend holds which stateful id, and the retry budget. */
  sticky: StickyMap;
  retryBudget: RetryBudget;
  /** Masks every secret the proxy knows (keys, tokens, the client key). */
  mask: (text: string) => string;
  /** Traffic series and recent requests; outlive config reloads like the sticky map. */
  metrics: PoolMetrics;
}

export interface ProxyContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly pool: PoolRuntime;
  readonly settings: ProxySettings;
  /** Set when the client goes away before the response is complete. */
  readonly gone: ClientGone;
  readonly record: RequestRecord;
  /** Routing code reports candidates, skips and attempts here: one call per event (see metrics/trace.ts). */
  readonly trace: RequestTrace;
  readonly startedAt: number;
  route?: Route;
  body?: Buffer;
  /** The parsed JSON body, when a stage needed it. */
  json?: Record<string, unknown>;
  /** Model alias from the path, the JSON body or the multipart form. */
  alias?: string;
  /** How to put the backend's deployment name into the body, if the alias lives there. */
  rewriteBody?: (deployment: string) => Buffer;
  /** Stateful ids the request refers to (`previous_response_id`, file ids, ...). */
  stateIds?: string[];
  /** The request asked for a stream (`"stream": true`): shorter header timeout. */
  stream: boolean;
}

export type Stage = (ctx: ProxyContext) => boolean | Promise<boolean>;

/**
 * The client left before its response was complete. Lighter than an
 * AbortController (no EventTarget per request): one flag and the attempt in
 * flight to cancel.
 */
export class ClientGone {
  aborted = false;
  current: { cancel(): void } | undefined;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.current?.cancel();
  }
}
