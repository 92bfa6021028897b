/**
 * Which Resource Manager to ask. Public Azure by default; the sovereign
 * clouds VS Code's Microsoft sign-in knows (setting
 * `microsoft-sovereign-cloud.environment`: `ChinaCloud`, `USGovernment`, or
 * `custom` with `microsoft-sovereign-cloud.customEnvironment`), and any
 * endpoint the CLI is given. Endpoints: https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure
 * and https://learn.microsoft.com/azure/china/resources-developer-guide.
 */
import { PUBLIC_ARM_ENDPOINT } from './types';

export const SOVEREIGN_ARM_ENDPOINTS: Readonly<Record<string, string>> = {
  ChinaCloud: 'https://management.chinacloudapi.cn',
  USGovernment: 'https://management.usgovcloudapi.net',
};

/** The auth provider VS Code uses for a sovereign cloud (the built-in Microsoft extension registers both). */
export const SOVEREIGN_AUTH_PROVIDER = 'microsoft-sovereign-cloud';
export const PUBLIC_AUTH_PROVIDER = 'microsoft';

export interface CloudChoice {
  /** Resource Manager origin. */
  endpoint: string;
  /** VS Code authentication provider id. */
  authProvider: string;
  /** What to call it in messages. */
  name: string;
}

/** A Resource Manager origin from user input; throws with the fix when it is not an https URL (http only for loopback). */
export function normalizeArmEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new Error(`"${value}" is not a URL: give the Resource Manager endpoint, e.g. ${PUBLIC_ARM_ENDPOINT}`);
  }
  if (url.protocol !== 'https:') throw new Error(`the Resource Manager endpoint must be https (got ${url.protocol}//): Azure SDKs send tokens only over TLS`);
  return url.origin;
}

/** The cloud from VS Code's `microsoft-sovereign-cloud.*` settings (unset: public Azure). */
export function cloudFromSovereignSettings(environment: unknown, customEnvironment: unknown): CloudChoice {
  if (typeof environment !== 'string' || environment === '') return { endpoint: PUBLIC_ARM_ENDPOINT, authProvider: PUBLIC_AUTH_PROVIDER, name: 'Azure' };
  if (environment === 'custom') {
    const custom = (customEnvironment ?? {}) as { resourceManagerEndpointUrl?: unknown; name?: unknown };
    if (typeof custom.resourceManagerEndpointUrl !== 'string' || !custom.resourceManagerEndpointUrl) {
      throw new Error('microsoft-sovereign-cloud.environment is "custom" but microsoft-sovereign-cloud.customEnvironment has no resourceManagerEndpointUrl');
    }
    return { endpoint: normalizeArmEndpoint(custom.resourceManagerEndpointUrl), authProvider: SOVEREIGN_AUTH_PROVIDER, name: typeof custom.name === 'string' && custom.name ? custom.name : 'custom cloud' };
  }
  const endpoint = SOVEREIGN_ARM_ENDPOINTS[environment];
  if (!endpoint) throw new Error(`microsoft-sovereign-cloud.environment "${environment}" is not one of ${Object.keys(SOVEREIGN_ARM_ENDPOINTS).join(', ')}, custom`);
  return { endpoint, authProvider: SOVEREIGN_AUTH_PROVIDER, name: `Azure ${environment}` };
}
