/**
 * Typed events from the core. The extension's tree and log subscribe to
 * these; nothing in them is ever a secret.
 */
import { EventEmitter } from 'node:events';
import type { BackendSnapshot, HealthChange } from './balancer/health';
import type { ConfigIssue } from './config/types';
import type { TokenUsage } from './metrics/usage';

export type { TokenUsage } from './metrics/usage';

/**
 * Why a backend did not get (or stopped getting) a request:
 * `disabled` in the config; `credential` (API key missing, signed out, host
 * refused, awaiting approval); `noDeployment` for the alias; resting after a
 * throttle (`cooling`), failures (`ejected`), a refused credential
 * (`misconfigured`) or a 404 DeploymentNotFound (`notFound`); `pinned` (the
 * request's stateful ids live on another backend); and, for candidates never
 * reached, `notNeeded` (an earlier one answered: a lower priority group or
 * the rest of the round), `attemptLimit`, `retryBudget`, `clientGone`.
 */
export type SkipCode =
  | 'disabled' | 'credential' | 'noDeployment' | 'cooling' | 'ejected' | 'misconfigured' | 'notFound' | 'pinned'
  | 'notNeeded' | 'attemptLimit' | 'retryBudget' | 'clientGone'
  /** Quota routing (issue 10): the request does not fit the deployment's quota now. */
  | 'quota';

/**
 * One step of a request's route through the pool, in the order it happened.
 * Only names, numbers and the pool's own reasons: never prompt text or a
 * secret (every string passed the redactor).
 */
export type TimelineEntry =
  /** A backend the request could go to, in the order the balancer considers them (priority group first). */
  | { type: 'candidate'; backend: string; deployment: string | undefined; priority: number; weight: number }
  | { type: 'skip'; backend: string; code: SkipCode; reason: string; until?: number }
  | {
      type: 'attempt';
      /** 1-based. */
      n: number;
      backend: string;
      deployment: string | undefined;
      /** Undefined when no status line came (see `error`). */
      status: number | undefined;
      error: string | undefined;
      /** Until the answer ended (or its status line, when it was not relayed). */
      ms: number;
      /** Until the first body byte reached the client. */
      ttfbMs: number | undefined;
      /** Response body bytes relayed. */
      bytes: number;
      /** The header that decided how long the backend rests after this 429 (`default` when none did). */
      throttle: { header: string; ms: number; until: number } | undefined;
    }
  | { type: 'outcome'; status: number; backend: string | undefined; attempts: number; ms: number; error: string | undefined; summary: string };

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
  /** When the request arrived (epoch ms). */
  at: number;
  /** Sizes only, never content: the request body, and the response body relayed to the client. */
  requestBytes: number;
  responseBytes: number;
  /** The token usage the answer reported, when it carried one. */
  tokens: TokenUsage | undefined;
  /** The route through the pool; empty for requests the pool answered before routing (health, models, refusals). */
  timeline: TimelineEntry[];
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
