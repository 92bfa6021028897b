/**
 * A retry budget, so a pool-wide outage does not multiply the load on the
 * backends: failover attempts may add at most `ratio` of the recent request
 * volume, plus a small floor so a quiet pool still fails over. The same idea
 * as Envoy's retry budgets and gRPC's retry throttling.
 */
export class RetryBudget {
  private requests: number[] = [];
  private retries: number[] = [];

  constructor(
    private readonly ratio = 0.2,
    private readonly minPerWindow = 10,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  recordRequest(): void {
    this.requests.push(this.now());
    this.trim();
  }

  /** Spends one retry if the budget allows it. */
  tryRetry(): boolean {
    this.trim();
    const allowed = Math.max(this.minPerWindow, Math.floor(this.requests.length * this.ratio));
    if (this.retries.length >= allowed) return false;
    this.retries.push(this.now());
    return true;
  }

  private trim(): void {
    const cutoff = this.now() - this.windowMs;
    // Timestamps are pushed in order, so dropping from the front is enough.
    let i = 0;
    while (i < this.requests.length && this.requests[i]! < cutoff) i++;
    if (i) this.requests = this.requests.slice(i);
    let j = 0;
    while (j < this.retries.length && this.retries[j]! < cutoff) j++;
    if (j) this.retries = this.retries.slice(j);
  }
}
