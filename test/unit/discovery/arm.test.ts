/**
 * Discovery with the real Azure SDK clients against the Resource Manager
 * stand-in over TLS (test CA passed explicitly: this is one process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverAccounts, listAccountKeys, listSubscriptions, listTenants } from '../../../src/core/discovery/arm';
import type { ArmTarget } from '../../../src/core/discovery';
import { HOME_TENANT, OTHER_TENANT, startArmSimulator, testArmCredential, type ArmSimulator } from '../../../src/core/simulator/arm';

let sim: ArmSimulator;
let target: ArmTarget;

beforeAll(async () => {
  sim = await startArmSimulator();
  target = { endpoint: sim.url, ca: sim.ca, credentialFor: (t) => testArmCredential(t) };
});
afterAll(() => sim?.close());

describe('discovery against the Resource Manager stand-in', () => {
  it('lists every tenant and, with each tenant\'s own token, the subscriptions of all of them', async () => {
    const tenants = await listTenants(target);
    expect(tenants.map((t) => t.displayName)).toEqual(['Contoso', 'Fabrikam']);
    const { subscriptions, problems } = await listSubscriptions(target, tenants);
    expect(problems).toEqual([]);
    expect(subscriptions.map((s) => [s.displayName, s.tenantId])).toEqual([
      ['Contoso AI Production', HOME_TENANT], ['Contoso Dev', HOME_TENANT], ['Contoso Finance (no access)', HOME_TENANT], ['Fabrikam Research', OTHER_TENANT],
    ]);
    // Three home-tenant subscriptions at two per page: the SDK followed nextLink.
    expect(sim.arm.requests.filter((r) => r.path === '/subscriptions' && r.tenantId === HOME_TENANT)).toHaveLength(2);
  });

  it('finds OpenAI and AIServices accounts with region and deployments, pages through nextLink, and keeps per-account and per-subscription errors', async () => {
    const { subscriptions } = await listSubscriptions(target, await listTenants(target));
    const before = sim.arm.requests.length;
    const progress: string[] = [];
    const d = await discoverAccounts(target, subscriptions, (p) => progress.push(p));

    expect(d.accounts.map((a) => [a.name, a.kind, a.region])).toEqual([
      ['contoso-eastus2', 'AIServices', 'eastus2'],
      ['contoso-francecentral', 'OpenAI', 'francecentral'],
      ['contoso-swedencentral', 'OpenAI', 'swedencentral'],
      ['contoso-westeurope', 'OpenAI', 'westeurope'],
      ['contoso-dev-westus3', 'AIServices', 'westus3'],
      ['fabrikam-japaneast', 'OpenAI', 'japaneast'],
    ]);
    // The TextAnalytics account was listed (third page of five accounts) and skipped.
    const accountPages = sim.arm.requests.slice(before).filter((r) => r.path.endsWith('/providers/Microsoft.CognitiveServices/accounts') && r.path.includes('11111111'));
    expect(accountPages).toHaveLength(3);

    const swc = d.accounts.find((a) => a.name === 'contoso-swedencentral')!;
    expect(swc.endpoint).toBe(sim.backends.find((b) => b.name === swc.name)!.url);
    expect(swc.resourceGroup).toBe('rg-ai-prod');
    expect(swc.id).toBe('/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-ai-prod/providers/Microsoft.CognitiveServices/accounts/contoso-swedencentral');
    expect(swc.deployments).toEqual([
      { name: 'gpt-4o', model: 'gpt-4o', modelVersion: '2024-11-20', modelFormat: 'OpenAI', sku: 'GlobalStandard', capacity: 450, tpm: 450_000, rpm: 2700, contentFilter: 'Microsoft.DefaultV2', maxContextTokens: 128_000, maxOutputTokens: 16_384, provisioningState: 'Succeeded' },
      { name: 'gpt-4o-ptu', model: 'gpt-4o', modelVersion: '2024-11-20', modelFormat: 'OpenAI', sku: 'ProvisionedManaged', capacity: 100, tpm: undefined, rpm: undefined, contentFilter: 'Microsoft.DefaultV2', maxContextTokens: 128_000, maxOutputTokens: 16_384, provisioningState: 'Succeeded' },
      expect.objectContaining({ name: 'text-embedding-3-small', sku: 'Standard', capacity: 350, tpm: 350_000 }),
    ]);
    // No rateLimits from ARM: a Standard SKU's TPM still follows from its capacity; RPM stays unknown.
    expect(d.accounts.find((a) => a.name === 'contoso-westeurope')!.deployments[0]).toMatchObject({ tpm: 80_000, rpm: undefined });

    const locked = d.accounts.find((a) => a.name === 'contoso-francecentral')!;
    expect(locked.deployments).toEqual([]);
    expect(locked.error).toMatch(/^403 AuthorizationFailed: .*accounts\/deployments\/read/);
    expect(d.problems).toEqual([{ id: '33333333-3333-4333-8333-333333333333', name: 'Contoso Finance (no access)', message: expect.stringMatching(/^403 AuthorizationFailed: .*does not have authorization/) }]);
    // The other tenant's subscription was read with that tenant's token (ARM refuses another tenant's).
    expect(sim.arm.requests.some((r) => r.path.includes('44444444') && r.tenantId === OTHER_TENANT)).toBe(true);
    expect(progress).toContain('contoso-francecentral: cannot list deployments');
  });

  it('fetches an account\'s keys with listKeys', async () => {
    const { subscriptions } = await listSubscriptions(target, await listTenants(target));
    const d = await discoverAccounts(target, subscriptions.filter((s) => s.displayName === 'Fabrikam Research'));
    const keys = await listAccountKeys(target, d.accounts[0]!);
    expect(keys.key1).toBe(sim.backends.find((b) => b.name === 'fabrikam-japaneast')!.apiKey);
    expect(keys.key2).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a token of the wrong tenant is refused: one credential for all tenants would lose the other tenant\'s subscriptions', async () => {
    const oneTenant: ArmTarget = { ...target, credentialFor: () => testArmCredential(HOME_TENANT) };
    const { subscriptions } = await listSubscriptions(target, await listTenants(target));
    const d = await discoverAccounts(oneTenant, subscriptions.filter((s) => s.tenantId === OTHER_TENANT));
    expect(d.accounts).toEqual([]);
    expect(d.problems[0]!.message).toMatch(/^401 InvalidAuthenticationTokenTenant/);
  });

  it('without the test CA the TLS handshake fails: the stand-in really is https', async () => {
    await expect(listTenants({ ...target, ca: undefined })).rejects.toThrow(/certificate/i);
  });
});
