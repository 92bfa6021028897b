/**
 * The bounded admission queue (issue 10): requests that fit nowhere now but
 * will soon wait here, in arrival order, instead of being thrown back at the
 * client as a 429 it would retry too early.
 *
 * Bounded three ways: a maximum wait per request (its deadline), a maximum
 * length, and a maximum of body bytes held (the bodies are in memory anyway;
 * this caps how much the queue keeps alive).
 *
 * Order is by when a request was first seen, which is its arrival unless it
 * is the retry of a request the pool refused (./refusals.ts): a retry takes
 * the place it would have had.
 *
 * Fairness is the router's job (./router.ts): the head holds a reservation
 * on the deployment it will fit first, and later requests may only pass it
 * on other deployments (backfilling), so a large request is never starved
 * by a stream of small ones that always fit sooner.
 *
 * Pure data structure: no timers, no promises.
 */

export interface Waiter<T> {
  readonly id: number;
  readonly alias: string;
  readonly charge: number;
  readonly bytes: number;
  readonly arrivedAt: number;
  /** When its first attempt arrived (earlier than `arrivedAt` for a retry of a refused request): its place in line. */
  readonly firstSeen: number;
  /** Past this the request is answered 429 instead of waiting more. */
  readonly deadline: number;
  /** The targets it may go to, as they were when it arrived. */
  readonly targets: readonly T[];
  readonly exclude: ReadonlySet<string> | undefined;
  /** `waiting` while queued; then how it left. */
  state: 'waiting' | 'dispatched' | 'rejected' | 'left';
}

export interface QueueLimits {
  maxLength: number;
  maxBytes: number;
}

export class AdmissionQueue<T> {
  private items: Waiter<T>[] = [];
  private heldBytes = 0;
  private heldTokens = 0;

  constructor(readonly limits: QueueLimits) {}

  get length(): number {
    return this.items.length;
  }

  /** Body bytes held by the waiters. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Sum of the waiters' charges: the work ahead of a newcomer. */
  get tokens(): number {
    return this.heldTokens;
  }

  get head(): Waiter<T> | undefined {
    return this.items[0];
  }

  /** Whether one more waiter of `bytes` stays within the bounds. */
  hasRoom(bytes: number): boolean {
    return this.items.length < this.limits.maxLength && this.heldBytes + bytes <= this.limits.maxBytes;
  }

  /** Adds a waiter in the order of `firstSeen` (after those first seen at the same time). */
  push(w: Waiter<T>): void {
    if (!this.hasRoom(w.bytes)) throw new Error('admission queue is full');
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.firstSeen > w.firstSeen) i--;
    this.items.splice(i, 0, w);
    this.heldBytes += w.bytes;
    this.heldTokens += w.charge;
  }

  /** Takes a waiter out (dispatched, rejected or gone); false when it was not queued. */
  remove(w: Waiter<T>): boolean {
    const i = this.items.indexOf(w);
    if (i < 0) return false;
    this.items.splice(i, 1);
    this.heldBytes -= w.bytes;
    this.heldTokens -= w.charge;
    return true;
  }

  /** The waiters in line order (a copy: callers remove while iterating). */
  list(): Waiter<T>[] {
    return [...this.items];
  }
}
