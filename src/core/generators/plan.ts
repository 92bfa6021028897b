/**
 * Turns a validated pool config into an `ApimPlan`: every APIM name, Bicep
 * identifier and parameter decided once, so the Bicep, the policy and the
 * warnings cannot disagree (the policy's `backend-id` is the pool's name).
 * Refusals (what APIM would reject) come back as errors instead of a plan.
 */
import { DEFAULT_APIM_API_NAME, type AuthKind, type PoolConfig } from '../config';
import { isApimServiceName, toApimName, uniqueApimNames, uniqueIdentifiers } from './names';

/** APIM documents "up to 30 backends in a pool". */
export const MAX_POOL_MEMBERS = 30;
export const DEFAULT_POOL_NAME = 'aoai-pool';
export const DEFAULT_API_NAME = DEFAULT_APIM_API_NAME;
/** Clients using an Azure OpenAI SDK call `<endpoint>/openai/...`, so this path keeps them unchanged. */
export const DEFAULT_API_PATH = 'openai';

export interface BreakerSettings {
  /** Failures inside `interval` that trip a member. */
  failureCount: number;
  /** ISO 8601 duration, e.g. `PT1M`. */
  interval: string;
  /** ISO 8601 duration a tripped member stays out (unless Retry-After says otherwise). */
  tripDuration: string;
}

export interface PlanParam {
  name: string;
  description: string;
  secure: boolean;
  /** Bicep default; a parameter without one is required. */
  defaultValue?: string;
  /** Value written to main.parameters.json. */
  fileValue?: string;
  minLength?: number;
  maxLength?: number;
}

export interface PlannedMember {
  configName: string;
  /** APIM backend name. */
  name: string;
  /** PascalCase token for this member's Bicep identifiers. */
  ident: string;
  endpoint: string;
  url: string;
  priority: number;
  /** Only when the config set one: APIM gets no weight otherwise. */
  weight: number | undefined;
  auth: AuthKind;
  /** api-key members: named value holding the key, from Key Vault or a secure parameter. */
  namedValue?: { name: string; keyVaultSecretUri?: string; secureParam?: string };
  /** Entra members: where the role assignment goes, literally or through a parameter. */
  role?: { resourceId?: string; resourceIdParam?: string };
}

export interface ApimPlan {
  poolName: string;
  apiName: string;
  apiPath: string;
  serviceName: string | undefined;
  members: PlannedMember[];
  params: PlanParam[];
  breaker: BreakerSettings;
  tokensPerMinute: number | undefined;
  tokenMetrics: boolean;
  forwardTimeoutSec: number;
  existingApi: boolean;
  /** Config names that had to change: invalid for APIM, or equal to another name once made valid. */
  renamed: { from: string; to: string; why: 'invalid' | 'collision' }[];
}

export interface PlanOptions {
  tokensPerMinute?: number;
  tokenMetrics?: boolean;
  breaker?: Partial<BreakerSettings>;
  existingApi?: boolean;
}

export type PlanResult = { ok: true; plan: ApimPlan } | { ok: false; errors: string[] };

export function planApim(config: PoolConfig, options: PlanOptions = {}): PlanResult {
  const errors: string[] = [];
  const enabled = config.backends.filter((b) => b.enabled);
  if (enabled.length === 0) {
    errors.push('no enabled backends: an APIM pool needs at least one member; enable a backend in the config');
  }
  if (enabled.length > MAX_POOL_MEMBERS) {
    errors.push(
      `APIM allows at most ${MAX_POOL_MEMBERS} backends in a pool, and this config has ${enabled.length} enabled backends; ` +
        `disable ${enabled.length - MAX_POOL_MEMBERS} of them ("enabled": false) or split them over two pools (APIM pools cannot be nested)`,
    );
  }
  const service = config.apim.serviceName;
  if (service !== undefined && !isApimServiceName(service)) {
    errors.push(`apim.serviceName ${JSON.stringify(service)} is not a valid API Management service name (1-50 letters, digits and hyphens, starting with a letter and ending with a letter or digit)`);
  }
  if (errors.length > 0) return { ok: false, errors };

  const poolName = toApimName(config.apim.poolName ?? DEFAULT_POOL_NAME, 'pool');
  const apiName = toApimName(config.apim.apiName ?? DEFAULT_API_NAME, 'api');
  const apiPath = (config.apim.apiPath ?? DEFAULT_API_PATH).replace(/^\/+|\/+$/g, '');
  const valid = enabled.map((b) => toApimName(b.name, 'backend'));
  const names = uniqueApimNames(valid, [poolName]);
  const idents = uniqueIdentifiers(names);

  const params: PlanParam[] = [
    {
      name: 'apimServiceName',
      description: 'Name of the existing API Management service in this resource group (it needs a system-assigned managed identity).',
      secure: false,
      fileValue: service,
      minLength: 1,
      maxLength: 50,
    },
    { name: 'apiName', description: 'Name of the API that fronts the pool.', secure: false, defaultValue: apiName, fileValue: apiName, minLength: 1, maxLength: 80 },
    { name: 'apiPath', description: 'URL suffix of the API; keep it ending in "openai" so Azure OpenAI SDK clients work unchanged.', secure: false, defaultValue: apiPath, fileValue: apiPath, maxLength: 400 },
  ];

  const members: PlannedMember[] = enabled.map((b, i) => {
    const name = names[i]!;
    const ident = idents[i]!;
    const member: PlannedMember = {
      configName: b.name,
      name,
      ident,
      endpoint: b.endpoint,
      url: `${b.endpoint.replace(/\/+$/, '')}/openai`,
      priority: b.priority,
      weight: b.weightExplicit && b.weight > 0 ? b.weight : undefined,
      auth: b.auth,
    };
    if (b.auth === 'apiKey') {
      const nv = { name: `${name}-api-key` } as NonNullable<PlannedMember['namedValue']>;
      if (b.keyVaultSecretUri) {
        nv.keyVaultSecretUri = b.keyVaultSecretUri;
      } else {
        nv.secureParam = `apiKey${ident}`;
        params.push({
          name: nv.secureParam,
          description: `API key of backend "${b.name}" (${b.endpoint}). Stored as a secret named value; set "keyVaultSecretUri" in the config to use Key Vault instead.`,
          secure: true,
        });
      }
      member.namedValue = nv;
    } else {
      member.role = b.resourceId ? { resourceId: b.resourceId } : { resourceIdParam: `resourceId${ident}` };
      if (!b.resourceId) {
        params.push({
          name: `resourceId${ident}`,
          description: `ARM resource id of the Azure OpenAI account behind backend "${b.name}" (${b.endpoint}); APIM's identity gets "Cognitive Services OpenAI User" on it. Set "resourceId" in the config to skip this prompt.`,
          secure: false,
        });
      }
    }
    return member;
  });

  const renamed: ApimPlan['renamed'] = [];
  enabled.forEach((b, i) => {
    if (names[i] !== b.name) renamed.push({ from: b.name, to: names[i]!, why: valid[i] === b.name ? 'collision' : 'invalid' });
  });
  for (const [from, to] of [[config.apim.poolName, poolName], [config.apim.apiName, apiName]] as const) {
    if (from !== undefined && from !== to) renamed.push({ from, to, why: 'invalid' });
  }

  return {
    ok: true,
    plan: {
      poolName,
      apiName,
      apiPath,
      serviceName: service,
      members,
      params,
      breaker: {
        failureCount: options.breaker?.failureCount ?? 1,
        interval: options.breaker?.interval ?? 'PT1M',
        tripDuration: options.breaker?.tripDuration ?? `PT${config.cooldown.defaultSec}S`,
      },
      tokensPerMinute: options.tokensPerMinute ?? config.apim.tokensPerMinute,
      tokenMetrics: options.tokenMetrics ?? config.apim.tokenMetrics,
      forwardTimeoutSec: Math.ceil(Math.max(config.timeouts.headersMs, config.timeouts.streamHeadersMs) / 1000),
      existingApi: options.existingApi ?? false,
      renamed,
    },
  };
}
