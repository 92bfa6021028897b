/**
 * A retry budget, so a pool-wide outage does not multiply the load on the
 * backends: failover attempts may add at most `ratio` of the recent request
 * volume, plus a small floor so a quiet pool still fails over. The same idea
 * as Envoy's retry budgets and gRPC's retry throttling.
 *
 * Counts live in one-second buckets over the window, so the cost per request
 * is constant however heavy the traffic (issue 6).
 */
export class RetryBudget {
  private readonly requests: number[];
  private readonly retries: number[];
  private readonly seconds: number;
  private bucket = -1;

  constructor(
    private readonly ratio = 0.2,
    private readonly minPerWindow = 10,
    windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.seconds = Math.max(1, Math.round(windowMs / 1000));
    this.requests = new Array<number>(this.seconds).fill(0);
    this.retries = new Array<number>(this.seconds).fill(0);
  }

  recordRequest(): void {
    this.requests[this.advance()]!++;
  }

  /** Spends one retry if the budget allows it. */
  tryRetry(): boolean {
    const i = this.advance();
    let requests = 0;
    let retries = 0;
    for (let k = 0; k < this.seconds; k++) {
      requests += this.requests[k]!;
      retries += this.retries[k]!;
    }
    if (retries >= Math.max(this.minPerWindow, Math.floor(requests * this.ratio))) return false;
    this.retries[i]!++;
    return true;
  }

  /** Moves to the current second's bucket, clearing the ones that fell out of the window. */
  private advance(): number {
    const sec = Math.floor(this.now() / 1000);
    if (sec !== this.bucket) {
      const gap = this.bucket < 0 ? this.seconds : Math.min(this.seconds, sec - this.bucket);
      for (let k = 1; k <= gap; k++) {
        const j = (this.bucket + k) % this.seconds;
        this.requests[j] = 0;
        this.retries[j] = 0;
      }
      this.bucket = sec;
    }
    return sec % this.seconds;
  }
}
