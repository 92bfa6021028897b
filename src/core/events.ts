/**
 * Typed events from the core. The extension's tree and log subscribe to
 * these; nothing in them is ever a secret.
 */
import { EventEmitter } from 'node:events';
import type { BackendSnapshot, HealthChange } from './balancer/health';
import type { ConfigIssue } from './config/types';

export interface RequestRecord {
  id: string;
  method: string;
  /** The path without the query string. */
  route: string;
  alias: string | undefined;
  backend: string | undefined;
  attempts: number;
  status: number;
  ms: number;
  /** Backends tried before the one that answered, with why each was left. */
  failovers: { backend: string; reason: string }[];
  stream: boolean;
  error: string | undefined;
}

export interface PoolEventMap {
  request: [RequestRecord];
  /**
   * A backend's health changed: its name, and whether its status side
   * (status, reason, rests) or only its counters changed. Free to emit on
   * every response; pull the snapshot (`ProxyServer.snapshots()`) if needed.
   */
  changed: [backend: string, what: HealthChange];
  /**
   * A backend's snapshot after a change: status changes at once, counters at
   * most about four times a second per backend (see proxy/stateEvents.ts).
   */
  state: [BackendSnapshot];
  reload: [{ ok: boolean; errors: ConfigIssue[] }];
  listening: [{ host: string; port: number; url: string }];
  closed: [];
}

export class TypedEmitter<M extends { [K in keyof M]: unknown[] }> {
  private readonly inner = new EventEmitter();

  constructor() {
    // Many tree nodes may listen; don't warn at 11.
    this.inner.setMaxListeners(0);
  }

  on<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): () => void {
    this.inner.on(event, listener as (...args: unknown[]) => void);
    return () => this.inner.off(event, listener as (...args: unknown[]) => void);
  }

  once<K extends keyof M & string>(event: K, listener: (...args: M[K]) => void): void {
    this.inner.once(event, listener as (...args: unknown[]) => void);
  }

  emit<K extends keyof M & string>(event: K, ...args: M[K]): void {
    if (this.inner.listenerCount(event) === 0) return;
    this.inner.emit(event, ...args);
  }

  listenerCount(event: keyof M & string): number {
    return this.inner.listenerCount(event);
  }
}
