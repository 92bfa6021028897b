/**
 * Health of one backend: what it is (status), why, and when traffic may try
 * it again. `observe()` (./observe.ts) is the only code that turns what
 * happened into calls here; every method takes `now`, so the rules are
 * testable without timers, and every change announces itself by name
 * (`notify`): nobody has to remember to publish it.
 *
 * The backend's status is the first row that applies:
 *
 * | status        | entered when                                                    | left when                                   | traffic meanwhile                                      |
 * |---------------|-----------------------------------------------------------------|---------------------------------------------|--------------------------------------------------------|
 * | disabled      | the config says `enabled: false`                                | the config enables it                       | none                                                   |
 * | keyMissing    | an `apiKey` backend has no key                                  | a key is set                                | none                                                   |
 * | signedOut     | an `entra` backend has nobody signed in, or no token came       | a token comes                               | none                                                   |
 * | hostRefused   | its host may not receive credentials (not an Azure OpenAI host) | the user allows the host                    | none                                                   |
 * | awaitingApproval | it comes from workspace settings not approved yet            | the user approves it                        | none                                                   |
 * | misconfigured | 401/403 from a request or a probe; a probe finds no API (404)   | a success (see below)                       | retried after 60 s; the status stays until a success   |
 * | unhealthy     | a failure: host not found, refused, reset, timeout, 5xx, 408    | a success                                   | ejected at a connect failure or 3 failures in a row (5 s, doubling to 5 min); retried when that ends; the status stays until a success |
 * | cooling       | a 429 for the whole backend, or every deployment is resting     | the rest ends                               | none until it ends                                     |
 * | unknown       | nothing has answered yet (start, or a new endpoint or auth)     | the first success or failure                | normal                                                 |
 * | healthy       | a success since the last failure                                | a failure or a credential refusal           | normal                                                 |
 *
 * A success is an answer below 400 to a request, or a probe answered below
 * 400. Other 4xx (the caller's mistakes) end a failure streak but prove
 * nothing; a 429 speaks about quota, not health.
 *
 * Each deployment (alias target) has its own rest: `cooling` after a 429, for
 * as long as the throttle headers say; `misconfigured` after a 404
 * DeploymentNotFound, resting `NOT_FOUND_REST_MS` and shown until a request to
 * it succeeds. Otherwise a deployment shows what its backend is.
 */
import type { BackendConfig } from '../config/types';
import type { BackendSnapshot, BackendStatus, CredentialProblemState, DeploymentSnapshot, HealthChange, Rest } from './healthTypes';

export type { BackendSnapshot, BackendStatus, CredentialProblemState, DeploymentQuota, DeploymentSnapshot, DeploymentStatus, HealthChange, Rest } from './healthTypes';

/** Ejection after this many consecutive failures, for 5s, 10s, 20s ... up to 5 min. */
export const EJECT_AFTER_FAILURES = 3;
const EJECT_BASE_MS = 5_000;
const EJECT_MAX_MS = 300_000;
/** A 401/403 is retried by traffic after this long (probes may clear it sooner). */
export const MISCONFIGURED_RETRY_MS = 60_000;
/**
 * A deployment that answered 404 DeploymentNotFound rests this long. Azure's
 * own message says a deployment can take up to 5 minutes to appear after it
 * is created; a minute keeps a fix from waiting long, and a wrong alias then
 * costs one failed-over attempt a minute.
 */
export const NOT_FOUND_REST_MS = 60_000;
/**
 * Backends without a `deployments` list serve any name a client sends: keep
 * state for at most this many of those names (least recently used go first).
 */
export const MAX_UNLISTED_DEPLOYMENTS = 64;

/** Key for whole-backend state (pass-through requests that name no deployment). */
export const ANY_DEPLOYMENT = '*';

export type Condition = 'unknown' | 'healthy' | 'unhealthy' | 'misconfigured';

interface DeploymentState {
  cooldownUntil: number;
  notFoundUntil: number;
  /** Answered 404 DeploymentNotFound and nothing succeeded on it since. */
  notFound: boolean;
  lastStatus: number | undefined;
  requests: number;
}

const fresh = (): DeploymentState => ({ cooldownUntil: 0, notFoundUntil: 0, notFound: false, lastStatus: undefined, requests: 0 });

export class BackendHealth {
  credential: 'ok' | CredentialProblemState = 'ok';
  credentialReason: string | undefined;
  condition: Condition = 'unknown';
  /** Why the condition is what it is (unhealthy, misconfigured). */
  conditionReason: string | undefined;
  ejectedUntil = 0;
  ejections = 0;
  consecutiveFailures = 0;
  misconfiguredUntil = 0;
  latencyMs: number | undefined;
  lastStatus: number | undefined;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
  remainingRequests: number | undefined;
  remainingTokens: number | undefined;
  requests = 0;
  failures = 0;
  throttled = 0;
  lastProbeAt: number | undefined;
  lastThrottle: string | undefined;
  /** Rest of the whole backend (a 429 on a request that names no deployment). */
  private readonly whole = fresh();
  private readonly deployments = new Map<string, DeploymentState>();

  constructor(
    public config: BackendConfig,
    /** Called on every change; the owner turns it into an event by name. */
    private readonly notify: (h: BackendHealth, what: HealthChange) => void = () => undefined,
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** When this backend can serve `deployment` again (0 = now); ignores credential and `enabled`. */
  availableAt(deployment: string): number {
    const d = deployment === ANY_DEPLOYMENT ? undefined : this.deployments.get(deployment);
    return Math.max(this.whole.cooldownUntil, d ? Math.max(d.cooldownUntil, d.notFoundUntil) : 0, this.ejectedUntil, this.misconfiguredUntil);
  }

  /**
   * When this backend can serve `deployment` again leaving 429 rests out
   * (ejection, credential refusal, missing deployment): for a router that
   * keeps its own, size-aware, throttle rests.
   */
  downUntil(deployment: string): number {
    const d = deployment === ANY_DEPLOYMENT ? undefined : this.deployments.get(deployment);
    return Math.max(d ? d.notFoundUntil : 0, this.ejectedUntil, this.misconfiguredUntil);
  }

  /** Usable at all (ignoring rests)? */
  usable(): boolean {
    return this.config.enabled && this.credential === 'ok';
  }

  /** Why `deployment` cannot be served now; undefined when it can. Only the slow paths ask. */
  rest(deployment: string, now: number): Rest | undefined {
    if (!this.config.enabled) return { reason: 'disabled', until: Infinity, text: 'disabled' };
    if (this.credential !== 'ok') return { reason: 'credential', until: Infinity, text: this.credentialReason ?? this.credential };
    const d = deployment === ANY_DEPLOYMENT ? undefined : this.deployments.get(deployment);
    const rests: Rest[] = [];
    if (this.misconfiguredUntil > now) rests.push({ reason: 'misconfigured', until: this.misconfiguredUntil, text: this.conditionReason ?? 'misconfigured' });
    if (d && d.notFoundUntil > now) rests.push({ reason: 'notFound', until: d.notFoundUntil, text: `404 DeploymentNotFound for deployment "${deployment}"` });
    if (this.ejectedUntil > now) rests.push({ reason: 'ejected', until: this.ejectedUntil, text: this.conditionReason ?? 'failing' });
    const cooling = Math.max(this.whole.cooldownUntil, d?.cooldownUntil ?? 0);
    if (cooling > now) rests.push({ reason: 'throttled', until: cooling, text: this.lastThrottle ?? 'throttled' });
    // The longest rest decides when it is back; ties go to the first (most telling) reason.
    return rests.reduce<Rest | undefined>((a, r) => (a === undefined || r.until > a.until ? r : a), undefined);
  }

  // ---- transitions (called by observe()) ----------------------------------

  /** Where this backend's credential stands; `ok` clears the reason. */
  setCredential(state: 'ok' | CredentialProblemState, reason?: string): void {
    const next = state === 'ok' ? undefined : reason;
    if (this.credential === state && this.credentialReason === next) return;
    this.credential = state;
    this.credentialReason = next;
    this.notify(this, 'status');
  }

  /** Any answer: counters, latency and the deployment's last status. */
  countResponse(deployment: string, status: number, latencyMs: number): void {
    const d = this.dep(deployment);
    d.requests++;
    d.lastStatus = status;
    this.requests++;
    this.lastStatus = status;
    this.latencyMs = this.latencyMs === undefined ? latencyMs : Math.round(this.latencyMs * 0.7 + latencyMs * 0.3);
    this.notify(this, 'counters');
  }

  /** `x-ratelimit-remaining-*` from the last answer. */
  rateHeaders(remainingRequests: number | undefined, remainingTokens: number | undefined): void {
    if (remainingRequests !== undefined) this.remainingRequests = remainingRequests;
    if (remainingTokens !== undefined) this.remainingTokens = remainingTokens;
  }

  /** A success (an answer below 400, or a probe that got one): healthy, and `deployment` found. */
  succeeded(deployment: string, now: number): void {
    let changed = this.condition !== 'healthy' || this.ejectedUntil > now || this.misconfiguredUntil > now;
    this.condition = 'healthy';
    this.conditionReason = undefined;
    this.consecutiveFailures = 0;
    this.ejections = 0;
    this.ejectedUntil = 0;
    this.misconfiguredUntil = 0;
    const d = deployment === ANY_DEPLOYMENT ? undefined : this.deployments.get(deployment);
    if (d?.notFound) {
      d.notFound = false;
      d.notFoundUntil = 0;
      changed = true;
    }
    if (changed) this.notify(this, 'status');
  }

  /** An answer that is the caller's business (a 400, a 404 for an unknown id): ends a failure streak, proves nothing. */
  answered(): void {
    if (this.consecutiveFailures === 0) return;
    this.consecutiveFailures = 0;
    this.notify(this, 'counters');
  }

  /**
   * A failure: unhealthy from the first one. A connect failure (host not
   * found, refused) ejects at once: it is about the endpoint, not the request.
   */
  failed(reason: string, now: number, connect: boolean): void {
    this.failures++;
    this.consecutiveFailures++;
    this.lastError = reason;
    this.lastErrorAt = now;
    this.condition = 'unhealthy';
    this.conditionReason = reason;
    if (connect || this.consecutiveFailures >= EJECT_AFTER_FAILURES) {
      this.ejections++;
      this.ejectedUntil = now + Math.min(EJECT_MAX_MS, EJECT_BASE_MS * 2 ** (this.ejections - 1));
      this.consecutiveFailures = 0;
    }
    this.notify(this, 'status');
  }

  /** Our credential was refused (401/403), or the endpoint has no Azure OpenAI API. */
  misconfigured(reason: string, now: number): void {
    this.condition = 'misconfigured';
    this.conditionReason = reason;
    this.misconfiguredUntil = now + MISCONFIGURED_RETRY_MS;
    this.lastError = reason;
    this.lastErrorAt = now;
    this.notify(this, 'status');
  }

  /** A 429: `deployment` (or the whole backend) rests until `untilMs`. */
  throttle(deployment: string, untilMs: number, reason: string): void {
    const d = deployment === ANY_DEPLOYMENT ? this.whole : this.dep(deployment);
    d.cooldownUntil = Math.max(d.cooldownUntil, untilMs);
    this.throttled++;
    this.lastThrottle = reason;
    this.notify(this, 'status');
  }

  /** A 404 DeploymentNotFound: this resource lacks `deployment`; it rests, and shows, until a success on it. */
  deploymentNotFound(deployment: string, now: number): void {
    if (deployment === ANY_DEPLOYMENT) return;
    const d = this.dep(deployment);
    d.notFound = true;
    d.notFoundUntil = now + NOT_FOUND_REST_MS;
    this.notify(this, 'status');
  }

  probed(now: number): void {
    this.lastProbeAt = now;
    this.notify(this, 'counters');
  }

  /** A reload changed what we know about this backend (priority, weight, deployments) but not where it is. */
  reconfigure(config: BackendConfig): void {
    this.config = config;
    if (!config.deployments) return;
    const keep = new Set(Object.values(config.deployments));
    for (const k of this.deployments.keys()) if (!keep.has(k)) this.deployments.delete(k);
  }

  // ---- what it looks like -------------------------------------------------

  /** Number of deployments with state (bounded; see MAX_UNLISTED_DEPLOYMENTS). */
  get deploymentCount(): number {
    return this.deployments.size;
  }

  snapshot(now: number): BackendSnapshot {
    const c = this.config;
    const own = this.conditionStatus();
    const deployments: DeploymentSnapshot[] = [];
    const aliases = c.deployments ? Object.entries(c.deployments) : [...this.deployments.keys()].map((k) => [k, k] as const);
    for (const [alias, deployment] of aliases) {
      const d = this.deployments.get(deployment);
      const until = Math.max(d?.cooldownUntil ?? 0, this.whole.cooldownUntil);
      deployments.push({
        alias,
        deployment,
        // Without a deployments list the names are the clients' own: a 404 for one rests it, but
        // says nothing about how the backend is set up.
        status: d?.notFound && c.deployments ? 'misconfigured' : until > now ? 'cooling' : own === 'healthy' ? 'healthy' : own === 'unknown' ? 'unknown' : 'unavailable',
        cooldownUntil: until > now ? until : 0,
        lastStatus: d?.lastStatus,
        requests: d?.requests ?? 0,
      });
    }
    const { status, reason, cooldownUntil } = this.overall(now, own, deployments);
    return {
      name: c.name,
      endpoint: c.endpoint,
      priority: c.priority,
      weight: c.weight,
      auth: c.auth,
      enabled: c.enabled,
      status,
      reason,
      cooldownUntil,
      ejectedUntil: this.ejectedUntil > now ? this.ejectedUntil : 0,
      latencyMs: this.latencyMs,
      lastStatus: this.lastStatus,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      remainingRequests: this.remainingRequests,
      remainingTokens: this.remainingTokens,
      requests: this.requests,
      failures: this.failures,
      throttled: this.throttled,
      consecutiveFailures: this.consecutiveFailures,
      lastProbeAt: this.lastProbeAt,
      deployments,
    };
  }

  /** The status from config, credential and condition alone (the table's rows but `cooling`). */
  private conditionStatus(): BackendStatus {
    if (!this.config.enabled) return 'disabled';
    if (this.credential !== 'ok') return this.credential;
    return this.condition;
  }

  /** Adds what the deployments say: `cooling` when the backend or all its deployments rest, `misconfigured` when none exists. */
  private overall(now: number, own: BackendStatus, deps: readonly DeploymentSnapshot[]): { status: BackendStatus; reason: string | undefined; cooldownUntil: number } {
    const reason = own === 'disabled' ? 'disabled in the config'
      : own === 'keyMissing' ? this.credentialReason ?? 'no API key'
        : own === 'signedOut' ? this.credentialReason ?? 'not signed in to Azure'
          : own === 'hostRefused' || own === 'awaitingApproval' ? this.credentialReason : this.conditionReason;
    if (own !== 'healthy' && own !== 'unknown') return { status: own, reason, cooldownUntil: 0 };
    const whole = this.whole.cooldownUntil > now ? this.whole.cooldownUntil : 0;
    let until = whole;
    let cooling = 0;
    let missing = 0;
    for (const d of deps) {
      if (d.status === 'misconfigured') missing++;
      else if (d.cooldownUntil > now) cooling++;
      if (d.cooldownUntil > until) until = d.cooldownUntil;
    }
    if (this.config.deployments && deps.length > 0 && missing === deps.length) {
      return { status: 'misconfigured', reason: 'every deployment answered 404 DeploymentNotFound', cooldownUntil: 0 };
    }
    if (whole > 0 || (cooling > 0 && cooling + missing === deps.length)) return { status: 'cooling', reason: this.lastThrottle, cooldownUntil: until };
    return { status: own, reason, cooldownUntil: 0 };
  }

  private dep(deployment: string): DeploymentState {
    if (deployment === ANY_DEPLOYMENT) return this.whole;
    let d = this.deployments.get(deployment);
    if (d) {
      if (!this.config.deployments) {
        // Least recently used first: move to the end.
        this.deployments.delete(deployment);
        this.deployments.set(deployment, d);
      }
      return d;
    }
    d = fresh();
    if (!this.config.deployments && this.deployments.size >= MAX_UNLISTED_DEPLOYMENTS) {
      this.deployments.delete(this.deployments.keys().next().value!);
    }
    this.deployments.set(deployment, d);
    return d;
  }
}
