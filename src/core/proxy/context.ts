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

/** Work a request started that must stop when its client leaves: an upstream attempt, a body read, a wait. */
export interface Cancellable {
  cancel(): void;
}

const LEFT = Symbol.for('aoai-pool.clientLeft');

/** Rejection of `ClientGone.race`: the client left while the request waited. Not an error of the proxy. */
export class ClientLeftError extends Error {
  readonly [LEFT] = true;
  constructor() {
    super('client disconnected');
    this.name = 'ClientLeftError';
  }
}

/** Brand check (the extension and the CLI bundle each carry a copy of the core). */
export function isClientLeft(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[LEFT] === true;
}

const noop = (): void => undefined;

/**
 * The client left before its response was complete. Lighter than an
 * AbortController (no EventTarget per request): a flag and the work to
 * cancel, kept in a list made only when something registers.
 *
 * Whatever registers after the client left is cancelled at once (issue 9:
 * an upstream request started after a disconnect during a token fetch used to
 * stay paused forever and its handler never finished). So any attempt loop,
 * however it interleaves its awaits, cannot outlive the client: it either
 * sees `aborted`, or registers and is cancelled, or awaits through `race`.
 */
export class ClientGone {
  private gone = false;
  private tracked: Cancellable[] | undefined;
  private cur: Cancellable | undefined;

  get aborted(): boolean {
    return this.gone;
  }

  /** Cancels `c` when the client leaves, or now if it already has. Returns the function that unregisters it. */
  track(c: Cancellable): () => void {
    if (this.gone) {
      c.cancel();
      return noop;
    }
    const list = (this.tracked ??= []);
    list.push(c);
    return () => {
      const i = list.indexOf(c);
      if (i !== -1) list.splice(i, 1);
    };
  }

  /**
   * The upstream attempt in flight. Every attempt ever set stays registered
   * until the request ends, so one held for later (a 429 kept in case nothing
   * better comes) is cancelled too; setting one after the client left
   * cancels it at once.
   */
  get current(): Cancellable | undefined {
    return this.cur;
  }

  set current(c: Cancellable | undefined) {
    this.cur = c;
    if (c && !this.tracked?.includes(c)) this.track(c);
  }

  /**
   * Awaits `p` unless the client leaves first: then rejects with
   * `ClientLeftError` at once, without waiting for `p` (a slow Entra token
   * must not keep a handler alive after its client is gone).
   */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.gone) {
      p.catch(noop);
      return Promise.reject(new ClientLeftError());
    }
    return new Promise<T>((resolve, reject) => {
      const untrack = this.track({ cancel: () => reject(new ClientLeftError()) });
      p.then((v) => {
        untrack();
        resolve(v);
      }, (e: unknown) => {
        untrack();
        reject(e);
      });
    });
  }

  abort(): void {
    if (this.gone) return;
    this.gone = true;
    const list = this.tracked;
    this.tracked = undefined;
    if (list) for (const c of list) c.cancel();
  }
}
