/**
 * What the Resource Manager stand-in knows: tenants, subscriptions, accounts
 * and deployments. The default world has both account kinds in several
 * regions, PTU and pay-as-you-go deployments of one model, a version that
 * differs, an account whose deployments cannot be read, a subscription the
 * caller may not read, and enough items to need paging.
 */
export interface ArmWorldDeployment {
  name: string;
  model: string;
  version: string;
  sku: string;
  capacity: number;
  contentFilter?: string;
  /** Reported as `capabilities.maxContextToken` / `maxOutputToken` when set. */
  maxContextTokens?: number;
  maxOutputTokens?: number;
  /** false: no `rateLimits` in the answer (as for some models). Default true for Standard SKUs. */
  rateLimits?: boolean;
}

export interface ArmWorldAccount {
  name: string;
  /** OpenAI, AIServices, or another kind (listed by ARM, skipped by discovery). */
  kind: string;
  region: string;
  resourceGroup: string;
  deployments: ArmWorldDeployment[];
  /** Listing the deployments answers 403 (the caller may read the account but not its deployments). */
  deploymentsForbidden?: boolean;
  /** The data plane answers bearer tokens 403 PermissionDenied: Entra ID without a data-plane role. */
  noDataPlaneRole?: boolean;
}

export interface ArmWorldSubscription {
  id: string;
  name: string;
  tenantId: string;
  /** Listing its accounts answers 403 AuthorizationFailed. */
  forbidden?: boolean;
  accounts: ArmWorldAccount[];
}

export interface ArmWorld {
  tenants: { id: string; name: string; domain: string }[];
  subscriptions: ArmWorldSubscription[];
  /** Items per page of every list (default 2), so `nextLink` paging is always exercised. */
  pageSize?: number;
}

export const HOME_TENANT = '8d0c1f0e-0000-4000-8000-00000000c0de';
export const OTHER_TENANT = '5b2f3c4d-0000-4000-8000-00000000fab1';

const gpt4o = (name: string, sku: string, capacity: number, version = '2024-11-20'): ArmWorldDeployment => ({
  name, model: 'gpt-4o', version, sku, capacity, contentFilter: 'Microsoft.DefaultV2', maxContextTokens: 128_000, maxOutputTokens: 16_384,
});

/** The default world of `aoai-pool simulate --arm`. */
export function defaultArmWorld(): ArmWorld {
  return {
    tenants: [
      { id: HOME_TENANT, name: 'Contoso', domain: 'contoso.onmicrosoft.com' },
      { id: OTHER_TENANT, name: 'Fabrikam', domain: 'fabrikam.onmicrosoft.com' },
    ],
    subscriptions: [
      {
        id: '11111111-1111-4111-8111-111111111111', name: 'Contoso AI Production', tenantId: HOME_TENANT,
        accounts: [
          { name: 'contoso-swedencentral', kind: 'OpenAI', region: 'swedencentral', resourceGroup: 'rg-ai-prod', deployments: [
            gpt4o('gpt-4o', 'GlobalStandard', 450),
            gpt4o('gpt-4o-ptu', 'ProvisionedManaged', 100),
            { name: 'text-embedding-3-small', model: 'text-embedding-3-small', version: '1', sku: 'Standard', capacity: 350, contentFilter: 'Microsoft.DefaultV2' },
          ] },
          { name: 'contoso-eastus2', kind: 'AIServices', region: 'eastus2', resourceGroup: 'rg-ai-prod', deployments: [
            gpt4o('gpt-4o', 'DataZoneStandard', 150),
            { name: 'gpt-4o-mini', model: 'gpt-4o-mini', version: '2024-07-18', sku: 'GlobalStandard', capacity: 1000, contentFilter: 'Microsoft.DefaultV2', maxContextTokens: 128_000, maxOutputTokens: 16_384 },
          ] },
          { name: 'contoso-westeurope', kind: 'OpenAI', region: 'westeurope', resourceGroup: 'rg-ai-legacy', deployments: [
            { ...gpt4o('gpt4o-legacy', 'Standard', 80, '2024-08-06'), rateLimits: false },
          ] },
          { name: 'contoso-francecentral', kind: 'OpenAI', region: 'francecentral', resourceGroup: 'rg-locked', deploymentsForbidden: true, deployments: [gpt4o('gpt-4o', 'Standard', 50)] },
          { name: 'contoso-language', kind: 'TextAnalytics', region: 'westeurope', resourceGroup: 'rg-ai-prod', deployments: [] },
        ],
      },
      {
        id: '22222222-2222-4222-8222-222222222222', name: 'Contoso Dev', tenantId: HOME_TENANT,
        accounts: [
          { name: 'contoso-dev-westus3', kind: 'AIServices', region: 'westus3', resourceGroup: 'rg-dev', deployments: [
            { name: 'gpt-4o-mini', model: 'gpt-4o-mini', version: '2024-07-18', sku: 'Standard', capacity: 30, contentFilter: 'Microsoft.DefaultV2' },
          ] },
        ],
      },
      { id: '33333333-3333-4333-8333-333333333333', name: 'Contoso Finance (no access)', tenantId: HOME_TENANT, forbidden: true, accounts: [] },
      {
        id: '44444444-4444-4444-8444-444444444444', name: 'Fabrikam Research', tenantId: OTHER_TENANT,
        accounts: [
          { name: 'fabrikam-japaneast', kind: 'OpenAI', region: 'japaneast', resourceGroup: 'rg-research', deployments: [gpt4o('gpt-4o', 'GlobalStandard', 300)] },
        ],
      },
    ],
  };
}
