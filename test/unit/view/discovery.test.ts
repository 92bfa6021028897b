/** What "Add Backends from Azure…" shows, the role hint, the sovereign cloud choice, and alias warnings in the tree. */
import { describe, expect, it } from 'vitest';
import type { BackendSnapshot } from '../../../src/core';
import { cloudFromSovereignSettings, normalizeArmEndpoint, propose, type DiscoveredAccount, type DiscoveredDeployment, type Discovery } from '../../../src/core/discovery';
import {
  aliasWarningMap, backendItem, deploymentItem, deploymentItems, idleSnapshot, proposalItems, refusedEntra, roleAssignmentCommand, roleHintMessage, subscriptionItems,
} from '../../../src/core/view';
import { validateConfig } from '../../../src/core/config';

const dep = (name: string, over: Partial<DiscoveredDeployment> = {}): DiscoveredDeployment => ({
  name, model: 'gpt-4o', modelVersion: '2024-11-20', modelFormat: 'OpenAI', sku: 'GlobalStandard', capacity: 100, tpm: 100_000, rpm: 600,
  contentFilter: 'Microsoft.DefaultV2', maxContextTokens: undefined, maxOutputTokens: undefined, provisioningState: 'Succeeded', ...over,
});
const acct = (name: string, deployments: DiscoveredDeployment[], over: Partial<DiscoveredAccount> = {}): DiscoveredAccount => ({
  id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/${name}`, name, kind: 'OpenAI', region: 'eastus',
  endpoint: `https://${name}.openai.azure.com`, subscriptionId: 's', subscriptionName: 'Prod', tenantId: 't', resourceGroup: 'rg', deployments, error: undefined, ...over,
});

describe('subscription picker', () => {
  const subs = [
    { subscriptionId: 'a', displayName: 'A', tenantId: 't1', state: 'Enabled' },
    { subscriptionId: 'b', displayName: 'B', tenantId: 't1', state: 'Disabled' },
  ];
  const tenants = [{ tenantId: 't1', displayName: 'Contoso', defaultDomain: 'contoso.com' }, { tenantId: 't2', displayName: 'Fabrikam', defaultDomain: undefined }];

  it('groups by tenant, checks all the first time and the remembered ones after, offers a sign-in for a tenant that needs one', () => {
    const first = subscriptionItems(subs, tenants, [{ id: 't2', name: 'Fabrikam', message: 'sign-in needed for directory t2' }], undefined);
    expect(first.map((i) => [i.separator ? `-- ${i.label}` : i.label, i.picked ?? false])).toEqual([
      ['-- Contoso (contoso.com)', false], ['A', true], ['B', true], ['-- Fabrikam', false], ['$(sign-in) Sign in to Fabrikam', false],
    ]);
    expect(first[2]!.description).toBe('b · Disabled');
    expect(first[4]!.value).toEqual({ kind: 'signIn', tenantId: 't2' });
    expect(subscriptionItems(subs, tenants, [], ['b']).filter((i) => i.picked).map((i) => i.label)).toEqual(['B']);
  });
});

describe('deployment picker', () => {
  it('groups by model (largest group first), says region, SKU, capacity, version; lists what could not be read and why', () => {
    const found: Discovery = {
      accounts: [
        acct('east', [dep('a'), dep('mini', { model: 'gpt-4o-mini', sku: 'Standard', capacity: 30, tpm: 30_000 })]),
        acct('west', [dep('b', { sku: 'ProvisionedManaged', capacity: 50, tpm: undefined, provisioningState: 'Creating' })], { region: 'westus' }),
        acct('locked', [], { error: '403 AuthorizationFailed: no' }),
        acct('empty', []),
      ],
      problems: [{ id: 'sub-x', name: 'Finance', message: '403 AuthorizationFailed: nope' }],
    };
    const items = deploymentItems(found, [{ name: 'old', endpoint: 'https://east.openai.azure.com/', deployments: { x: 'a' } }]);
    expect(items.map((i) => (i.separator ? `-- ${i.label}` : `${i.label} | ${i.description}`))).toEqual([
      '-- gpt-4o (2)', 'east / a | eastus · GlobalStandard · 100k TPM', 'west / b | westus · ProvisionedManaged · 50 PTU · Creating',
      '-- gpt-4o-mini (1)', 'east / mini | eastus · Standard · 30k TPM',
      '-- Could not be read', '$(error) locked | eastus · Prod', '$(error) subscription Finance | sub-x',
      '$(circle-slash) empty | eastus · no deployments',
    ]);
    expect(items[1]!.detail).toBe('gpt-4o 2024-11-20 · content filter Microsoft.DefaultV2 · OpenAI · Prod · already in your pool as "old": picking it replaces that entry');
    expect(items[6]!.detail).toBe('403 AuthorizationFailed: no');
    expect(items.filter((i) => i.label.startsWith('$(')).every((i) => i.value === undefined)).toBe(true);
  });
});

describe('proposal review', () => {
  it('save first, then per alias: its warning, a rename action and the members with priority and weight', () => {
    const p = propose([
      { account: acct('a', []), deployment: dep('d', { sku: 'ProvisionedManaged', capacity: 10, tpm: undefined }) },
      { account: acct('b', []), deployment: dep('d', { modelVersion: '2024-08-06' }) },
    ]);
    const items = proposalItems(p);
    expect(items.map((i) => (i.separator ? `-- ${i.label}` : `${i.label}${i.description ? ` | ${i.description}` : ''}`))).toEqual([
      '$(check) Save 2 backends to user settings | 1 alias: gpt-4o',
      '-- gpt-4o', '$(warning) Not interchangeable', '$(edit) Rename alias "gpt-4o"… | or merge it into another alias',
      '$(server) a | priority 1 · weight 100', '$(server) b | priority 2 · weight 100',
    ]);
    expect(items[0]!.detail).toMatch(/1 alias has members that are not interchangeable/);
    expect(items[2]!.detail).toMatch(/model version differs/);
  });
});

describe('role hint', () => {
  const snap = (over: Partial<BackendSnapshot>) => ({ auth: 'entra' as const, lastStatus: undefined, reason: undefined, status: 'healthy' as const, ...over });
  it('fires for an Entra backend refused with 403 (a request or a probe), not for keys or other statuses', () => {
    expect(refusedEntra(snap({ lastStatus: 403 }))).toBe(true);
    expect(refusedEntra(snap({ status: 'misconfigured', reason: '403: probe: our credential lacks access' }))).toBe(true);
    expect(refusedEntra(snap({ lastStatus: 401 }))).toBe(false);
    expect(refusedEntra(snap({ auth: 'apiKey', lastStatus: 403 }))).toBe(false);
  });
  it('names the role and the exact scope', () => {
    const id = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/east';
    expect(roleAssignmentCommand('oid-1', id)).toBe(`az role assignment create --assignee oid-1 --role "Cognitive Services OpenAI User" --scope ${id}`);
    expect(roleHintMessage({ name: 'east-gpt-4o', resourceId: id }, 'Your account')).toMatch(/^east-gpt-4o: Azure refused your Entra ID token \(403\)\. Your account has no data-plane role on the Azure OpenAI account "east"/);
  });
});

describe('sovereign cloud settings', () => {
  it('public Azure by default; China and US Government; custom from its resourceManagerEndpointUrl; clear errors otherwise', () => {
    expect(cloudFromSovereignSettings(undefined, undefined)).toEqual({ endpoint: 'https://management.azure.com', authProvider: 'microsoft', name: 'Azure' });
    expect(cloudFromSovereignSettings('USGovernment', undefined)).toMatchObject({ endpoint: 'https://management.usgovcloudapi.net', authProvider: 'microsoft-sovereign-cloud' });
    expect(cloudFromSovereignSettings('ChinaCloud', undefined).endpoint).toBe('https://management.chinacloudapi.cn');
    expect(cloudFromSovereignSettings('custom', { name: 'Stack', resourceManagerEndpointUrl: 'https://management.local.azurestack.external/' }))
      .toEqual({ endpoint: 'https://management.local.azurestack.external', authProvider: 'microsoft-sovereign-cloud', name: 'Stack' });
    expect(() => cloudFromSovereignSettings('custom', {})).toThrow(/has no resourceManagerEndpointUrl/);
    expect(() => cloudFromSovereignSettings('Mars', undefined)).toThrow(/not one of ChinaCloud, USGovernment, custom/);
    expect(() => normalizeArmEndpoint('http://management.azure.com')).toThrow(/must be https/);
  });
});

describe('alias warnings in the tree', () => {
  it('marks the alias rows (icon, description, tooltip) and the backend tooltip; a health problem keeps its own icon', () => {
    const r = validateConfig({ backends: [
      { name: 'a', endpoint: 'https://a.openai.azure.com', auth: 'entra', deployments: { m: { deployment: 'x', modelVersion: '1' }, other: 'o' } },
      { name: 'b', endpoint: 'https://b.openai.azure.com', auth: 'entra', deployments: { m: { deployment: 'y', modelVersion: '2' } } },
    ] });
    if (!r.ok) throw new Error('invalid');
    const warnings = aliasWarningMap([{ alias: 'm', message: 'the members of "m" are not interchangeable: model version differs (1 on a; 2 on b)' }]);
    const s = idleSnapshot(r.config.backends[0]!, undefined);
    const opts = { now: 0, running: false, aliasWarnings: warnings };
    const [m, other] = s.deployments.map((d) => deploymentItem(d, s, opts));
    expect([m!.iconId, m!.description]).toEqual(['warning', '→ x · ⚠ members differ']);
    expect(m!.tooltipMarkdown).toMatch(/\$\(warning\) the members of "m" are not interchangeable/);
    expect(m!.contextValue).toContain(';notInterchangeable;');
    expect([other!.iconId, other!.description]).toEqual(['circle-outline', '→ o']);
    expect(backendItem(s, opts).tooltipMarkdown).toMatch(/\$\(warning\) the members of "m"/);
    const cooling = deploymentItem({ ...s.deployments[0]!, status: 'misconfigured' }, { ...s, status: 'healthy' }, { ...opts, running: true });
    expect(cooling.iconId).toBe('warning');
    expect(cooling.colorId).toBe('list.errorForeground');
  });
});
