/**
 * The JSON schema of the config model. It is the single source for the
 * validation of every config, the CLI's file and the extension's settings
 * alike (through ajv, ./validate.ts), for the names of renamed settings
 * (./renamed.ts) and for the extension's `contributes.configuration`
 * (src/core/view/manifest/configuration.ts).
 *
 * `x-expect` is our own annotation: the phrase that completes
 * "<path>: must be ..." when a value is wrong, so every error reads as a fix.
 */
import { DEFAULT_COOLDOWN, DEFAULT_HEALTH_PROBE, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_REQUEST_BODY_MB, DEFAULT_PORT, DEFAULT_QUEUE, DEFAULT_QUOTA_MINUTE_MS, DEFAULT_ROUTING, DEFAULT_TIMEOUTS } from './defaults';

/** Azure deployment names: letters, digits, `.`, `_`, `-`; up to 64 characters. */
export const DEPLOYMENT_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
/** Backend names become env var suffixes, tree labels and APIM names. */
export const BACKEND_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

/** A duration in seconds; fractions allowed (tests and simulators use 0.1-0.5 s). */
const sec = (min: number, max: number, def: number, what: string) => ({
  type: 'number',
  minimum: min,
  maximum: max,
  default: def,
  markdownDescription: what,
  'x-expect': `a number of seconds ${min}-${max} (fractions allowed, e.g. 0.5)`,
});

/**
 * The millisecond names of `props` (`connectSec` -> `connectMs`), as they were
 * before issue 13 (item 12): still accepted and checked in their old unit and
 * range, never offered. `x-renamedTo` names the option that replaces each one;
 * validate() warns and converts, the extension moves them in the settings.
 */
function formerlyMs<P extends Record<string, { minimum: number; maximum: number }>>(section: string, props: P) {
  return Object.fromEntries(Object.entries(props).map(([key, node]) => {
    const now = `${section}.${key}`;
    const min = node.minimum * 1000;
    const max = node.maximum * 1000;
    return [key.replace(/Sec$/, 'Ms'), {
      type: 'integer',
      minimum: min,
      maximum: max,
      deprecationMessage: `Deprecated: use ${now}, in seconds.`,
      markdownDescription: `Deprecated: use \`${now}\`, in seconds.`,
      'x-expect': `an integer number of milliseconds ${min}-${max} (or use ${now}, in seconds)`,
      'x-renamedTo': now,
    }];
  }));
}

const timeoutSeconds = {
  connectSec: sec(0.1, 120, DEFAULT_TIMEOUTS.connectMs / 1000, 'Connect timeout per attempt, in seconds.'),
  headersSec: sec(0.1, 3600, DEFAULT_TIMEOUTS.headersMs / 1000, 'Seconds to wait for the response headers of a non-streaming request (the whole generation happens first).'),
  streamHeadersSec: sec(0.1, 3600, DEFAULT_TIMEOUTS.streamHeadersMs / 1000, 'Seconds to wait for the response headers of a streaming request.'),
  idleSec: sec(0.1, 3600, DEFAULT_TIMEOUTS.idleMs / 1000, 'Longest silence inside a body, in seconds, before the transfer is cut.'),
  requestSec: sec(1, 3600, DEFAULT_TIMEOUTS.requestMs / 1000, 'Longest time, in seconds, a client may take to send a whole request (headers and body); a slower one gets 408 and its connection is closed. Responses, however long they stream, are not limited by it.'),
};

const queueWait = {
  maxWaitSec: sec(0, 600, DEFAULT_QUEUE.maxWaitMs / 1000, 'Quota routing: longest a request waits for quota, in seconds. A request that would wait longer is answered 429 at once, with `Retry-After`/`retry-after-ms` true for its size. `0`: never wait.'),
};

const count = (what: string, max: number) => ({
  type: 'integer',
  minimum: 0,
  maximum: max,
  markdownDescription: what,
  'x-expect': `an integer 0-${max}`,
});

/** One deployment with what Resource Manager says about it (issue 11). Unknown fields are refused: a pasted key must not pass. */
export const deploymentInfoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['deployment'],
  properties: {
    deployment: { type: 'string', pattern: DEPLOYMENT_NAME_PATTERN, markdownDescription: 'The deployment name on this backend.', 'x-expect': 'an Azure deployment name (letters, digits, ".", "_", "-")' },
    model: { type: 'string', minLength: 1, maxLength: 200, markdownDescription: 'Model name, e.g. `gpt-4o`.', 'x-expect': 'a model name such as "gpt-4o"' },
    modelVersion: { type: 'string', minLength: 1, maxLength: 100, markdownDescription: 'Model version, e.g. `2024-11-20`.', 'x-expect': 'a model version such as "2024-11-20"' },
    sku: { type: 'string', minLength: 1, maxLength: 100, markdownDescription: 'Deployment SKU: `Standard`, `GlobalStandard`, `DataZoneStandard`, `ProvisionedManaged`, ...', 'x-expect': 'a SKU name such as "GlobalStandard"' },
    capacity: count('SKU capacity: thousands of tokens per minute for Standard SKUs, PTUs for provisioned ones.', 100_000_000),
    tpm: count('Tokens per minute of this deployment.', 1_000_000_000_000),
    rpm: count('Requests per minute of this deployment.', 1_000_000_000),
    contentFilter: { type: 'string', minLength: 1, maxLength: 200, markdownDescription: 'Content filter (RAI policy) name, e.g. `Microsoft.DefaultV2`.', 'x-expect': 'a content filter name such as "Microsoft.DefaultV2"' },
    maxContextTokens: count('Context window in tokens, as Resource Manager reports it.', 100_000_000),
    maxOutputTokens: count('Most output tokens per response, as Resource Manager reports it.', 100_000_000),
  },
} as const;

export const backendSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'endpoint'],
  properties: {
    name: {
      type: 'string',
      pattern: BACKEND_NAME_PATTERN,
      markdownDescription: 'Unique name of this backend, e.g. `eastus`. Letters, digits, `.`, `_`, `-`.',
      'x-expect': 'a name of 1-64 letters, digits, ".", "_" or "-" starting with a letter or digit',
    },
    endpoint: {
      type: 'string',
      markdownDescription: 'Resource endpoint, e.g. `https://my-resource.openai.azure.com`. Must be https (plain http only for loopback simulators).',
      'x-expect': 'an https URL such as "https://my-resource.openai.azure.com"',
    },
    priority: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 1,
      markdownDescription: 'Priority group: lower numbers are preferred. Lower-priority groups take traffic only when every backend of the better groups is cooling down or unhealthy.',
      'x-expect': 'an integer 1-100 (lower = preferred)',
    },
    weight: {
      type: 'integer',
      minimum: 1,
      maximum: 100,
      markdownDescription: 'Share of traffic inside its priority group. Leave out for an equal share.',
      'x-expect': 'an integer 1-100',
    },
    auth: {
      type: 'string',
      enum: ['apiKey', 'entra'],
      default: 'apiKey',
      enumDescriptions: [
        'API key: kept in VS Code SecretStorage (extension) or an environment variable (CLI), never in this file.',
        'Microsoft Entra ID token for https://cognitiveservices.azure.com/.default.',
      ],
      markdownDescription: 'How the proxy authenticates to this backend.',
      'x-expect': 'one of "apiKey", "entra"',
    },
    apiKeyEnv: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      markdownDescription: 'CLI only: the environment variable holding the API key. Default `AOAI_POOL_KEY_<NAME>`.',
      'x-expect': 'the NAME of an environment variable (letters, digits, "_"), not the key itself',
    },
    deployments: {
      anyOf: [
        {
          type: 'object',
          additionalProperties: {
            anyOf: [{ type: 'string', pattern: DEPLOYMENT_NAME_PATTERN }, deploymentInfoSchema],
            'x-expect': 'a deployment name (letters, digits, ".", "_", "-") or an object {"deployment": "name", "model": ..., "sku": ..., "capacity": ...}',
          },
          propertyNames: { pattern: DEPLOYMENT_NAME_PATTERN },
        },
        { type: 'array', items: { type: 'string', pattern: DEPLOYMENT_NAME_PATTERN }, uniqueItems: true },
      ],
      markdownDescription: 'Model aliases this backend serves: a map `{"alias": "deployment-name"}` or a list of deployment names. Leave out to serve any deployment name as it is. ' +
        'A map value may also be an object with the deployment\'s metadata, as **Add Backends from Azure** writes it: `{"deployment": "gpt-4o-prod", "model": "gpt-4o", "modelVersion": "2024-11-20", "sku": "GlobalStandard", "capacity": 450}`.',
      'x-expect': 'a map {"alias": "deployment"} or a list ["deployment", ...] of Azure deployment names (letters, digits, ".", "_", "-")',
    },
    enabled: {
      type: 'boolean',
      default: true,
      markdownDescription: 'Set to `false` to keep a backend configured but take no traffic.',
      'x-expect': 'true or false',
    },
    resourceId: {
      type: 'string',
      pattern: '^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.CognitiveServices/accounts/[^/]+$',
      markdownDescription: 'ARM resource id of the Azure OpenAI account: the APIM generator\'s role assignments, and the exact `az role assignment` command shown when Entra ID is refused. **Add Backends from Azure** fills it in.',
      'x-expect': 'an ARM id "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.CognitiveServices/accounts/<name>"',
    },
    region: {
      type: 'string',
      pattern: '^[a-z0-9]{1,40}$',
      markdownDescription: 'Azure region of the account, e.g. `swedencentral` (informational; **Add Backends from Azure** fills it in).',
      'x-expect': 'an Azure region name such as "eastus" (lower-case letters and digits)',
    },
    kind: {
      type: 'string',
      enum: ['OpenAI', 'AIServices'],
      markdownDescription: 'Kind of the `Microsoft.CognitiveServices/accounts` resource (informational; **Add Backends from Azure** fills it in).',
      'x-expect': 'one of "OpenAI", "AIServices"',
    },
    keyVaultSecretUri: {
      type: 'string',
      pattern: '^https://[A-Za-z0-9-]+\\.vault\\.azure\\.net/secrets/[A-Za-z0-9-]+(/[A-Za-z0-9]*)?$',
      markdownDescription: 'APIM generator: Key Vault secret URI holding this backend\'s API key, e.g. `https://my-vault.vault.azure.net/secrets/openai1-key`.',
      'x-expect': 'a Key Vault secret URI "https://<vault>.vault.azure.net/secrets/<name>"',
    },
  },
} as const;

export const apimSchema = {
  type: 'object',
  additionalProperties: false,
  markdownDescription: 'Options for "Generate APIM Pool". Anything left out becomes a Bicep parameter.',
  properties: {
    serviceName: { type: 'string', minLength: 1, maxLength: 50, markdownDescription: 'Name of the existing API Management service.', 'x-expect': 'an APIM service name (1-50 characters)' },
    apiName: { type: 'string', minLength: 1, maxLength: 80, markdownDescription: 'Name of the API in APIM.', 'x-expect': 'an API name (1-80 characters)' },
    apiPath: { type: 'string', maxLength: 400, pattern: '^[A-Za-z0-9._~/-]*$', markdownDescription: 'URL suffix of the API, e.g. `openai`.', 'x-expect': 'a URL path such as "openai"' },
    poolName: { type: 'string', minLength: 1, maxLength: 80, markdownDescription: 'Name of the Pool backend.', 'x-expect': 'a backend name (1-80 characters)' },
    tokensPerMinute: { type: 'integer', minimum: 1, maximum: 100_000_000, markdownDescription: 'Tokens-per-minute limit per subscription (`azure-openai-token-limit`).', 'x-expect': 'an integer 1-100000000' },
    tokenMetrics: { type: 'boolean', default: false, markdownDescription: 'Emit token metrics (`azure-openai-emit-token-metric`).', 'x-expect': 'true or false' },
  },
} as const;

export const poolConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'AOAI Pool configuration',
  type: 'object',
  additionalProperties: false,
  required: ['backends'],
  properties: {
    $schema: { type: 'string' },
    port: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      default: DEFAULT_PORT,
      markdownDescription: 'Local port of the proxy. `0` picks a free one.',
      'x-expect': 'an integer port 0-65535',
    },
    host: {
      type: 'string',
      default: '127.0.0.1',
      markdownDescription: 'Address to listen on. Keep `127.0.0.1`: anything else exposes your Azure quota to the network.',
      'x-expect': 'an IP address such as "127.0.0.1"',
    },
    allowedHosts: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      markdownDescription: 'Extra `Host` header names accepted besides loopback (only useful with a non-loopback `host`).',
      'x-expect': 'a list of host names',
    },
    backends: { type: 'array', items: backendSchema, markdownDescription: 'The Azure OpenAI resources in the pool.', 'x-expect': 'a list of backends' },
    maxAttempts: {
      type: 'integer', minimum: 1, maximum: 10, default: DEFAULT_MAX_ATTEMPTS,
      markdownDescription: 'Most backends one request tries before giving up.',
      'x-expect': 'an integer 1-10',
    },
    maxRequestBodyMB: {
      type: 'integer', minimum: 1, maximum: 512, default: DEFAULT_MAX_REQUEST_BODY_MB,
      markdownDescription: 'Largest request body the proxy buffers for failover; bigger requests get 413.',
      'x-expect': 'an integer number of megabytes 1-512',
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...timeoutSeconds,
        ...formerlyMs('timeouts', timeoutSeconds),
      },
      'x-expect': 'an object {connectSec, headersSec, streamHeadersSec, idleSec, requestSec}',
    },
    healthProbe: {
      type: 'object',
      additionalProperties: false,
      properties: {
        intervalSec: { type: 'integer', minimum: 0, maximum: 3600, default: DEFAULT_HEALTH_PROBE.intervalSec, markdownDescription: 'Seconds between active probes; `0` turns them off.', 'x-expect': 'an integer number of seconds 0-3600' },
        apiVersion: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(-preview)?$', default: DEFAULT_HEALTH_PROBE.apiVersion, markdownDescription: 'api-version used by probes.', 'x-expect': 'an api-version such as "2024-10-21"' },
      },
      'x-expect': 'an object {intervalSec, apiVersion}',
    },
    cooldown: {
      type: 'object',
      additionalProperties: false,
      properties: {
        defaultSec: { type: 'integer', minimum: 1, maximum: 3600, default: DEFAULT_COOLDOWN.defaultSec, markdownDescription: 'Cooldown after a 429 without throttle headers.', 'x-expect': 'an integer number of seconds 1-3600' },
        maxSec: { type: 'integer', minimum: 1, maximum: 86_400, default: DEFAULT_COOLDOWN.maxSec, markdownDescription: 'Upper bound for any throttle header.', 'x-expect': 'an integer number of seconds 1-86400' },
      },
      'x-expect': 'an object {defaultSec, maxSec}',
    },
    routing: {
      type: 'string', enum: ['quota', 'roundRobin'], default: DEFAULT_ROUTING,
      enumDescriptions: [
        'Send each request where it fits the deployment\'s tokens-per-minute quota (configured `tpm`, corrected by the `x-ratelimit-*` headers), best priority group first; hold it briefly when nothing fits now.',
        'Weighted round-robin inside the best priority group; a 429 rests that deployment for the time its headers say.',
      ],
      markdownDescription: 'How the pool chooses a backend. `quota` keeps a model of each deployment\'s quota and sends a request only where it fits; `roundRobin` is the older behaviour.',
      'x-expect': 'one of "quota", "roundRobin"',
    },
    queue: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...queueWait,
        maxLength: { type: 'integer', minimum: 1, maximum: 100_000, default: DEFAULT_QUEUE.maxLength, markdownDescription: 'Quota routing: most requests waiting for quota per model alias.', 'x-expect': 'an integer 1-100000' },
        maxMB: { type: 'integer', minimum: 1, maximum: 4096, default: DEFAULT_QUEUE.maxMB, markdownDescription: 'Quota routing: most request-body megabytes held by waiting requests per model alias.', 'x-expect': 'an integer number of megabytes 1-4096' },
        ...formerlyMs('queue', queueWait),
      },
      'x-expect': 'an object {maxWaitSec, maxLength, maxMB}',
    },
    quotaMinuteMs: {
      type: 'integer', minimum: 100, maximum: 60_000, default: DEFAULT_QUOTA_MINUTE_MS,
      markdownDescription: 'Length of a quota minute in ms. Leave at 60000 with Azure; only a simulator started with `--time-scale N` needs 60000 / N.',
      'x-expect': 'an integer number of milliseconds 100-60000',
    },
    logRequests: { type: 'boolean', default: true, markdownDescription: 'Log one line per request.', 'x-expect': 'true or false' },
    apim: { ...apimSchema, 'x-expect': 'an object {serviceName, apiName, apiPath, poolName, tokensPerMinute, tokenMetrics}' },
  },
} as const;
