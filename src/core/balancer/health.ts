/**
 * Health of one backend, updated passively by every response and actively by
 * probes. All methods take `now` so the rules are testable without timers.
 */
import type { BackendConfig } from '../config/types';

export type BackendStatus =
  | 'healthy'
  | 'cooling'
  | 'unhealthy'
  | 'misconfigured'
  | 'signedOut'
  | 'keyMissing'
  // Credentials withheld on purpose (issue 9): the endpoint's host may not receive
  // keys or tokens, or the backend comes from workspace settings not yet approved.
  | 'hostRefused'
  | 'awaitingApproval'
  | 'disabled';

/** Why a backend gets no credential (see auth/credentials.ts `credentialProblem`). */
export type CredentialProblemState = 'keyMissing' | 'signedOut' | 'hostRefused' | 'awaitingApproval';

export interface DeploymentSnapshot {
  alias: string;
  deployment: string;
  status: 'healthy' | 'cooling' | 'misconfigured';
  cooldownUntil: number;
  lastStatus: number | undefined;
  requests: number;
}

/** What the tree, `/_pool/health` and the events show. Never holds a secret. */
export interface BackendSnapshot {
  name: string;
  endpoint: string;
  priority: number;
  weight: number;
  auth: 'apiKey' | 'entra';
  enabled: boolean;
  status: BackendStatus;
  /** Human reason for a non-healthy status: "429 from gpt-4o, Retry-After 12s". */
  reason: string | undefined;
  cooldownUntil: number;
  ejectedUntil: number;
  latencyMs: number | undefined;
  lastStatus: number | undefined;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
  remainingRequests: number | undefined;
  remainingTokens: number | undefined;
  requests: number;
  failures: number;
  throttled: number;
  consecutiveFailures: number;
  lastProbeAt: number | undefined;
  deployments: DeploymentSnapshot[];
}

/** Ejection after this many consecutive failures, for 5s, 10s, 20s ... up to 5 min. */
export const EJECT_AFTER_FAILURES = 3;
const EJECT_BASE_MS = 5_000;
const EJECT_MAX_MS = 300_000;
/** A 401/403 without probes to clear it is retried after this long. */
const MISCONFIGURED_MS = 60_000;

/** Key for whole-backend cooldown (pass-through requests that name no deployment). */
export const ANY_DEPLOYMENT = '*';

interface DeploymentState {
  cooldownUntil: number;
  lastStatus: number | undefined;
  requests: number;
  misconfigured: boolean;
}

export class BackendHealth {
  credential: 'ok' | CredentialProblemState = 'ok';
  credentialReason: string | undefined;
  ejectedUntil = 0;
  ejections = 0;
  consecutiveFailures = 0;
  misconfiguredUntil = 0;
  misconfiguredReason: string | undefined;
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
  readonly deployments = new Map<string, DeploymentState>();

  constructor(public config: BackendConfig) {}

  private dep(deployment: string): DeploymentState {
    let d = this.deployments.get(deployment);
    if (!d) {
      d = { cooldownUntil: 0, lastStatus: undefined, requests: 0, misconfigured: false };
      this.deployments.set(deployment, d);
    }
    return d;
  }

  /** When this backend can serve `deployment` again (0 = now). */
  availableAt(deployment: string): number {
    const whole = this.deployments.get(ANY_DEPLOYMENT)?.cooldownUntil ?? 0;
    const one = this.deployments.get(deployment)?.cooldownUntil ?? 0;
    return Math.max(whole, one, this.ejectedUntil, this.misconfiguredUntil);
  }

  /** Where this backend's credential stands; `ok` clears the reason. */
  setCredential(state: 'ok' | CredentialProblemState, reason?: string): void {
    this.credential = state;
    this.credentialReason = state === 'ok' ? undefined : reason;
  }

  /** Usable at all (ignoring per-deployment cooldown)? */
  usable(): boolean {
    return this.config.enabled && this.credential === 'ok';
  }

  recordResponse(deployment: string, status: number, latencyMs: number): void {
    const d = this.dep(deployment);
    d.requests++;
    d.lastStatus = status;
    this.requests++;
    this.lastStatus = status;
    this.latencyMs = this.latencyMs === undefined ? latencyMs : Math.round(this.latencyMs * 0.7 + latencyMs * 0.3);
    const backendFault = status >= 500 || status === 408 || status === 429 || status === 401 || status === 403;
    if (!backendFault) {
      // The backend did its job (a 400 is the caller's mistake): end any failure streak.
      this.consecutiveFailures = 0;
      this.ejections = 0;
      this.ejectedUntil = 0;
    }
    if (status < 400) {
      d.misconfigured = false;
      this.misconfiguredUntil = 0;
      this.misconfiguredReason = undefined;
    }
  }

  /** A 404 on a deployment route: the alias points at a deployment this resource lacks. */
  recordDeploymentNotFound(deployment: string): void {
    this.dep(deployment).misconfigured = true;
  }

  recordThrottle(deployment: string, untilMs: number, reason: string): void {
    const d = this.dep(deployment);
    d.cooldownUntil = Math.max(d.cooldownUntil, untilMs);
    this.throttled++;
    this.lastThrottle = reason;
  }

  recordMisconfigured(status: number, reason: string, now: number): void {
    this.misconfiguredUntil = now + MISCONFIGURED_MS;
    this.misconfiguredReason = `${status}: ${reason}`;
    this.lastError = this.misconfiguredReason;
    this.lastErrorAt = now;
  }

  /** 5xx, 408, connect errors, timeouts: count, and eject after a streak. */
  recordFailure(reason: string, now: number): void {
    this.failures++;
    this.consecutiveFailures++;
    this.lastError = reason;
    this.lastErrorAt = now;
    if (this.consecutiveFailures >= EJECT_AFTER_FAILURES) {
      this.ejections++;
      this.ejectedUntil = now + Math.min(EJECT_MAX_MS, EJECT_BASE_MS * 2 ** (this.ejections - 1));
      this.consecutiveFailures = 0;
    }
  }

  /** A successful active probe: the backend answers with our credential again. */
  recordProbeOk(now: number): void {
    this.lastProbeAt = now;
    this.misconfiguredUntil = 0;
    this.misconfiguredReason = undefined;
    this.ejectedUntil = 0;
    this.consecutiveFailures = 0;
  }

  recordRateHeaders(remainingRequests: number | undefined, remainingTokens: number | undefined): void {
    if (remainingRequests !== undefined) this.remainingRequests = remainingRequests;
    if (remainingTokens !== undefined) this.remainingTokens = remainingTokens;
  }

  /** Carry state over a config reload (same name and endpoint). */
  adopt(prev: BackendHealth): void {
    const { config } = this;
    Object.assign(this, prev);
    this.config = config;
  }

  snapshot(now: number): BackendSnapshot {
    const c = this.config;
    const deployments: DeploymentSnapshot[] = [];
    const aliases = c.deployments ? Object.entries(c.deployments) : [...this.deployments.keys()].filter((k) => k !== ANY_DEPLOYMENT).map((k) => [k, k] as const);
    for (const [alias, deployment] of aliases) {
      const d = this.deployments.get(deployment);
      const until = d?.cooldownUntil ?? 0;
      deployments.push({
        alias,
        deployment,
        status: d?.misconfigured ? 'misconfigured' : until > now ? 'cooling' : 'healthy',
        cooldownUntil: until > now ? until : 0,
        lastStatus: d?.lastStatus,
        requests: d?.requests ?? 0,
      });
    }
    const { status, reason, cooldownUntil } = this.status(now, deployments);
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

  private status(now: number, deps: DeploymentSnapshot[]): { status: BackendStatus; reason: string | undefined; cooldownUntil: number } {
    if (!this.config.enabled) return { status: 'disabled', reason: 'disabled in the config', cooldownUntil: 0 };
    if (this.credential === 'keyMissing') return { status: 'keyMissing', reason: this.credentialReason ?? 'no API key', cooldownUntil: 0 };
    if (this.credential === 'signedOut') return { status: 'signedOut', reason: this.credentialReason ?? 'not signed in to Azure', cooldownUntil: 0 };
    if (this.credential === 'hostRefused' || this.credential === 'awaitingApproval') return { status: this.credential, reason: this.credentialReason, cooldownUntil: 0 };
    if (this.misconfiguredUntil > now) return { status: 'misconfigured', reason: this.misconfiguredReason, cooldownUntil: 0 };
    if (this.ejectedUntil > now) return { status: 'unhealthy', reason: this.lastError, cooldownUntil: this.ejectedUntil };
    const whole = this.deployments.get(ANY_DEPLOYMENT)?.cooldownUntil ?? 0;
    const cooling = deps.filter((d) => d.cooldownUntil > now);
    if (whole > now || (deps.length > 0 && cooling.length === deps.length)) {
      const until = Math.max(whole, ...cooling.map((d) => d.cooldownUntil));
      return { status: 'cooling', reason: this.lastThrottle, cooldownUntil: until };
    }
    return { status: 'healthy', reason: undefined, cooldownUntil: 0 };
  }
}
