/**
 * Several VS Code windows, one pool (issue 13). Only one extension host can
 * own the port; the others follow it: they read the owner's `/_pool/health`
 * about once a second to show its live tree, and when the owner goes away
 * (its window closed or reloaded) they notice and one of them takes the port
 * over. Which one is decided by the OS: the first `listen` wins, the others
 * get EADDRINUSE and follow the winner.
 *
 * The follower sends only the pool's client key, and only to 127.0.0.1
 * (`fetchPoolJson` refuses anything else); `/_pool/health` holds no secret.
 */
import type { BackendSnapshot } from '../balancer/healthTypes';
import { isPoolError } from '../errors';
import { fetchPoolJson } from '../metrics/remote';

export interface PeerHealth {
  healthy: number;
  total: number;
  backends: BackendSnapshot[];
}

/**
 * What answers on the port: `ours` (an AOAI Pool that takes our client key),
 * `gone` (nothing listens: the owner went away), `foreign` (something else
 * answers, or a pool with another key, such as the CLI's), `unreachable` (no
 * answer in time: a busy owner is not a dead one, so nobody takes over).
 */
export type PeerProbe =
  | { kind: 'ours'; health: PeerHealth; body: string }
  | { kind: 'gone'; reason: string }
  | { kind: 'foreign'; reason: string }
  | { kind: 'unreachable'; reason: string };

const STRING_FIELDS = ['name', 'endpoint', 'status', 'auth'] as const;
const NUMBER_FIELDS = ['priority', 'weight', 'cooldownUntil', 'ejectedUntil', 'requests', 'failures', 'throttled'] as const;

/** The owner's `/_pool/health` body as snapshots, or undefined when it is not an AOAI Pool's. */
export function parsePeerHealth(body: string): PeerHealth | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(j) || typeof j.healthy !== 'number' || typeof j.total !== 'number' || !Array.isArray(j.backends)) return undefined;
  const backends: BackendSnapshot[] = [];
  for (const b of j.backends as unknown[]) {
    if (!isObject(b) || typeof b.enabled !== 'boolean' || !Array.isArray(b.deployments)) return undefined;
    if (STRING_FIELDS.some((k) => typeof b[k] !== 'string')) return undefined;
    // JSON turns Infinity into null: a rest without end stays one.
    for (const k of NUMBER_FIELDS) if (b[k] === null) b[k] = Infinity;
    if (NUMBER_FIELDS.some((k) => typeof b[k] !== 'number')) return undefined;
    if (!(b.deployments as unknown[]).every((d) => isObject(d) && typeof d.alias === 'string' && typeof d.status === 'string')) return undefined;
    for (const d of b.deployments as Record<string, unknown>[]) if (typeof d.cooldownUntil !== 'number') d.cooldownUntil = d.cooldownUntil === null ? Infinity : 0;
    backends.push(b as unknown as BackendSnapshot);
  }
  return { healthy: j.healthy, total: j.total, backends };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classifies a failed read: the socket's error code says whether anybody listens. */
function failure(e: unknown): PeerProbe {
  const err = e as { code?: string; status?: number; message?: string };
  const reason = String(err?.message ?? e);
  if (err?.code === 'ECONNREFUSED') return { kind: 'gone', reason: 'nothing listens on the port' };
  if (typeof err?.status === 'number') return { kind: 'foreign', reason };
  return { kind: 'unreachable', reason };
}

/**
 * Who serves the port. `verifyKey` also checks that the pool takes our client
 * key, through `/_pool/requests?limit=1`: authenticated, and unlike
 * `/v1/models` it does not show up in the owner's request list.
 */
export async function probePeer(port: number, clientKey: string, opts: { verifyKey?: boolean; timeoutMs?: number } = {}): Promise<PeerProbe> {
  const base = `http://127.0.0.1:${port}`;
  const timeoutMs = opts.timeoutMs ?? 2_000;
  let body: string;
  try {
    body = await fetchPoolJson(base, '/_pool/health', '', clientKey, timeoutMs);
  } catch (e) {
    return failure(e);
  }
  const health = parsePeerHealth(body);
  if (!health) return { kind: 'foreign', reason: `what answers ${base}/_pool/health is not an AOAI Pool` };
  if (opts.verifyKey !== false) {
    try {
      await fetchPoolJson(base, '/_pool/requests', 'limit=1', clientKey, timeoutMs);
    } catch (e) {
      const f = failure(e);
      if (f.kind === 'foreign') return { kind: 'foreign', reason: `the AOAI Pool on ${base} does not take this window's client key (the CLI's, or another install's)` };
      return f;
    }
  }
  return { kind: 'ours', health, body };
}

/**
 * Whether a start failed only because an AOAI Pool of this install (another
 * VS Code window: it takes our client key, shared through SecretStorage)
 * holds the port. Then the caller follows that pool instead of reporting an
 * error: after a first start, and after a lost takeover race alike. A CLI
 * pool has another key: no.
 */
export async function heldByPeer(error: unknown, port: number | undefined, clientKey: () => string | Promise<string>): Promise<boolean> {
  if (!isPoolError(error, 'PortInUse') || !port) return false;
  return (await probePeer(port, await clientKey())).kind === 'ours';
}

export interface FollowerOptions {
  port: number;
  /** Read at each key check: another window may have replaced the key. */
  clientKey: () => string | Promise<string>;
  /** The owner's health changed (called only when its body differs from the last one). */
  onHealth: (health: PeerHealth) => void;
  /**
   * The owner is gone (or something else took the port), seen twice with a
   * random pause between: the caller may try to take over. Polling has stopped.
   */
  onGone: (reason: string) => void;
  /** Default 1000 ms. */
  intervalMs?: number;
  /** The key is checked at first contact, after any miss, and then this often. Default 10 s. */
  verifyKeyEveryMs?: number;
  /**
   * The pause before the second look, random in [min, max] ms. It keeps an
   * owner's own restart (a few ms without a listener) from being taken for
   * its end, and spreads the followers that race for the port. Default 300-1500.
   */
  confirmMs?: readonly [number, number];
  random?: () => number;
}

/** Polls the owner until stopped or until it is gone. Never throws. */
export class PeerFollower {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastBody: string | undefined;
  private lastVerified = 0;
  private latestHealth: PeerHealth | undefined;

  constructor(private readonly opts: FollowerOptions) {}

  /** The last health read from the owner. */
  get health(): PeerHealth | undefined {
    return this.latestHealth;
  }

  get port(): number {
    return this.opts.port;
  }

  start(): this {
    void this.poll(false);
    return this;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async poll(confirming: boolean): Promise<void> {
    if (this.stopped) return;
    const verifyKey = Date.now() - this.lastVerified >= (this.opts.verifyKeyEveryMs ?? 10_000);
    let probe: PeerProbe;
    try {
      probe = await probePeer(this.opts.port, await this.opts.clientKey(), { verifyKey });
    } catch (e) {
      probe = { kind: 'unreachable', reason: String(e) };
    }
    if (this.stopped) return;
    if (probe.kind === 'ours') {
      if (verifyKey) this.lastVerified = Date.now();
      this.latestHealth = probe.health;
      if (probe.body !== this.lastBody) {
        this.lastBody = probe.body;
        this.opts.onHealth(probe.health);
      }
      return this.next(this.opts.intervalMs ?? 1_000, false);
    }
    // Any miss: check the key again when the owner answers next.
    this.lastVerified = 0;
    if (probe.kind === 'unreachable') return this.next(this.opts.intervalMs ?? 1_000, false);
    if (!confirming) {
      const [min, max] = this.opts.confirmMs ?? [300, 1_500];
      return this.next(min + (this.opts.random ?? Math.random)() * (max - min), true);
    }
    this.stop();
    this.opts.onGone(probe.reason);
  }

  private next(ms: number, confirming: boolean): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll(confirming), ms);
    // A follower never keeps a process (the CLI, a test) alive by itself.
    this.timer.unref();
  }
}
