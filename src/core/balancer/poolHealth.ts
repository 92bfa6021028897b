/**
 * The one owner of the pool's health: a BackendHealth per backend, kept
 * across config reloads for backends whose endpoint and auth did not change
 * (requests and probes still in flight on the old config report into the same
 * objects, so nothing they learn is lost), and one `changed` event per change,
 * carrying only the backend's name and what kind of change it was. Views pull
 * snapshots when they want them.
 */
import type { BackendConfig } from '../config/types';
import { TypedEmitter } from '../events';
import { BackendHealth, type BackendSnapshot, type HealthChange } from './health';

export interface PoolHealthEvents {
  changed: [name: string, what: HealthChange];
}

export class PoolHealth extends TypedEmitter<PoolHealthEvents> {
  private byName = new Map<string, BackendHealth>();

  private readonly notify = (h: BackendHealth, what: HealthChange): void => {
    // A backend a reload removed may still hear from a request in flight: nobody shows it any more.
    if (this.byName.get(h.name) === h) this.emit('changed', h.name, what);
  };

  /** Adopts a new config: same name, endpoint and auth keep their state; others start unknown. */
  reconcile(backends: readonly BackendConfig[]): void {
    const next = new Map<string, BackendHealth>();
    for (const b of backends) {
      const old = this.byName.get(b.name);
      if (old && old.config.endpoint === b.endpoint && old.config.auth === b.auth) {
        old.reconfigure(b);
        next.set(b.name, old);
      } else {
        next.set(b.name, new BackendHealth(b, this.notify));
      }
    }
    this.byName = next;
  }

  get(name: string): BackendHealth | undefined {
    return this.byName.get(name);
  }

  values(): IterableIterator<BackendHealth> {
    return this.byName.values();
  }

  snapshot(name: string, now = Date.now()): BackendSnapshot | undefined {
    return this.byName.get(name)?.snapshot(now);
  }

  /** Every backend, in config order. */
  snapshots(now = Date.now()): BackendSnapshot[] {
    return [...this.byName.values()].map((h) => h.snapshot(now));
  }
}
