/**
 * `contributes.configuration`, generated from the config schema so the
 * settings, the CLI's config file and the validator can never disagree.
 * Sections follow rust-analyzer's layout: an array of titled groups.
 */
import { RENAMED_OPTIONS } from '../../config/renamed';
import { backendSchema, poolConfigSchema } from '../../config/schema';
import { AZURE_AI_HOSTS_TEXT } from '../../auth/hosts';
import { CREDENTIAL_HOSTS_SETTING, POOL_SETTING_KEYS, SETTINGS_SECTION } from '../settings';

type Json = Record<string, unknown>;

/** JSON-schema keywords VS Code reads; our `x-expect` becomes the pattern's error message, other `x-` annotations stay out. */
export function toSettingSchema(node: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-')) continue;
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, Json>).map(([p, n]) => [p, toSettingSchema(n)]));
    else if (k === 'anyOf') out[k] = (v as Json[]).map(toSettingSchema);
    else if ((k === 'items' || k === 'additionalProperties' || k === 'propertyNames') && typeof v === 'object' && v) out[k] = toSettingSchema(v as Json);
    else out[k] = Array.isArray(v) ? [...v] : v;
  }
  if (typeof node.pattern === 'string' && typeof node['x-expect'] === 'string') out.patternErrorMessage = `Must be ${node['x-expect']}.`;
  return out;
}

const pool = poolConfigSchema.properties as unknown as Record<string, Json & { properties?: Record<string, Json> }>;

/** A pool option's schema by its setting key (`timeouts.connectSec`). */
function poolSetting(key: string, extra: Json = {}): Json {
  const [head, sub] = key.split('.') as [string, string | undefined];
  const node = sub === undefined ? pool[head] : pool[head]?.properties?.[sub];
  if (!node) throw new Error(`no schema for ${key}`);
  const out = { ...toSettingSchema(node), ...extra };
  // VS Code answers a setting without a default with its type's empty value
  // (0 for an integer, which the schema then rejects). Optional options get an
  // explicit "unset" default instead, which the adapter drops.
  if (out.default === undefined) {
    if (out.type === 'string') {
      out.default = '';
      delete out.minLength;
    } else if (out.type === 'integer' || out.type === 'number') {
      out.type = [out.type, 'null'];
      out.default = null;
    }
  }
  return out;
}

/**
 * One titled group of settings. `id` decides how the Settings editor labels
 * its settings in the table of contents view (Extensions > AOAI Pool > ...):
 * it drops the part of a setting's category that the id of the group it sits
 * under starts with, so under `aoaiPool.proxy` the key `aoaiPool.port` reads
 * "Port" and `aoaiPool.queue.maxWaitSec` under `aoaiPool.routing` reads
 * "Queue: Max Wait Sec". Without an id the group is known by its title and
 * every label reads "Aoai Pool: ...". Searches (text, `@ext:`, `@id:`) list
 * settings flat and still derive the category from the key: no extension can
 * title a setting (microsoft/vscode#191807).
 */
function section(id: string, title: string, properties: Record<string, Json>): Json {
  let order = 0;
  return {
    id: `${SETTINGS_SECTION}.${id}`,
    title,
    properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [`${SETTINGS_SECTION}.${k}`, { ...v, order: order++ }])),
  };
}

/** An allow-list entry (parseHostPattern in core/auth/hosts.ts checks it fully). */
const HOST_PATTERN = '^(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.?(:[0-9]{1,5})?$';

const TENANT_PATTERN = '^([0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+)?$';

/** Quota routing and its admission queue (issue 10). */
const isRouting = (k: string): boolean => k === 'routing' || k.startsWith('queue.');
const isTimeout = (k: string): boolean => k.startsWith('timeouts.');

/**
 * The settings of these keys, each followed by the former millisecond name
 * it replaces (declared deprecated: the Settings editor shows one only while
 * it is set, with the way out, and the extension can still read and move it).
 */
function withFormerNames(keys: readonly string[]): Record<string, Json> {
  return Object.fromEntries(keys.flatMap((k) => {
    const former = RENAMED_OPTIONS.find((o) => o.now === k);
    const now = [k, poolSetting(k)] as const;
    if (!former) return [now];
    const why = `Use ${SETTINGS_SECTION}.${k} (seconds) instead; AOAI Pool moves this value there when it starts.`;
    return [now, [former.old, poolSetting(former.old, {
      markdownDescription: `Former name of \`#${SETTINGS_SECTION}.${k}#\`, in milliseconds.`,
      deprecationMessage: why,
      markdownDeprecationMessage: `Use \`#${SETTINGS_SECTION}.${k}#\` (seconds) instead; AOAI Pool moves this value there when it starts.`,
    })] as const];
  }));
}

export function configurationContribution(): Json[] {
  const rest = POOL_SETTING_KEYS.filter((k) => !['port', 'backends', 'logRequests'].includes(k));
  return [
    section('proxy', 'Proxy', {
      port: poolSetting('port', {
        markdownDescription: `${pool.port!.markdownDescription} The proxy always listens on \`127.0.0.1\`; a change restarts it.`,
      }),
      autoStart: {
        type: 'boolean',
        default: true,
        markdownDescription: 'Start the proxy when VS Code starts, and when the first backend is added.',
      },
      terminalEnvironment: {
        type: 'boolean',
        default: true,
        markdownDescription:
          'While the proxy runs, new integrated terminals get `AZURE_OPENAI_ENDPOINT`, `AZURE_OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_API_KEY` and `OPENAI_API_VERSION` ' +
          'pointing at the pool, so `OpenAI()` and `AzureOpenAI()` (Python and Node) work with no arguments. The key is the pool\'s client key, not an Azure key.',
      },
      logRequests: poolSetting('logRequests', { markdownDescription: 'Log one line per request in the **AOAI Pool** output channel.' }),
    }),
    section('backends', 'Backends', {
      backends: {
        ...poolSetting('backends'),
        items: toSettingSchema(backendSchema as unknown as Json),
        default: [],
        markdownDescription:
          `${pool.backends!.markdownDescription} Add one with **AOAI Pool: Add Backend**. ` +
          'API keys are never settings: **AOAI Pool: Set API Key** keeps them in VS Code SecretStorage.',
      },
    }),
    section('entra', 'Azure Sign-in', {
      'entra.credential': {
        type: 'string',
        enum: ['vscode', 'azureCli', 'default'],
        default: 'vscode',
        enumDescriptions: [
          'The Microsoft account you sign in to VS Code with (Accounts menu, or **AOAI Pool: Sign in to Azure**).',
          'The Azure CLI account (`az login`).',
          'DefaultAzureCredential from @azure/identity: environment variables, workload or managed identity, Azure CLI, Azure PowerShell, Azure Developer CLI.',
        ],
        markdownDescription: 'Where tokens for backends with `"auth": "entra"` come from.',
      },
      'entra.tenant': {
        type: 'string',
        default: '',
        pattern: TENANT_PATTERN,
        patternErrorMessage: 'Must be a tenant id (a GUID) or a domain such as contoso.onmicrosoft.com.',
        markdownDescription: 'Tenant (directory) id or domain of the Entra tokens. Empty: the account\'s home tenant.',
      },
    }),
    section('security', 'Security', {
      [CREDENTIAL_HOSTS_SETTING]: {
        type: 'array',
        items: { type: 'string', pattern: HOST_PATTERN, patternErrorMessage: 'Must be a host such as gw.contoso.com or *.contoso.com, optionally with :port.' },
        uniqueItems: true,
        default: [],
        // User settings only: a workspace must not widen where credentials go (issue 9).
        scope: 'application',
        markdownDescription:
          `API keys and Entra tokens go only to Azure OpenAI / AI Services hosts (${AZURE_AI_HOSTS_TEXT.replace(/\*/g, '\\*')}) ` +
          'and loopback simulators. List other hosts you trust with them here, such as an API Management gateway: ' +
          '`gw.contoso.com`, `*.contoso.com`, optionally with `:port`. **User settings only**: workspace settings cannot set this.',
      },
    }),
    section('routing', 'Routing', withFormerNames(rest.filter(isRouting))),
    section('failover', 'Failover and Health', withFormerNames(rest.filter((k) => !k.startsWith('apim.') && !isRouting(k) && !isTimeout(k)))),
    section('timeouts', 'Timeouts', withFormerNames(rest.filter(isTimeout))),
    section('apim', 'APIM Generator', withFormerNames(rest.filter((k) => k.startsWith('apim.')))),
  ];
}
