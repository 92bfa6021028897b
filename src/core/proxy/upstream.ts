/**
 * One undici Pool per backend origin: keep-alive connections reused across
 * requests, connect timeout per pool, header/body timeouts per request.
 */
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';

export interface UpstreamRequest {
  origin: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal;
  headersTimeout: number;
  bodyTimeout: number;
}

export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
}

export class Upstreams {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly connectTimeout: number) {}

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, {
        connect: { timeout: this.connectTimeout },
        // Coding tools hold many parallel streams; do not queue them behind a small cap.
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  async request(r: UpstreamRequest): Promise<UpstreamResponse> {
    const res = await this.pool(r.origin).request({
      path: r.path,
      method: r.method as Dispatcher.HttpMethod,
      headers: r.headers,
      body: r.body,
      signal: r.signal,
      headersTimeout: r.headersTimeout,
      bodyTimeout: r.bodyTimeout,
    });
    return { statusCode: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: res.body };
  }

  /** Starts one attempt; `handler` (an Exchange) receives the response. */
  dispatch(r: Omit<UpstreamRequest, 'signal'>, handler: Dispatcher.DispatchHandler): void {
    this.pool(r.origin).dispatch({
      path: r.path,
      method: r.method as Dispatcher.HttpMethod,
      headers: r.headers,
      body: r.body,
      headersTimeout: r.headersTimeout,
      bodyTimeout: r.bodyTimeout,
    }, handler);
  }

  /**
   * Hot reload keeps the warm connections of origins still in the pool and
   * closes the others once their requests are done. A request from before the
   * reload that still goes to a removed origin simply opens a new pool for it.
   */
  retain(origins: ReadonlySet<string>): void {
    for (const [origin, p] of this.pools) {
      if (origins.has(origin)) continue;
      this.pools.delete(origin);
      void p.close().catch(() => undefined);
    }
  }

  /**
   * Hot reload with a new connect timeout: stop taking requests and close each connection once its
   * in-flight request is done. No deadline: a generation that streams for ten
   * minutes must not be cut by an edit of the settings, and a silent one is
   * ended by its own idle timeout.
   */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  }

  /** Shutdown: abort everything now. */
  async destroy(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}

/** A short, key-free description of a transport failure. */
export function describeUpstreamError(e: unknown): { kind: 'timeout' | 'connect' | 'reset' | 'aborted' | 'other'; message: string } {
  const err = e as { code?: string; name?: string; message?: string };
  if (e instanceof undiciErrors.HeadersTimeoutError) return { kind: 'timeout', message: 'timed out waiting for response headers' };
  if (e instanceof undiciErrors.BodyTimeoutError) return { kind: 'timeout', message: 'timed out: no data from the backend' };
  if (e instanceof undiciErrors.ConnectTimeoutError) return { kind: 'connect', message: 'connect timed out' };
  if (e instanceof undiciErrors.RequestAbortedError || err?.name === 'AbortError') return { kind: 'aborted', message: 'aborted' };
  switch (err?.code) {
    case 'ECONNREFUSED':
      return { kind: 'connect', message: 'connection refused' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'connect', message: 'host not found' };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return { kind: 'reset', message: 'connection reset by the backend' };
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'connect', message: 'connect timed out' };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { kind: 'timeout', message: 'timed out waiting for response headers' };
    case 'UND_ERR_BODY_TIMEOUT':
      return { kind: 'timeout', message: 'timed out: no data from the backend' };
    default:
      return { kind: 'other', message: err?.code ? `${err.code}` : 'upstream error' };
  }
}

