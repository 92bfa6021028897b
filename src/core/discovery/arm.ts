/**
 * Resource Manager calls through the Azure SDKs made for them:
 * `@azure/arm-resources-subscriptions` (tenants, subscriptions) and
 * `@azure/arm-cognitiveservices` (accounts, deployments, keys). The SDKs page
 * through `nextLink` themselves. They are loaded on first use only: neither
 * the proxy nor the extension's activation pays for them.
 *
 * Every tenant gets its own credential (a token is issued per tenant), and
 * every subscription and account that cannot be read is kept with the reason
 * Resource Manager gave, instead of vanishing from the list.
 */
import { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { accountEndpoint, accountKind, armErrorText, resourceGroupOf, servesOpenAI, toDeployment } from './deployments';
import type { ArmTarget, DiscoveredAccount, Discovery, Problem, Subscription, Tenant } from './types';

/** Accounts and subscriptions listed at once: enough to be quick, few enough to stay clear of ARM's read throttling. */
const CONCURRENCY = 4;

function clientOptions(target: ArmTarget) {
  const endpoint = target.endpoint.replace(/\/+$/, '');
  const additionalPolicies: { policy: PipelinePolicy; position: 'perCall' }[] = [];
  if (target.ca) {
    // Node reads NODE_EXTRA_CA_CERTS only at start-up; an in-process caller passes its CA here.
    const agent = new Agent({ ca: target.ca, keepAlive: false });
    additionalPolicies.push({ position: 'perCall', policy: { name: 'aoaiPoolExtraCa', sendRequest: (req, next) => ((req.agent = agent), next(req)) } });
  }
  return { endpoint, $host: endpoint, credentialScopes: [`${endpoint}/.default`], additionalPolicies };
}

function credential(target: ArmTarget, tenantId?: string): TokenCredential {
  return target.credentialFor(tenantId) as TokenCredential;
}

async function subscriptionClient(target: ArmTarget, tenantId?: string) {
  const { SubscriptionClient } = await import('@azure/arm-resources-subscriptions');
  return new SubscriptionClient(credential(target, tenantId), clientOptions(target));
}

async function cognitiveClient(target: ArmTarget, subscription: Pick<Subscription, 'subscriptionId' | 'tenantId'>) {
  const { CognitiveServicesManagementClient } = await import('@azure/arm-cognitiveservices');
  return new CognitiveServicesManagementClient(credential(target, subscription.tenantId), subscription.subscriptionId, clientOptions(target));
}

/** The tenants (directories) the signed-in account can see. */
export async function listTenants(target: ArmTarget): Promise<Tenant[]> {
  const client = await subscriptionClient(target);
  const out: Tenant[] = [];
  for await (const t of client.tenants.list({ abortSignal: target.signal })) {
    if (t.tenantId) out.push({ tenantId: t.tenantId, displayName: t.displayName, defaultDomain: t.defaultDomain });
  }
  return out;
}

/**
 * Subscriptions of every tenant, each listed with that tenant's own token
 * (ARM lists only the token's tenant). A tenant that refuses (MFA, consent,
 * no access) becomes a problem, not an error. Without tenants, the home
 * tenant's subscriptions.
 */
export async function listSubscriptions(target: ArmTarget, tenants?: readonly Tenant[]): Promise<{ subscriptions: Subscription[]; problems: Problem[] }> {
  const scopes: (Tenant | undefined)[] = tenants?.length ? [...tenants] : [undefined];
  const subscriptions = new Map<string, Subscription>();
  const problems: Problem[] = [];
  await eachLimited(scopes, async (tenant) => {
    try {
      const client = await subscriptionClient(target, tenant?.tenantId);
      for await (const s of client.subscriptions.list({ abortSignal: target.signal })) {
        if (!s.subscriptionId || subscriptions.has(s.subscriptionId)) continue;
        subscriptions.set(s.subscriptionId, { subscriptionId: s.subscriptionId, displayName: s.displayName ?? s.subscriptionId, tenantId: s.tenantId ?? tenant?.tenantId ?? '', state: s.state });
      }
    } catch (e) {
      if (target.signal?.aborted) throw e;
      problems.push({ id: tenant?.tenantId ?? 'home tenant', name: tenant?.displayName, message: armErrorText(e) });
    }
  });
  return { subscriptions: [...subscriptions.values()].sort((a, b) => a.displayName.localeCompare(b.displayName)), problems };
}

/**
 * Every OpenAI and AIServices account of these subscriptions, with its
 * deployments. `onProgress` hears each subscription and account as it is done.
 */
export async function discoverAccounts(target: ArmTarget, subscriptions: readonly Subscription[], onProgress?: (what: string) => void): Promise<Discovery> {
  const accounts: DiscoveredAccount[] = [];
  const problems: Problem[] = [];
  await eachLimited(subscriptions, async (sub) => {
    let client: Awaited<ReturnType<typeof cognitiveClient>>;
    const found: DiscoveredAccount[] = [];
    try {
      client = await cognitiveClient(target, sub);
      for await (const a of client.accounts.list({ abortSignal: target.signal })) {
        if (!a.id || !a.name || !servesOpenAI(a.kind)) continue;
        found.push({
          id: a.id, name: a.name, kind: accountKind(a.kind), region: a.location ?? '', endpoint: accountEndpoint(a),
          subscriptionId: sub.subscriptionId, subscriptionName: sub.displayName, tenantId: sub.tenantId,
          resourceGroup: resourceGroupOf(a.id) ?? '', deployments: [], error: undefined,
        });
      }
    } catch (e) {
      if (target.signal?.aborted) throw e;
      problems.push({ id: sub.subscriptionId, name: sub.displayName, message: armErrorText(e) });
      return;
    }
    onProgress?.(`${sub.displayName}: ${found.length} account(s)`);
    await eachLimited(found, async (account) => {
      try {
        for await (const d of client.deployments.list(account.resourceGroup, account.name, { abortSignal: target.signal })) {
          account.deployments.push(toDeployment(d));
        }
        account.deployments.sort((x, y) => x.name.localeCompare(y.name));
      } catch (e) {
        if (target.signal?.aborted) throw e;
        account.error = armErrorText(e);
      }
      onProgress?.(`${account.name}: ${account.error ? 'cannot list deployments' : `${account.deployments.length} deployment(s)`}`);
    });
    accounts.push(...found);
  });
  accounts.sort((a, b) => a.subscriptionName.localeCompare(b.subscriptionName) || a.name.localeCompare(b.name));
  return { accounts, problems };
}

/** The account's two keys (`listKeys`, a POST that needs `Microsoft.CognitiveServices/accounts/listKeys/action`). */
export async function listAccountKeys(target: ArmTarget, account: Pick<DiscoveredAccount, 'subscriptionId' | 'tenantId' | 'resourceGroup' | 'name'>): Promise<{ key1: string | undefined; key2: string | undefined }> {
  const client = await cognitiveClient(target, account);
  const keys = await client.accounts.listKeys(account.resourceGroup, account.name, { abortSignal: target.signal });
  return { key1: keys.key1, key2: keys.key2 };
}

async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
