/**
 * A retry budget bounded by concurrency, as Envoy's retry budgets are
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto,
 * `RetryBudget`: `budget_percent` 20 %, `min_retry_concurrency` 3): at any
 * moment, at most max(3, 20 % of the requests in flight) requests may be
 * retrying. A pool-wide outage then adds at most that share of load, however
 * long it lasts, while a storm that is over leaves nothing behind: the next
 * request fails over as freely as the first (issue 9; the per-window budget
 * it replaces let an unrelated alias's storm turn the next requests into
 * errors although a healthy backend was one attempt away).
 *
 * A request takes one retry slot at its first retry and keeps it until it
 * ends: its attempts run one after another, so one slot covers them all.
 */
export class RetryBudget {
  private requests = 0;
  private retries = 0;

  constructor(
    private readonly ratio = 0.2,
    private readonly minConcurrency = 3,
  ) {}

  /** A request starts; pair with `end()`. */
  start(): void {
    this.requests++;
  }

  /** A request ends; `retried` says whether it held a retry slot. */
  end(retried: boolean): void {
    this.requests--;
    if (retried) this.retries--;
  }

  /** Takes a retry slot for a request that has none yet; false when the budget is spent. */
  tryRetry(): boolean {
    if (this.retries >= this.limit()) return false;
    this.retries++;
    return true;
  }

  /** Requests in flight, and how many of them hold a retry slot. */
  get inFlight(): { requests: number; retries: number; limit: number } {
    return { requests: this.requests, retries: this.retries, limit: this.limit() };
  }

  private limit(): number {
    return Math.max(this.minConcurrency, Math.floor(this.requests * this.ratio));
  }
}
