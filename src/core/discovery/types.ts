/**
 * What discovery finds in Resource Manager (issue 11): tenants, subscriptions,
 * Azure OpenAI / AI Services accounts and their deployments. Plain data, so
 * the proposal, the CLI table and the VS Code pickers are pure functions of it.
 */
import type { BackendKind } from '../config/types';
import type { TokenCredentialLike } from '../auth/token';

/** Public Azure's Resource Manager; sovereign clouds have their own (see `armEndpoint` in the shells). */
export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

/** Where and as whom discovery talks to Resource Manager. */
export interface ArmTarget {
  /** Resource Manager origin, e.g. `https://management.azure.com`; the token scope is `<endpoint>/.default`. */
  endpoint: string;
  /** A credential for one tenant (undefined = the account's home tenant). */
  credentialFor(tenantId?: string): TokenCredentialLike;
  /** Extra trusted CA certificates (PEM) for TLS to the endpoint: a test stand-in, or a TLS-inspecting proxy. */
  ca?: string;
  signal?: AbortSignal;
}

export interface Tenant {
  tenantId: string;
  displayName: string | undefined;
  defaultDomain: string | undefined;
}

export interface Subscription {
  subscriptionId: string;
  displayName: string;
  tenantId: string;
  /** Enabled, Disabled, Warned, PastDue, Deleted. */
  state: string | undefined;
}

/** A tenant or subscription that could not be read, and why (the error Resource Manager gave). */
export interface Problem {
  /** Tenant or subscription id. */
  id: string;
  name: string | undefined;
  message: string;
}

export interface DiscoveredDeployment {
  name: string;
  model: string | undefined;
  modelVersion: string | undefined;
  /** OpenAI, or another publisher's format on AI Services accounts. */
  modelFormat: string | undefined;
  sku: string | undefined;
  capacity: number | undefined;
  tpm: number | undefined;
  rpm: number | undefined;
  contentFilter: string | undefined;
  maxContextTokens: number | undefined;
  maxOutputTokens: number | undefined;
  /** Succeeded, Creating, Failed, ... */
  provisioningState: string | undefined;
}

export interface DiscoveredAccount {
  /** ARM resource id. */
  id: string;
  name: string;
  kind: BackendKind;
  region: string;
  /** Data-plane origin for Azure OpenAI calls; undefined when ARM reports none. */
  endpoint: string | undefined;
  subscriptionId: string;
  subscriptionName: string;
  tenantId: string;
  resourceGroup: string;
  deployments: DiscoveredDeployment[];
  /** Set when the account's deployments could not be listed: the reason, as Resource Manager gave it. */
  error: string | undefined;
}

export interface Discovery {
  accounts: DiscoveredAccount[];
  /** Subscriptions whose accounts could not be listed. */
  problems: Problem[];
}
