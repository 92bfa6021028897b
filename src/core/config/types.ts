/**
 * The one config model shared by the CLI file, the extension's settings and
 * the APIM generator. `RawPoolConfig` is what a user writes; `PoolConfig` is
 * the validated, normalised form with every default filled in.
 */

export type AuthKind = 'apiKey' | 'entra';

/** How a backend authenticates upstream. Keys themselves never live in config. */
export const AUTH_KINDS: readonly AuthKind[] = ['apiKey', 'entra'];

/** The Entra scope for Azure OpenAI / Cognitive Services data-plane calls. */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

/** Kind of a `Microsoft.CognitiveServices/accounts` resource that serves Azure OpenAI models. */
export type BackendKind = 'OpenAI' | 'AIServices';
export const BACKEND_KINDS: readonly BackendKind[] = ['OpenAI', 'AIServices'];

/**
 * What Resource Manager says about one deployment (issue 11): written by
 * discovery, read by the interchangeability check, quota routing (`tpm`) and
 * the language model provider (`model`, token limits). Only `deployment` is
 * required; a field left out is unknown, never zero.
 */
export interface DeploymentInfo {
  /** The deployment name on this backend. */
  deployment: string;
  /** Model name, e.g. `gpt-4o`. */
  model?: string;
  modelVersion?: string;
  /** SKU name: Standard, GlobalStandard, DataZoneStandard, ProvisionedManaged, ... */
  sku?: string;
  /** SKU capacity: thousands of TPM for Standard SKUs, PTUs for provisioned ones. */
  capacity?: number;
  /** Tokens per minute. */
  tpm?: number;
  /** Requests per minute. */
  rpm?: number;
  /** Content filter (RAI policy) name. */
  contentFilter?: string;
  maxContextTokens?: number;
  maxOutputTokens?: number;
}

export interface RawBackendConfig {
  name: string;
  endpoint: string;
  priority?: number;
  weight?: number;
  auth?: AuthKind;
  apiKeyEnv?: string;
  /** alias -> deployment name, or alias -> deployment with its metadata, or a list of deployment names. */
  deployments?: Record<string, string | DeploymentInfo> | string[];
  enabled?: boolean;
  /** ARM resource id of the account: APIM role assignments, the role hint after a 403. Filled by discovery. */
  resourceId?: string;
  /** Azure region of the account, e.g. `swedencentral` (informational). */
  region?: string;
  kind?: BackendKind;
  /** APIM only: Key Vault secret URI holding this backend's api key. */
  keyVaultSecretUri?: string;
}

export interface RawApimConfig {
  serviceName?: string;
  apiName?: string;
  apiPath?: string;
  poolName?: string;
  tokensPerMinute?: number;
  tokenMetrics?: boolean;
}

export interface RawPoolConfig {
  $schema?: string;
  port?: number;
  host?: string;
  allowedHosts?: string[];
  backends: RawBackendConfig[];
  maxAttempts?: number;
  maxRequestBodyMB?: number;
  timeouts?: RawTimeoutConfig;
  healthProbe?: Partial<HealthProbeConfig>;
  cooldown?: Partial<CooldownConfig>;
  routing?: RoutingMode;
  queue?: RawQueueConfig;
  quotaMinuteMs?: number;
  logRequests?: boolean;
  apim?: RawApimConfig;
}

export interface BackendConfig {
  name: string;
  /** Origin only, no trailing slash: `https://x.openai.azure.com`. */
  endpoint: string;
  priority: number;
  /** Share inside its priority group; filled in so that a missing weight means an equal share. */
  weight: number;
  /** True when the user set `weight` (the APIM generator leaves the rest out). */
  weightExplicit: boolean;
  auth: AuthKind;
  /** CLI only: the environment variable that holds the api key. */
  apiKeyEnv: string;
  /** alias -> this backend's deployment name; `undefined` serves any deployment as named. */
  deployments: Readonly<Record<string, string>> | undefined;
  /** alias -> metadata, for the aliases written with it (`{}` when none). */
  deploymentInfo: Readonly<Record<string, DeploymentInfo>>;
  enabled: boolean;
  resourceId: string | undefined;
  region?: string;
  kind?: BackendKind;
  keyVaultSecretUri: string | undefined;
}

/**
 * Timeouts as a user writes them: seconds, fractions allowed. The `*Ms` keys
 * are the names before issue 13 (item 12): still read, with a warning.
 */
export interface RawTimeoutConfig {
  connectSec?: number;
  headersSec?: number;
  streamHeadersSec?: number;
  idleSec?: number;
  requestSec?: number;
  /** @deprecated use connectSec */
  connectMs?: number;
  /** @deprecated use headersSec */
  headersMs?: number;
  /** @deprecated use streamHeadersSec */
  streamHeadersMs?: number;
  /** @deprecated use idleSec */
  idleMs?: number;
  /** @deprecated use requestSec */
  requestMs?: number;
}

/** The runtime's timeouts, in milliseconds (normalize() converts the seconds). */
export interface TimeoutConfig {
  /** TCP + TLS connect. */
  connectMs: number;
  /** Until response headers when the request is not streaming: a whole generation happens before them. */
  headersMs: number;
  /** Until response headers when the request asks for `stream: true`. */
  streamHeadersMs: number;
  /** Longest silence between two body chunks, in either direction. */
  idleMs: number;
  /** Longest time a client may take to send a whole request, headers and body (slow-sender protection). */
  requestMs: number;
}

export interface HealthProbeConfig {
  /** 0 turns active probes off. */
  intervalSec: number;
  apiVersion: string;
}

export interface CooldownConfig {
  /** Used when a 429 carries no throttle header. */
  defaultSec: number;
  /** Any throttle header is clamped to this. */
  maxSec: number;
}

/**
 * How the pool chooses a backend (issue 10). `quota`: by each deployment's
 * tokens-per-minute headroom, holding a request briefly when nothing fits;
 * `roundRobin`: smooth weighted round-robin, resting a deployment after a 429.
 */
export type RoutingMode = 'quota' | 'roundRobin';
export const ROUTING_MODES: readonly RoutingMode[] = ['quota', 'roundRobin'];

export interface RawQueueConfig {
  maxWaitSec?: number;
  /** @deprecated use maxWaitSec */
  maxWaitMs?: number;
  maxLength?: number;
  maxMB?: number;
}

/** The admission queue of quota routing: requests wait here for quota, never longer than `maxWaitMs`. */
export interface QueueConfig {
  /** Longest a request waits for quota; a longer projected wait is answered 429 at once. */
  maxWaitMs: number;
  /** Requests waiting per alias. */
  maxLength: number;
  /** Body megabytes held by waiting requests per alias. */
  maxMB: number;
}

export interface ApimConfig {
  serviceName: string | undefined;
  apiName: string | undefined;
  apiPath: string | undefined;
  poolName: string | undefined;
  tokensPerMinute: number | undefined;
  tokenMetrics: boolean;
}

export interface PoolConfig {
  port: number;
  host: string;
  allowedHosts: readonly string[];
  backends: readonly BackendConfig[];
  maxAttempts: number;
  maxRequestBodyBytes: number;
  timeouts: TimeoutConfig;
  healthProbe: HealthProbeConfig;
  cooldown: CooldownConfig;
  routing: RoutingMode;
  queue: QueueConfig;
  /** Length of a quota minute: 60000, shorter only against a time-scaled simulator. */
  quotaMinuteMs: number;
  logRequests: boolean;
  apim: ApimConfig;
}

/** One validation problem: where it is (`backends[2].weight`) and what to do. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ConfigResult =
  | { ok: true; config: PoolConfig; warnings: ConfigIssue[] }
  | { ok: false; errors: ConfigIssue[]; warnings: ConfigIssue[] };

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}
