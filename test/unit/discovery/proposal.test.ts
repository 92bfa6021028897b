/** The proposed pool: grouping by model, weights from capacity, PTU first, names, warnings, config output. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config';
import {
  dropMembers, editMember, propose, renameAlias, toBackendName, toRawBackends, uniqueName,
  type DiscoveredAccount, type DiscoveredDeployment, type Selection,
} from '../../../src/core/discovery';

function dep(name: string, over: Partial<DiscoveredDeployment> = {}): DiscoveredDeployment {
  return {
    name, model: 'gpt-4o', modelVersion: '2024-11-20', modelFormat: 'OpenAI', sku: 'GlobalStandard', capacity: 100, tpm: undefined, rpm: undefined,
    contentFilter: 'Microsoft.DefaultV2', maxContextTokens: 128_000, maxOutputTokens: 16_384, provisioningState: 'Succeeded', ...over,
  };
}

function account(name: string, deployments: DiscoveredDeployment[], over: Partial<DiscoveredAccount> = {}): DiscoveredAccount {
  return {
    id: `/subscriptions/s1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/${name}`, name, kind: 'OpenAI', region: 'eastus',
    endpoint: `https://${name}.openai.azure.com`, subscriptionId: 's1', subscriptionName: 'Sub', tenantId: 't1', resourceGroup: 'rg', deployments, error: undefined, ...over,
  };
}

const select = (...accounts: DiscoveredAccount[]): Selection[] => accounts.flatMap((a) => a.deployments.map((deployment) => ({ account: a, deployment })));
const view = (p: ReturnType<typeof propose>) => p.members.map((m) => [m.backend, m.alias, m.priority, m.weight]);

describe('propose', () => {
  it('groups deployments by model into one alias each, whatever the deployment names', () => {
    const p = propose(select(
      account('east', [dep('prod-4o'), dep('mini', { model: 'gpt-4o-mini' })]),
      account('west', [dep('gpt4o-west')]),
    ));
    expect(view(p)).toEqual([['east-gpt-4o', 'gpt-4o', 1, 100], ['east-gpt-4o-mini', 'gpt-4o-mini', 1, 100], ['west', 'gpt-4o', 1, 100]]);
  });

  it('weights members by capacity (TPM when every member has it), largest 100, none below 1', () => {
    const p = propose(select(
      account('a', [dep('d', { capacity: 450, tpm: 450_000 })]),
      account('b', [dep('d', { capacity: 150, tpm: 150_000 })]),
      account('c', [dep('d', { capacity: 1, tpm: 1000 })]),
    ));
    expect(view(p)).toEqual([['a', 'gpt-4o', 1, 100], ['b', 'gpt-4o', 1, 33], ['c', 'gpt-4o', 1, 1]]);
    const byCapacity = propose(select(account('a', [dep('d', { capacity: 300 })]), account('b', [dep('d', { capacity: 100, tpm: 100_000 })])));
    expect(view(byCapacity).map((r) => r[3])).toEqual([100, 33]);
  });

  it('puts provisioned (PTU) members first at priority 1 and pay-as-you-go after; weights are per priority group', () => {
    const p = propose(select(
      account('ptu', [dep('d', { sku: 'ProvisionedManaged', capacity: 100 })]),
      account('gptu', [dep('d', { sku: 'GlobalProvisionedManaged', capacity: 50 })]),
      account('dz', [dep('d', { sku: 'DataZoneProvisionedManaged', capacity: 25 })]),
      account('paygo', [dep('d', { sku: 'GlobalStandard', capacity: 400 })]),
      account('std', [dep('d', { sku: 'Standard', capacity: 200 })]),
      account('mini', [dep('m', { model: 'gpt-4o-mini', sku: 'Standard', capacity: 10 })]),
    ));
    expect(view(p)).toEqual([
      ['ptu', 'gpt-4o', 1, 100], ['gptu', 'gpt-4o', 1, 50], ['dz', 'gpt-4o', 1, 25],
      ['paygo', 'gpt-4o', 2, 100], ['std', 'gpt-4o', 2, 50],
      // An alias without PTU members starts at priority 1.
      ['mini', 'gpt-4o-mini', 1, 100],
    ]);
  });

  it('names backends after their accounts: valid, unique (case-insensitive) and clear of names already taken', () => {
    const p = propose(select(
      account('Contoso East', [dep('a'), dep('b')]),
      account('contoso-east-a', [dep('x')]),
    ), ['CONTOSO-EAST-A']);
    expect(p.members.map((m) => m.backend)).toEqual(['Contoso-East-a-2', 'Contoso-East-b', 'contoso-east-a-3']);
    expect(toBackendName('--ai/services (prod)')).toBe('ai-services-prod');
    expect(toBackendName('x'.repeat(80))).toHaveLength(64);
    const taken = new Set(['n']);
    expect([uniqueName('n', taken), uniqueName('n', taken)]).toEqual(['n-2', 'n-3']);
  });

  it('warns on an alias whose members differ in model version, SKU family, content filter or max output tokens', () => {
    const p = propose(select(
      account('a', [dep('d')]),
      account('b', [dep('d', { modelVersion: '2024-08-06', contentFilter: 'strict', maxOutputTokens: 4096 })]),
      account('batch', [dep('d', { sku: 'GlobalBatch' })]),
      account('m1', [dep('m', { model: 'gpt-4o-mini' })]),
      account('m2', [dep('m', { model: 'gpt-4o-mini', sku: 'ProvisionedManaged' })]),
    ));
    expect(p.warnings.map((w) => [w.alias, w.differences.map((d) => d.field)])).toEqual([['gpt-4o', ['modelVersion', 'skuFamily', 'contentFilter', 'maxOutputTokens']]]);
    expect(p.warnings[0]!.message).toContain('model version differs (2024-11-20 on a, batch; 2024-08-06 on b)');
    // PTU with pay-as-you-go spillover is one family: gpt-4o-mini has no warning.
  });

  it('an alias can be renamed or merged (weights follow), members edited by hand or dropped', () => {
    let p = propose(select(account('a', [dep('x', { model: 'gpt-4o-mini', capacity: 50 })]), account('b', [dep('y', { capacity: 100 })])));
    expect(p.warnings).toEqual([]);
    p = renameAlias(p, 'gpt-4o-mini', 'gpt-4o');
    expect(view(p)).toEqual([['a', 'gpt-4o', 1, 50], ['b', 'gpt-4o', 1, 100]]);
    expect(p.warnings.map((w) => w.differences.map((d) => d.field))).toEqual([['model']]);
    expect(() => renameAlias(p, 'gpt-4o', 'bad alias')).toThrow(/not a valid alias/);
    p = editMember(p, 'a', { priority: 3, weight: 7 });
    expect(view(p)[0]).toEqual(['a', 'gpt-4o', 3, 7]);
    expect(() => editMember(p, 'a', { weight: 101 })).toThrow(/1-100/);
    expect(view(dropMembers(p, new Set(['a'])))).toEqual([['b', 'gpt-4o', 1, 100]]);
  });

  it('writes a config the validator accepts: metadata, resource id, region, kind, Entra by default, api key only where chosen', () => {
    const a = account('east', [dep('d', { capacity: 450, tpm: 450_000, rpm: 2700 })], { kind: 'AIServices', region: 'eastus2' });
    const b = account('west', [dep('d', { sku: 'ProvisionedManaged', capacity: 100, contentFilter: undefined })]);
    const backends = toRawBackends(propose(select(a, b)), { auth: (id) => (id === b.id ? 'apiKey' : 'entra') });
    expect(backends).toEqual([
      {
        name: 'east', endpoint: 'https://east.openai.azure.com', priority: 2, weight: 100, auth: 'entra',
        deployments: { 'gpt-4o': { deployment: 'd', model: 'gpt-4o', modelVersion: '2024-11-20', sku: 'GlobalStandard', capacity: 450, tpm: 450_000, rpm: 2700, contentFilter: 'Microsoft.DefaultV2', maxContextTokens: 128_000, maxOutputTokens: 16_384 } },
        resourceId: a.id, region: 'eastus2', kind: 'AIServices',
      },
      {
        name: 'west', endpoint: 'https://west.openai.azure.com', weight: 100, auth: 'apiKey',
        deployments: { 'gpt-4o': { deployment: 'd', model: 'gpt-4o', modelVersion: '2024-11-20', sku: 'ProvisionedManaged', capacity: 100, maxContextTokens: 128_000, maxOutputTokens: 16_384 } },
        resourceId: b.id, region: 'eastus', kind: 'OpenAI',
      },
    ]);
    const r = validateConfig({ backends });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (r.ok) expect(r.config.backends[0]!.deploymentInfo['gpt-4o']!.tpm).toBe(450_000);
  });

  it('leaves out a member whose account reports no endpoint', () => {
    expect(toRawBackends(propose(select(account('x', [dep('d')], { endpoint: undefined }))))).toEqual([]);
  });
});
