/**
 * One running pool: a validated config, who may serve which alias, the
 * router, and the upstream connections. A config reload builds a new
 * PoolRuntime; requests already in flight finish on the old one. Health is
 * not kept here: it lives in the one PoolHealth shared by every generation,
 * so what an old request learns still counts.
 */
import { ANY_DEPLOYMENT, type BackendHealth, type BackendSnapshot, type Rest } from '../balancer/health';
import type { PoolHealth } from '../balancer/poolHealth';
import { Router, type RouteCandidate, type RouteRequest } from '../balancer/route';
import type { BackendConfig, PoolConfig } from '../config/types';
import type { UpstreamAuth } from '../auth/credentials';
import { Upstreams } from './upstream';
import { QuotaRouting, QuotaTarget, withQuota } from './quotaRoute';

/** A backend for one request's alias: the deployment it maps to, and its health. */
export class PoolCandidate implements RouteCandidate {
  constructor(
    readonly backend: BackendConfig,
    readonly health: BackendHealth,
    /** This backend's deployment name for the requested alias (`*` when the request names none). */
    readonly deployment: string,
  ) {}

  get name(): string {
    return this.backend.name;
  }

  get priority(): number {
    return this.backend.priority;
  }

  get weight(): number {
    return this.backend.weight;
  }

  /** When it can take the request (0 = now); never while disabled or without a credential. */
  get availableAt(): number {
    return this.health.usable() ? this.health.availableAt(this.deployment) : Infinity;
  }

  /** Like availableAt, without 429 rests: for quota routing, which rests by request size itself. */
  get downUntil(): number {
    return this.health.usable() ? this.health.downUntil(this.deployment) : Infinity;
  }

  rest(now: number): Rest | undefined {
    return this.health.rest(this.deployment, now);
  }
}

/** The backends for an alias: what the router chooses from. Cached per alias the config names. */
export interface AliasTargets extends RouteRequest<PoolCandidate> {
  readonly candidates: readonly PoolCandidate[];
  /** The same candidates for quota routing: configured aliases only (names clients invent get no quota state). */
  readonly quota?: readonly QuotaTarget[];
}

export class PoolRuntime {
  readonly upstreams: Upstreams;
  readonly router: Router<PoolCandidate>;
  /** Quota routing and its admission queue; the same object across reloads while the quota minute stays. */
  readonly quota: QuotaRouting;
  /** Every alias some backend serves, sorted. */
  readonly aliases: readonly string[];
  readonly servesAnyDeployment: boolean;
  /** Targets per configured alias. */
  private readonly byAlias = new Map<string, AliasTargets>();
  /** Targets of requests that name no deployment: every backend. */
  private readonly anyTargets: AliasTargets;
  private readonly pairs: readonly (readonly [BackendConfig, BackendHealth])[];
  /** Backends without a `deployments` list: they serve any name as it is. */
  private readonly passThrough: readonly (readonly [BackendConfig, BackendHealth])[];

  constructor(
    readonly config: PoolConfig,
    readonly auth: UpstreamAuth,
    /** Shared by every generation of the pool; reconciled with this config here. */
    readonly health: PoolHealth,
    previous?: PoolRuntime,
  ) {
    const keep = previous && previous.config.timeouts.connectMs === config.timeouts.connectMs;
    this.upstreams = keep ? previous.upstreams : new Upstreams(config.timeouts.connectMs);
    this.upstreams.retain(new Set(config.backends.map((b) => b.endpoint)));
    health.reconcile(config.backends);
    const pairs = config.backends.map((b) => [b, health.get(b.name)!] as const);
    this.pairs = pairs;
    this.passThrough = pairs.filter(([b]) => !b.deployments);
    this.servesAnyDeployment = config.backends.some((b) => b.enabled && !b.deployments);
    const aliases = new Set<string>();
    for (const b of config.backends) if (b.enabled && b.deployments) for (const a of Object.keys(b.deployments)) aliases.add(a);
    this.aliases = [...aliases].sort();
    this.router = new Router(new Set(config.backends.flatMap((b) => Object.keys(b.deployments ?? {}))));
    this.anyTargets = { alias: undefined, candidates: pairs.map(([b, h]) => new PoolCandidate(b, h, ANY_DEPLOYMENT)) };
    // Disabled backends' aliases too: a request for one learns why it cannot be served.
    for (const b of config.backends) {
      for (const a of Object.keys(b.deployments ?? {})) {
        if (this.byAlias.has(a)) continue;
        const candidates = this.build(pairs, a);
        this.byAlias.set(a, { alias: a, candidates, quota: candidates.map((c) => new QuotaTarget(c, c.backend.deploymentInfo[a])) });
      }
    }
    this.quota = QuotaRouting.carry(config, previous?.quota);
    this.refreshCredentials();
  }

  /**
   * Marks backends without a key, without anyone signed in, whose host may
   * not receive credentials or that wait for approval, so they show as such
   * before any request; and clears those marks once that is resolved. A
   * token that fails later is found by requests and probes. (Health
   * announces what changed by itself.)
   */
  refreshCredentials(): void {
    for (const [, h] of this.pairs) {
      const missing = this.auth.missingCredential(h.config);
      if (missing) h.setCredential(missing.state, missing.reason);
      // Nothing in the way any more (a key set, a sign-in, a host allowed, an approval): usable again.
      else if (h.credential !== 'ok') h.setCredential('ok');
    }
  }

  /**
   * Every backend that serves `alias` (undefined: the request names no
   * deployment), usable or not: the router skips those that cannot serve.
   * Configured aliases answer from a cache; other names (pass-through) build
   * a short list.
   */
  targets(alias: string | undefined): AliasTargets {
    if (alias === undefined) return this.anyTargets;
    return this.byAlias.get(alias) ?? { alias, candidates: this.build(this.passThrough, alias) };
  }

  snapshots(now = Date.now()): BackendSnapshot[] {
    const list = this.health.snapshots(now);
    return this.config.routing === 'quota' ? withQuota(list, this.quota.router, now) : list;
  }

  private build(pairs: readonly (readonly [BackendConfig, BackendHealth])[], alias: string): PoolCandidate[] {
    const out: PoolCandidate[] = [];
    for (const [b, h] of pairs) {
      const d = b.deployments ? b.deployments[alias] : alias;
      if (d !== undefined) out.push(new PoolCandidate(b, h, d));
    }
    return out;
  }
}
