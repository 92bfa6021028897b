/**
 * The one timer behind the admission queue (issue 10). The router is pure;
 * this turns its `wait` plans into promises that settle when `poll` decides,
 * with a single timer for the whole pool set to `router.nextWakeAt()`, never
 * one per request.
 *
 * In the attempt loop:
 *
 *   let plan = router.admit(req, targets, Date.now(), tried);
 *   if (plan.kind === 'wait') {
 *     const w = driver.wait(plan.waiter);
 *     ctx.gone.current = w;          // a client that leaves cancels: it leaves the queue
 *     plan = await w.done;           // dispatch | reject | left
 *   }
 *   ... send; router.observe(target, ticket, status, headers, Date.now()); driver.kick();
 */
import type { Waiter } from './admission';
import type { Outcome, QuotaRouter, RouterTarget } from './router';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // The queue never keeps a process alive on its own.
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type WaitResult<T> = Outcome<T> | { kind: 'left' };

export class AdmissionDriver<T extends RouterTarget> {
  private readonly pending = new Map<Waiter<T>, (r: WaitResult<T>) => void>();
  private timer: unknown;
  private timerAt = Infinity;

  constructor(
    readonly router: QuotaRouter<T>,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Waiters not yet settled. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Settles when the router dispatches or refuses the waiter; `cancel` takes it out of the queue. */
  wait(waiter: Waiter<T>): { done: Promise<WaitResult<T>>; cancel(): void } {
    const done = new Promise<WaitResult<T>>((resolve) => this.pending.set(waiter, resolve));
    this.arm();
    return {
      done,
      cancel: () => {
        const resolve = this.pending.get(waiter);
        if (!resolve) return;
        this.pending.delete(waiter);
        this.router.leave(waiter);
        resolve({ kind: 'left' });
        this.arm();
      },
    };
  }

  /**
   * Lets the router decide now and re-arms the timer. Call it after anything
   * that may free capacity early (an answer whose headers raised a limit, a
   * config reload); the timer calls it when windows age out.
   */
  kick(): void {
    for (const { waiter, outcome } of this.router.poll(this.now())) {
      const resolve = this.pending.get(waiter);
      this.pending.delete(waiter);
      if (resolve) resolve(outcome);
      // A dispatch nobody waits for any more spent nothing upstream.
      else if (outcome.kind === 'dispatch') this.router.release(outcome.ticket);
    }
    this.arm();
  }

  /** Stops the timer and refuses everyone still waiting (the pool is closing). */
  close(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const [waiter, resolve] of this.pending) {
      this.router.leave(waiter);
      resolve({ kind: 'reject', reason: 'unavailable', retryAfterMs: undefined });
    }
    this.pending.clear();
  }

  private arm(): void {
    const at = this.router.nextWakeAt();
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (!Number.isFinite(at)) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.kick();
    }, Math.max(0, at - this.now()));
  }
}
