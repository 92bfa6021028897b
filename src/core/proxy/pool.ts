/**
 * One running pool: a validated config with its backends' health, the
 * round-robin state and the upstream connections. A config reload builds a new
 * PoolRuntime (adopting the health of unchanged backends) and requests already
 * in flight finish on the old one.
 */
import { BackendHealth, ANY_DEPLOYMENT, type BackendSnapshot } from '../balancer/health';
import type { Candidate, RoundRobinState } from '../balancer/pick';
import type { BackendConfig, PoolConfig } from '../config/types';
import type { UpstreamAuth } from '../auth/credentials';
import { Upstreams } from './upstream';

export interface PoolCandidate extends Candidate {
  backend: BackendConfig;
  health: BackendHealth;
  /** This backend's deployment name for the requested alias (`*` when none applies). */
  deployment: string;
}

export class PoolRuntime {
  readonly health = new Map<string, BackendHealth>();
  readonly upstreams: Upstreams;
  private readonly rr = new Map<string, RoundRobinState>();
  /** Every alias some backend serves, sorted; `undefined` when a backend serves any name. */
  readonly aliases: readonly string[];
  readonly servesAnyDeployment: boolean;

  constructor(
    readonly config: PoolConfig,
    readonly auth: UpstreamAuth,
    /** Called on every health change; builds a snapshot only if someone listens. */
    private readonly onState: (h: BackendHealth) => void,
    previous?: PoolRuntime,
  ) {
    const keep = previous && previous.config.timeouts.connectMs === config.timeouts.connectMs;
    this.upstreams = keep ? previous.upstreams : new Upstreams(config.timeouts.connectMs);
    this.upstreams.retain(new Set(config.backends.map((b) => b.endpoint)));
    for (const b of config.backends) {
      const h = new BackendHealth(b);
      const old = previous?.health.get(b.name);
      if (old && old.config.endpoint === b.endpoint && old.config.auth === b.auth) h.adopt(old);
      this.health.set(b.name, h);
    }
    this.servesAnyDeployment = config.backends.some((b) => b.enabled && !b.deployments);
    const aliases = new Set<string>();
    for (const b of config.backends) if (b.enabled && b.deployments) for (const a of Object.keys(b.deployments)) aliases.add(a);
    this.aliases = [...aliases].sort();
    this.refreshCredentials();
  }

  /**
   * Marks backends without a key, without anyone signed in, whose host may
   * not receive credentials or that wait for approval, so they show as such
   * before any request; and clears those marks once that is resolved. A
   * token that fails later is found by requests and probes.
   */
  refreshCredentials(): void {
    for (const h of this.health.values()) {
      const before = [h.credential, h.credentialReason];
      const missing = this.auth.missingCredential(h.config);
      if (missing) h.setCredential(missing.state, missing.reason);
      // Nothing in the way any more (a key set, a sign-in, a host allowed, an approval): usable again.
      else if (h.credential !== 'ok') h.setCredential('ok');
      if (before[0] !== h.credential || before[1] !== h.credentialReason) this.changed(h);
    }
  }

  roundRobin(alias: string): RoundRobinState {
    let s = this.rr.get(alias);
    if (!s) {
      s = new Map();
      this.rr.set(alias, s);
    }
    return s;
  }

  /** Enabled backends that serve `alias` (undefined = any backend, for pass-through). */
  candidates(alias: string | undefined): { usable: PoolCandidate[]; unusable: { name: string; reason: string }[] } {
    const usable: PoolCandidate[] = [];
    const unusable: { name: string; reason: string }[] = [];
    for (const h of this.health.values()) {
      const b = h.config;
      let deployment = ANY_DEPLOYMENT;
      if (alias !== undefined) {
        if (b.deployments) {
          const d = b.deployments[alias];
          if (d === undefined) continue;
          deployment = d;
        } else {
          deployment = alias;
        }
      }
      if (!b.enabled) {
        unusable.push({ name: b.name, reason: 'disabled' });
        continue;
      }
      if (h.credential !== 'ok') {
        unusable.push({ name: b.name, reason: h.credentialReason ?? h.credential });
        continue;
      }
      usable.push({ name: b.name, priority: b.priority, weight: b.weight, availableAt: h.availableAt(deployment), backend: b, health: h, deployment });
    }
    return { usable, unusable };
  }

  changed(h: BackendHealth): void {
    this.onState(h);
  }

  snapshots(now = Date.now()): BackendSnapshot[] {
    return [...this.health.values()].map((h) => h.snapshot(now));
  }
}
