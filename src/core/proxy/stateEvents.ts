/**
 * Turns health changes (announced by backend name) into the proxy's `state`
 * events, which carry a snapshot, at a pace views can use: a status change
 * goes out at once unless that backend had an event in the last 250 ms;
 * anything else (new counters on every response, and status changes inside
 * that window) goes out once at the window's end, with the state of then.
 * Snapshots are built only while someone listens, and at most about four
 * times a second per backend, however busy the pool is.
 */
import type { BackendSnapshot, HealthChange } from '../balancer/health';

export const STATE_EVENT_WINDOW_MS = 250;

export class StateEvents {
  private readonly pending = new Set<string>();
  private readonly lastSent = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Whether anyone listens to `state` now. */
    private readonly listening: () => boolean,
    private readonly snapshot: (name: string, now: number) => BackendSnapshot | undefined,
    private readonly send: (s: BackendSnapshot) => void,
  ) {}

  changed(name: string, what: HealthChange): void {
    if (!this.listening()) return;
    const now = Date.now();
    if (what === 'status' && now - (this.lastSent.get(name) ?? -Infinity) >= STATE_EVENT_WINDOW_MS) {
      this.pending.delete(name);
      this.emit(name, now);
      return;
    }
    this.pending.add(name);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), STATE_EVENT_WINDOW_MS);
      this.timer.unref();
    }
  }

  /** Sends what is pending now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    const names = [...this.pending];
    this.pending.clear();
    for (const name of names) this.emit(name, now);
  }

  /** The proxy closed: nothing more goes out. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.lastSent.clear();
  }

  private emit(name: string, now: number): void {
    const s = this.snapshot(name, now);
    if (!s) return;
    this.lastSent.set(name, now);
    this.send(s);
  }
}
