/**
 * What a backend's health looks like from outside: the statuses (their
 * meaning is the table in ./health.ts), the snapshots the tree,
 * `/_pool/health` and the events show, and the change kinds health announces.
 */

export type BackendStatus =
  | 'healthy'
  | 'unknown'
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

/**
 * `unavailable`: the backend itself cannot serve (unhealthy, misconfigured,
 * no credential, disabled); `unknown`: the backend has not answered yet.
 */
export type DeploymentStatus = 'healthy' | 'unknown' | 'cooling' | 'misconfigured' | 'unavailable';

export interface DeploymentSnapshot {
  alias: string;
  deployment: string;
  status: DeploymentStatus;
  cooldownUntil: number;
  lastStatus: number | undefined;
  requests: number;
  /** Quota routing (issue 10): the deployment's quota as the pool models it; absent until it is known or used. */
  quota?: DeploymentQuota;
}

/** A deployment's quota now: limits, what the pool may still send, and what waits for the alias. */
export interface DeploymentQuota {
  limitTokens: number | undefined;
  limitRequests: number | undefined;
  /** Tokens that could be sent now (the tighter of the minute and the 10 s window). */
  remainingTokens: number | undefined;
  remainingRequests: number | undefined;
  /**
   * How the token limits are counted: `sliding` windows (safe wherever
   * Azure's periods start), or also Azure's `fixed` periods once its minute
   * boundary is learned from the answers.
   */
  periods?: 'fixed' | 'sliding';
  /** Requests waiting for quota on this deployment's alias (the queue is per alias), and their tokens. */
  queued: number;
  queuedTokens: number;
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

/** What changed: the status side (status, reason, rests) or only counters (requests, latency, quota headers). */
export type HealthChange = 'status' | 'counters';

/**
 * Why a candidate was passed over: a rest of its backend, or (quota routing,
 * issue 10) the request does not fit the deployment's quota now.
 */
export type SkipReason = Rest['reason'] | 'quota';

/** What a skip says: until when, and why in words. */
export type SkipDetail = Pick<Rest, 'until' | 'text'>;

/** Why a backend cannot take a request for a deployment now. */
export interface Rest {
  reason: 'disabled' | 'credential' | 'misconfigured' | 'ejected' | 'throttled' | 'notFound';
  /** Epoch ms when traffic may try again; Infinity when only a config or credential change helps. */
  until: number;
  text: string;
}
