/**
 * What the quota router (./router.ts) is asked and answers: its targets, a
 * request, the plan for it, and the router's options. Kept apart so that the
 * callers (src/core/proxy/quotaRoute.ts, the tests, the benchmark's replay)
 * and the router share one vocabulary without the router's machinery.
 */
import type { Waiter } from './admission';
import type { QuotaLimits } from './quotaModel';
import { admissionSlackFor } from './slidingWindows';

import type { RoutingMode } from '../config/types';

export type { RoutingMode };

export interface RouterTarget {
  /** Backend name, unique among one request's targets. */
  readonly name: string;
  readonly priority: number;
  readonly weight: number;
  /** The quota this target spends: one per (backend, deployment), e.g. `eastus/gpt-4o-prod`. */
  readonly quotaKey: string;
  /** From health: when the backend can serve at all (ejected, misconfigured); 0 = now. Not 429 cooldowns: the router rests by size. */
  readonly availableAt: number;
  /** Configured capacity (`tpm`/`rpm` of the deployment), when known. */
  readonly limits?: QuotaLimits;
}

export interface RouteRequest {
  alias: string;
  /** Estimated charge (./estimate.ts). */
  charge: number;
  /** Body bytes held while it waits. */
  bytes?: number;
  /** On a failover re-admission: the deadline of the first admission, so the total wait stays bounded. */
  deadline?: number;
}

/** What a dispatch spent; hand it back to `observe` (or `release` if nothing was sent). */
export interface Ticket {
  readonly quotaKey: string;
  readonly charge: number;
  readonly sentAt: number;
}

export type RejectReason =
  /** It would wait longer than `maxWaitMs`. */
  | 'busy'
  | 'queueFull'
  /** Larger than every deployment's minute: it never fits. */
  | 'tooLarge'
  /** No target can take it (all excluded or down). */
  | 'unavailable'
  /** It waited `maxWaitMs` and still did not fit. */
  | 'deadline';

export type Plan<T> =
  | { kind: 'dispatch'; target: T; ticket: Ticket }
  | { kind: 'wait'; waiter: Waiter<T>; until: number }
  | { kind: 'reject'; reason: RejectReason; retryAfterMs: number | undefined };

/** A plan for a waiter after it waited: never `wait` again. */
export type Outcome<T> = Exclude<Plan<T>, { kind: 'wait' }>;

export interface RouterOptions {
  mode?: RoutingMode;
  /** Longest a request waits for quota (default 5000). */
  maxWaitMs?: number;
  maxQueueLength?: number;
  maxQueuedBytes?: number;
  /** Length of a quota minute (default 60000; shorter against a time-scaled simulator). */
  minuteMs?: number;
  /** How late Azure may admit what the pool sends: windows are that much longer (default for a 60 s minute: 100 ms). */
  admissionSlackMs?: number;
  /** Rest after a 429 that names no time (the pool's cooldown.defaultSec). */
  defaultRestMs?: number;
  /** Cap on any throttle header (cooldown.maxSec). */
  maxRestMs?: number;
}

export const ROUTER_DEFAULTS: Required<RouterOptions> = {
  mode: 'quota', maxWaitMs: 5000, maxQueueLength: 1000, maxQueuedBytes: 64 * 2 ** 20, minuteMs: 60_000, admissionSlackMs: admissionSlackFor(60_000), defaultRestMs: 10_000, maxRestMs: 300_000,
};
