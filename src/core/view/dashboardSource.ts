/**
 * Where the dashboard's numbers come from: the proxy in this window (the same
 * text its /_pool/metrics and /_pool/requests answer), or, when another
 * window or the CLI serves the port, those endpoints over loopback with the
 * client key. Requests are fetched incrementally: only newer than the last.
 */
import { fetchPoolJson } from '../metrics/remote';
import type { ReportOptions } from '../metrics/report';
import type { RequestQuery } from '../metrics/ring';
import type { DashboardState, HostMessage } from './dashboard';
import type { PoolState } from './state';

/** What the dashboard reads from the shell's controller. */
export interface DashboardPool {
  readonly current: PoolState;
  /** The proxy this process runs, if any. */
  readonly proxyServer: { metricsJson(opts: ReportOptions): string; requestsJson(q: RequestQuery): string } | undefined;
  clientKey(): Promise<string>;
}

/** The page keeps at most this many requests; the first update sends as many. */
const REQUESTS = 200;

export class DashboardSource {
  private after = 0;
  private total = 0;
  private owner: unknown;

  constructor(private readonly controller: DashboardPool) {}

  /** The next update sends the whole list again (a new page). */
  reset(): void {
    this.after = 0;
    this.total = 0;
    this.owner = undefined;
  }

  async read(windowSec: number): Promise<Omit<HostMessage, 'type'>> {
    const s = this.controller.current;
    const proxy = this.controller.proxyServer;
    const source: DashboardState['source'] = proxy ? 'local' : s.status === 'elsewhere' && s.url ? 'remote' : 'none';
    const state: DashboardState = { status: s.status, url: s.url, simulated: s.simulated, source };
    // Another proxy (a restart, another window) numbers its requests from 1 again.
    const owner = proxy ?? s.url;
    if (owner !== this.owner) this.reset();
    this.owner = owner;
    const reset = this.after === 0;
    if (source === 'none') return { state, metrics: undefined, requests: undefined, reset, error: undefined };
    const query = { after: this.after, limit: REQUESTS };
    try {
      let metrics: string;
      let requests: string;
      if (proxy) {
        metrics = proxy.metricsJson({ windowSec });
        requests = proxy.requestsJson(query);
      } else {
        const key = await this.controller.clientKey();
        [metrics, requests] = await Promise.all([
          fetchPoolJson(s.url!, '/_pool/metrics', `window=${windowSec}`, key),
          fetchPoolJson(s.url!, '/_pool/requests', `after=${query.after}&limit=${query.limit}`, key),
        ]);
      }
      const r = JSON.parse(requests) as { requests: { id: string }[]; total: number };
      if (r.total < this.total) {
        // The pool behind the URL was replaced: the next update starts the list over.
        this.reset();
        return { state, metrics, requests: undefined, reset: true, error: undefined };
      }
      this.total = r.total;
      if (r.requests.length) this.after = Math.max(this.after, Number(r.requests[0]!.id));
      return { state, metrics, requests, reset, error: undefined };
    } catch (e) {
      return { state, metrics: undefined, requests: undefined, reset, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
