/**
 * Validates a raw config (parsed JSON, or the extension's settings) against
 * the schema and the rules a schema cannot say, and returns every problem at
 * once, each with its path and a fix. Never throws on bad input.
 */
import Ajv, { type ErrorObject } from 'ajv';
import { poolConfigSchema } from './schema';
import {
  DEFAULT_COOLDOWN, DEFAULT_HEALTH_PROBE, DEFAULT_HOST, DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_REQUEST_BODY_MB, DEFAULT_PORT, DEFAULT_QUEUE, DEFAULT_QUOTA_MINUTE_MS, DEFAULT_ROUTING, DEFAULT_TIMEOUTS, LOOPBACK_HOSTS, defaultApiKeyEnv,
} from './defaults';
import type { BackendConfig, ConfigIssue, ConfigResult, DeploymentInfo, PoolConfig, QueueConfig, RawBackendConfig, RawPoolConfig, RawQueueConfig, RawTimeoutConfig, TimeoutConfig } from './types';
import { renamedOptionWarnings, secondsToMs } from './renamed';
import { closest } from '../util/didYouMean';
import { configAliasMembers, interchangeabilityWarnings } from './interchange';

export interface ValidateOptions {
  /** The extension starts with no backends (welcome view); the CLI refuses an empty pool. */
  allowEmpty?: boolean;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const check = ajv.compile(poolConfigSchema);

/** Field names people use when they try to paste a key into the config. */
const KEY_FIELD = /^(api[-_]?key|key|secret|password|token|access[-_]?key|subscription[-_]?key|client[-_]?secret)$/i;
/** Azure OpenAI keys: 32 hex characters, or the newer 84-character base62 form. */
const LOOKS_LIKE_KEY = /^([0-9a-f]{32}|[A-Za-z0-9]{48,})$/i;

export const WHERE_KEYS_GO =
  'keys never live in the config: for the CLI put the key in the environment variable named by "apiKeyEnv" ' +
  '(default AOAI_POOL_KEY_<NAME>); in VS Code run "AOAI Pool: Set API Key", which stores it in SecretStorage';

export function validateConfig(raw: unknown, options: ValidateOptions = {}): ConfigResult {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];

  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ path: '', message: 'the config must be a JSON object such as {"backends": [...]}' }], warnings };
  }
  if (!check(raw)) errors.push(...deepest(schemaIssues(check.errors ?? [], raw)));

  const cfg = raw as Partial<RawPoolConfig>;
  const backends = Array.isArray(cfg.backends) ? cfg.backends : [];
  if (!('backends' in cfg)) {
    // ajv reports it as `required`; nothing more to check.
  } else if (backends.length === 0 && !options.allowEmpty) {
    errors.push({ path: 'backends', message: 'the pool is empty: add at least one backend such as {"name": "eastus", "endpoint": "https://my-resource.openai.azure.com"}' });
  }
  checkBackends(backends, errors, warnings);
  checkPool(cfg, errors, warnings);
  warnings.push(...renamedOptionWarnings(cfg as Record<string, unknown>));

  if (errors.length > 0) return { ok: false, errors: dedupe(errors), warnings };
  const config = normalize(cfg as RawPoolConfig);
  warnings.push(...aliasIssues(config));
  return { ok: true, config, warnings };
}

/** Members of an alias that differ in model, version, SKU family, content filter or output ceiling (issue 11). */
function aliasIssues(config: PoolConfig): ConfigIssue[] {
  return interchangeabilityWarnings(configAliasMembers(config.backends)).map((w) => {
    const first = config.backends.findIndex((b) => b.enabled && w.alias in b.deploymentInfo);
    return { path: formatPath(['backends', String(first), 'deployments', w.alias]), message: w.message };
  });
}

function checkBackends(backends: unknown[], errors: ConfigIssue[], warnings: ConfigIssue[]): void {
  const names = new Map<string, number>();
  const envs = new Map<string, number>();
  let enabled = 0;
  backends.forEach((b, i) => {
    if (typeof b !== 'object' || b === null) return;
    const be = b as Partial<RawBackendConfig>;
    const at = `backends[${i}]`;
    let duplicate = false;
    if (typeof be.name === 'string') {
      const key = be.name.toLowerCase();
      const prev = names.get(key);
      duplicate = prev !== undefined;
      if (prev !== undefined) errors.push({ path: `${at}.name`, message: `"${be.name}" is already the name of backends[${prev}]; give every backend a unique name (case-insensitive)` });
      else names.set(key, i);
    }
    if (typeof be.endpoint === 'string') {
      const problem = endpointProblem(be.endpoint);
      if (problem) errors.push({ path: `${at}.endpoint`, message: problem });
    }
    const auth = be.auth ?? 'apiKey';
    if (typeof be.apiKeyEnv === 'string' && LOOKS_LIKE_KEY.test(be.apiKeyEnv) && !/_/.test(be.apiKeyEnv)) {
      errors.push({ path: `${at}.apiKeyEnv`, message: `this looks like a key, not the name of an environment variable; ${WHERE_KEYS_GO}` });
    }
    if (auth === 'apiKey' && typeof be.name === 'string' && !duplicate) {
      const env = be.apiKeyEnv ?? defaultApiKeyEnv(be.name);
      const prev = envs.get(env);
      if (prev !== undefined) errors.push({ path: `${at}.apiKeyEnv`, message: `backends[${prev}] already reads its key from ${env}; set "apiKeyEnv" to a different variable` });
      else envs.set(env, i);
    }
    if (auth === 'entra' && be.apiKeyEnv !== undefined) warnings.push({ path: `${at}.apiKeyEnv`, message: 'ignored: this backend uses "auth": "entra"' });
    if (auth === 'entra' && be.keyVaultSecretUri !== undefined) warnings.push({ path: `${at}.keyVaultSecretUri`, message: 'ignored: this backend uses "auth": "entra"' });
    if (be.enabled !== false) enabled++;
  });
  if (backends.length > 0 && enabled === 0) warnings.push({ path: 'backends', message: 'every backend is disabled: the pool will answer 503 until one is enabled' });
}

function checkPool(cfg: Partial<RawPoolConfig>, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
  if (typeof cfg.host === 'string') {
    if (!isIpOrLocalhost(cfg.host)) {
      errors.push({ path: 'host', message: `must be an IP address such as "127.0.0.1" (got ${JSON.stringify(cfg.host)})` });
    } else if (!LOOPBACK_HOSTS.includes(cfg.host)) {
      warnings.push({ path: 'host', message: `listening on ${cfg.host} exposes the pool, and your Azure quota, beyond this machine; use "127.0.0.1" unless you mean it` });
    }
  }
  const cd = cfg.cooldown;
  if (cd && typeof cd.defaultSec === 'number' && typeof cd.maxSec === 'number' && cd.defaultSec > cd.maxSec) {
    errors.push({ path: 'cooldown.defaultSec', message: `must not exceed cooldown.maxSec (${cd.maxSec})` });
  }
}

/** Why an endpoint is unusable, or undefined when it is fine. */
export function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `${JSON.stringify(endpoint)} is not a URL; use the resource endpoint such as "https://my-resource.openai.azure.com"`;
  }
  const loopback = LOOPBACK_HOSTS.includes(url.hostname);
  if (url.protocol === 'http:' && !loopback) {
    return `must use https (plain http is only allowed for loopback simulators); use "https://${url.host}"`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must be an https URL (got ${url.protocol})`;
  if (url.username || url.password) return `must not contain credentials; ${WHERE_KEYS_GO}`;
  if (url.search || url.hash) {
    if (/api[-_]?key|sig=|token/i.test(url.search)) return `must not carry a key in the query string; ${WHERE_KEYS_GO}`;
    return `must not have a query or fragment; use "${url.origin}"`;
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    return `must be the resource root without a path; use "${url.origin}" (the proxy adds /openai/... itself)`;
  }
  return undefined;
}

function isIpOrLocalhost(host: string): boolean {
  return host === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || /^[0-9a-f:]+$/i.test(host.replace(/^\[|\]$/g, ''));
}

function normalize(cfg: RawPoolConfig): PoolConfig {
  const backends: BackendConfig[] = cfg.backends.map((b) => ({
    name: b.name,
    endpoint: new URL(b.endpoint).origin,
    priority: b.priority ?? 1,
    weight: b.weight ?? 0,
    weightExplicit: b.weight !== undefined,
    auth: b.auth ?? 'apiKey',
    apiKeyEnv: b.apiKeyEnv ?? defaultApiKeyEnv(b.name),
    deployments: normalizeDeployments(b.deployments),
    deploymentInfo: deploymentInfo(b.deployments),
    enabled: b.enabled ?? true,
    resourceId: b.resourceId,
    ...(b.region !== undefined ? { region: b.region } : {}),
    ...(b.kind !== undefined ? { kind: b.kind } : {}),
    keyVaultSecretUri: b.keyVaultSecretUri,
  }));
  // "Default equal share": a backend without a weight gets the mean of the
  // explicit weights in its priority group (or 1 when none has one).
  for (const priority of new Set(backends.map((b) => b.priority))) {
    const group = backends.filter((b) => b.priority === priority);
    const explicit = group.filter((b) => b.weightExplicit).map((b) => b.weight);
    const fill = explicit.length ? Math.max(1, Math.round(explicit.reduce((a, w) => a + w, 0) / explicit.length)) : 1;
    for (const b of group) if (!b.weightExplicit) b.weight = fill;
  }
  return {
    port: cfg.port ?? DEFAULT_PORT,
    host: cfg.host ?? DEFAULT_HOST,
    allowedHosts: cfg.allowedHosts ?? [],
    backends,
    maxAttempts: cfg.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    maxRequestBodyBytes: (cfg.maxRequestBodyMB ?? DEFAULT_MAX_REQUEST_BODY_MB) * 1024 * 1024,
    timeouts: timeoutsMs(cfg.timeouts),
    healthProbe: { ...DEFAULT_HEALTH_PROBE, ...cfg.healthProbe },
    cooldown: { ...DEFAULT_COOLDOWN, ...cfg.cooldown },
    routing: cfg.routing ?? DEFAULT_ROUTING,
    queue: queueConfig(cfg.queue),
    quotaMinuteMs: cfg.quotaMinuteMs ?? DEFAULT_QUOTA_MINUTE_MS,
    logRequests: cfg.logRequests ?? true,
    apim: {
      serviceName: cfg.apim?.serviceName,
      apiName: cfg.apim?.apiName,
      apiPath: cfg.apim?.apiPath,
      poolName: cfg.apim?.poolName,
      tokensPerMinute: cfg.apim?.tokensPerMinute,
      tokenMetrics: cfg.apim?.tokenMetrics ?? false,
    },
  };
}

/** A duration in the runtime's milliseconds: the seconds if given, else the former milliseconds (renamed.ts), else the default. */
function durationMs(seconds: number | undefined, formerMs: number | undefined, defaultMs: number): number {
  return seconds !== undefined ? secondsToMs(seconds) : formerMs ?? defaultMs;
}

function timeoutsMs(t: RawTimeoutConfig = {}): TimeoutConfig {
  return {
    connectMs: durationMs(t.connectSec, t.connectMs, DEFAULT_TIMEOUTS.connectMs),
    headersMs: durationMs(t.headersSec, t.headersMs, DEFAULT_TIMEOUTS.headersMs),
    streamHeadersMs: durationMs(t.streamHeadersSec, t.streamHeadersMs, DEFAULT_TIMEOUTS.streamHeadersMs),
    idleMs: durationMs(t.idleSec, t.idleMs, DEFAULT_TIMEOUTS.idleMs),
    requestMs: durationMs(t.requestSec, t.requestMs, DEFAULT_TIMEOUTS.requestMs),
  };
}

function queueConfig(q: RawQueueConfig = {}): QueueConfig {
  return {
    maxWaitMs: durationMs(q.maxWaitSec, q.maxWaitMs, DEFAULT_QUEUE.maxWaitMs),
    maxLength: q.maxLength ?? DEFAULT_QUEUE.maxLength,
    maxMB: q.maxMB ?? DEFAULT_QUEUE.maxMB,
  };
}

function normalizeDeployments(d: RawBackendConfig['deployments']): Record<string, string> | undefined {
  if (d === undefined) return undefined;
  if (Array.isArray(d)) return Object.fromEntries(d.map((name) => [name, name]));
  return Object.fromEntries(Object.entries(d).map(([alias, v]) => [alias, typeof v === 'string' ? v : v.deployment]));
}

/** The aliases written with metadata, as plain copies. */
function deploymentInfo(d: RawBackendConfig['deployments']): Record<string, DeploymentInfo> {
  if (d === undefined || Array.isArray(d)) return {};
  return Object.fromEntries(Object.entries(d).flatMap(([alias, v]) => (typeof v === 'string' ? [] : [[alias, { ...v }]])));
}

// ---- schema errors -> messages ------------------------------------------------

type SchemaNode = {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  'x-expect'?: string;
  'x-renamedTo'?: string;
  [k: string]: unknown;
};

function schemaIssues(errs: ErrorObject[], raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const e of errs) {
    const segs = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (e.keyword === 'additionalProperties') {
      const prop = String((e.params as { additionalProperty: string }).additionalProperty);
      const path = formatPath([...segs, prop]);
      const found = schemaAt(segs).node;
      const properties = offered(found?.properties ?? found?.anyOf?.find((b) => b.properties)?.properties);
      if (KEY_FIELD.test(prop)) {
        out.push({ path, message: `refused: ${WHERE_KEYS_GO}` });
      } else if (properties) {
        const guess = closest(prop, Object.keys(properties).filter((k) => k !== '$schema'));
        const known = Object.keys(properties).filter((k) => k !== '$schema').join(', ');
        out.push({ path, message: `unknown field${guess ? `; did you mean "${guess}"?` : ''} (known fields: ${known})` });
      } else {
        out.push({ path, message: 'unknown field' });
      }
      continue;
    }
    if (e.keyword === 'required') {
      const prop = String((e.params as { missingProperty: string }).missingProperty);
      const path = formatPath([...segs, prop]);
      const node = schemaAt([...segs, prop]).node;
      out.push({ path, message: `is required${node?.['x-expect'] ? `: ${node['x-expect']}` : ''}` });
      continue;
    }
    // Report the error at the nearest schema node that says what it expects,
    // so anyOf branches collapse into one readable line.
    const { node, depth } = schemaAt(segs);
    const at = segs.slice(0, depth);
    const value = valueAt(raw, at);
    const expect = node?.['x-expect'];
    out.push({
      path: formatPath(at),
      message: expect ? `must be ${expect} (got ${preview(value)})` : `${e.message ?? 'is invalid'} (got ${preview(value)})`,
    });
  }
  return out;
}

/** The fields worth suggesting: not the former names of renamed options (renamed.ts). */
function offered(properties: Record<string, SchemaNode> | undefined): Record<string, SchemaNode> | undefined {
  return properties && Object.fromEntries(Object.entries(properties).filter(([, n]) => !n['x-renamedTo']));
}

/** The deepest schema node with an `x-expect` along an instance path. */
function schemaAt(segs: string[]): { node: SchemaNode | undefined; depth: number } {
  let node: SchemaNode | undefined = poolConfigSchema as unknown as SchemaNode;
  let best: { node: SchemaNode | undefined; depth: number } = { node, depth: 0 };
  for (let i = 0; i < segs.length && node; i++) {
    node = childSchema(node, segs[i]!);
    if (node?.['x-expect'] || node?.properties) best = { node, depth: i + 1 };
  }
  return best;
}

/** The schema of one step down: a property, an array item, or a map value (through anyOf branches). */
function childSchema(node: SchemaNode, seg: string): SchemaNode | undefined {
  const branches = [node, ...(node.anyOf ?? [])];
  for (const n of branches) {
    if (n.properties && seg in n.properties) return n.properties[seg];
    if (n.items && /^\d+$/.test(seg)) return n.items;
  }
  for (const n of branches) if (typeof n.additionalProperties === 'object') return n.additionalProperties;
  return undefined;
}

/** A failed anyOf reports at every level; keep the deepest, most specific ones. */
function deepest(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.filter((i) => !issues.some((o) => o.path.length > i.path.length && o.path.startsWith(i.path) && /^[.[]/.test(o.path.slice(i.path.length))));
}

function valueAt(raw: unknown, segs: string[]): unknown {
  let v: unknown = raw;
  for (const s of segs) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

/** `['backends', '2', 'weight']` -> `backends[2].weight`. */
export function formatPath(segs: string[]): string {
  let out = '';
  for (const s of segs) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function preview(v: unknown): string {
  // A value that looks like a key is never echoed back into an error message.
  if (typeof v === 'string' && LOOKS_LIKE_KEY.test(v)) return '"***"';
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\u0000${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
