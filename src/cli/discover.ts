/**
 * `aoai-pool discover`: finds the Azure OpenAI and AI Services deployments an
 * account can see and writes a pool config for them (issue 11), with
 * DefaultAzureCredential (`az login` works) and the Azure SDKs.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, defaultApiKeyEnv, formatIssue, validateConfig, type AuthKind, type RawPoolConfig } from '../core/config';
import {
  apiKeyEnvNames, discoveryTable, normalizeArmEndpoint, propose, proposalTable, PUBLIC_ARM_ENDPOINT, toRawBackends,
  type ArmTarget, type Selection,
} from '../core/discovery';
import type { TokenCredentialLike } from '../core/auth/token';

export const DISCOVER_HELP = `Usage: aoai-pool discover [options]

Lists the Azure OpenAI and AI Services accounts and deployments your Azure
sign-in can see (every tenant), proposes a pool (one alias per model, weights
from capacity, provisioned deployments first) and writes it as a config.

Options:
  -s, --subscription ID   only this subscription (repeatable; default: all)
  -m, --model NAME        only deployments of this model (repeatable; default: all)
  -o, --out FILE          where to write the config (default: ./${DEFAULT_CONFIG_FILE})
      --force             overwrite FILE if it exists
      --dry-run           print what was found and the proposal; write nothing
      --auth KIND         entra (default) or apiKey: apiKey writes the name of an
                          environment variable per backend, never a key
      --arm-endpoint URL  Resource Manager endpoint (default ${PUBLIC_ARM_ENDPOINT};
                          e.g. https://management.usgovcloudapi.net)
  -h, --help              show this help

Environment:
  AOAI_POOL_ARM_ENDPOINT  Resource Manager endpoint, when --arm-endpoint is not given
  DefaultAzureCredential: az login, AZURE_CLIENT_ID/AZURE_TENANT_ID/..., managed identity;
  AZURE_AUTHORITY_HOST for a sovereign cloud's sign-in; NODE_EXTRA_CA_CERTS for extra CAs.

Exit code 0 when a config was written (or --dry-run found deployments), 1 when
nothing usable was found, 2 for bad options.`;

const OPTIONS = {
  subscription: { type: 'string', short: 's', multiple: true },
  model: { type: 'string', short: 'm', multiple: true },
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  auth: { type: 'string' },
  'arm-endpoint': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** DefaultAzureCredential, built on first use, asked for a token of one tenant at a time. */
function defaultCredential(): (tenantId?: string) => TokenCredentialLike {
  let inner: Promise<TokenCredentialLike> | undefined;
  const load = () => (inner ??= import('@azure/identity').then((m) => new m.DefaultAzureCredential({ additionallyAllowedTenants: ['*'] })));
  return (tenantId) => ({
    getToken: async (scopes, options) => (await load()).getToken(scopes, { ...options, ...(tenantId ? { tenantId } : {}) } as never),
  });
}

export async function runDiscover(argv: string[], credentialFor = defaultCredential()): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true });
  if (values.help) {
    console.log(DISCOVER_HELP);
    return 0;
  }
  const auth = (values.auth ?? 'entra') as AuthKind;
  if (auth !== 'entra' && auth !== 'apiKey') {
    console.error(`--auth: must be "entra" or "apiKey" (got ${JSON.stringify(values.auth)})`);
    return 2;
  }
  let endpoint: string;
  try {
    endpoint = normalizeArmEndpoint(values['arm-endpoint'] ?? process.env.AOAI_POOL_ARM_ENDPOINT ?? PUBLIC_ARM_ENDPOINT);
  } catch (e) {
    console.error(`--arm-endpoint: ${(e as Error).message}`);
    return 2;
  }
  const out = values.out ?? DEFAULT_CONFIG_FILE;
  if (!values['dry-run'] && existsSync(out) && !values.force) {
    console.error(`${out} exists: pass --force to overwrite it, --out to write elsewhere, or --dry-run to only look`);
    return 2;
  }

  const target: ArmTarget = { endpoint, credentialFor };
  const { discoverAccounts, listSubscriptions, listTenants } = await import('../core/discovery/arm');
  const progress = (m: string) => process.stderr.write(`  ${m}\n`);
  process.stderr.write(`Asking ${endpoint} for tenants and subscriptions...\n`);
  const tenants = await listTenants(target).catch((e: unknown) => {
    process.stderr.write(`cannot list tenants (${(e as Error).message.split('\n')[0]}); using the credential's home tenant\n`);
    return [];
  });
  const listed = await listSubscriptions(target, tenants);
  for (const p of listed.problems) process.stderr.write(`cannot read tenant ${p.name ?? p.id}: ${p.message}\n`);
  const wanted = values.subscription?.map((s) => s.toLowerCase());
  const subscriptions = wanted ? listed.subscriptions.filter((s) => wanted.includes(s.subscriptionId.toLowerCase())) : listed.subscriptions;
  for (const id of wanted ?? []) if (!subscriptions.some((s) => s.subscriptionId.toLowerCase() === id)) process.stderr.write(`subscription ${id} is not visible to this sign-in\n`);
  if (subscriptions.length === 0) {
    console.error('No subscription to look in: sign in with "az login" (or another DefaultAzureCredential source) to an account that has one');
    return 1;
  }
  process.stderr.write(`Listing accounts in ${subscriptions.length} subscription(s)...\n`);
  const found = await discoverAccounts(target, subscriptions, progress);
  console.log(discoveryTable(found));

  const models = values.model?.map((m) => m.toLowerCase());
  const selection: Selection[] = found.accounts.flatMap((account) => account.deployments
    .filter((d) => (d.provisioningState ?? 'Succeeded') === 'Succeeded' && (!models || models.includes((d.model ?? d.name).toLowerCase())))
    .map((deployment) => ({ account, deployment })));
  if (selection.length === 0) {
    console.error(`\nNo usable deployment found${models ? ` of ${values.model!.join(', ')}` : ''}.`);
    return 1;
  }
  const proposal = propose(selection);
  // Key auth names its environment variable in the file, so the config says where the key comes from.
  const backends = toRawBackends(proposal, { auth: () => auth }).map((b) => (b.auth === 'apiKey' ? { ...b, apiKeyEnv: defaultApiKeyEnv(b.name) } : b));
  console.log(`\nProposed pool:\n${proposalTable(proposal)}`);

  const config: RawPoolConfig = { backends };
  const check = validateConfig(config);
  if (!check.ok) throw new Error(`internal error: the proposed config is invalid: ${check.errors.map(formatIssue).join('; ')}`);
  if (values['dry-run']) return 0;
  await writeFile(out, `${JSON.stringify(config, null, 2)}\n`, 'utf8');
  console.log(`\nWrote ${out}: ${backends.length} backend(s). Start the pool with: aoai-pool serve --config ${out}`);
  if (auth === 'apiKey') {
    console.log('Each backend reads its key from an environment variable (keys are never written to the file):');
    for (const [name, env] of apiKeyEnvNames(backends)) {
      const m = proposal.members.find((x) => x.backend === name)!;
      console.log(`  export ${env}=$(az cognitiveservices account keys list -g ${m.account.resourceGroup} -n ${m.account.name} --subscription ${m.account.subscriptionId} --query key1 -o tsv)`);
    }
  } else {
    console.log('Entra ID: your account needs the "Cognitive Services OpenAI User" role on each account, e.g.');
    const ids = [...new Set(proposal.members.map((m) => m.account.id))];
    for (const id of ids) console.log(`  az role assignment create --assignee $(az ad signed-in-user show --query id -o tsv) --role "Cognitive Services OpenAI User" --scope ${id}`);
  }
  return 0;
}
