/**
 * Resource Manager's account and deployment objects -> discovery's plain
 * data. Pure, so every derivation (TPM from rate limits or capacity, token
 * limits from capabilities) is unit-tested without the SDK.
 *
 * Facts used (Deployments - List, https://learn.microsoft.com/rest/api/aiservices/accountmanagement/deployments/list):
 * - `sku.capacity` is in units of 1,000 tokens per minute for Standard-family
 *   SKUs (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/quota) and
 *   in PTUs for provisioned ones;
 * - `properties.rateLimits` lists throttling rules `{key: "request"|"token", renewalPeriod (s), count}`;
 * - `properties.capabilities` is a string map that may carry `maxContextToken`
 *   and `maxOutputToken` (not for every model);
 * - `properties.raiPolicyName` is the content filter.
 */
import { BACKEND_KINDS, type BackendKind } from '../config/types';
import type { DiscoveredDeployment } from './types';

/** Provisioned-throughput SKUs: capacity is PTUs; they go first (priority 1) in a proposal. */
export const PROVISIONED_SKUS: readonly string[] = ['ProvisionedManaged', 'GlobalProvisionedManaged', 'DataZoneProvisionedManaged'];

export function isProvisioned(sku: string | undefined): boolean {
  return sku !== undefined && PROVISIONED_SKUS.some((s) => s.toLowerCase() === sku.toLowerCase());
}

/** The subset of the SDK's `Deployment` this module reads. */
export interface ArmDeployment {
  name?: string;
  sku?: { name?: string; capacity?: number };
  properties?: {
    provisioningState?: string;
    model?: { name?: string; version?: string; format?: string };
    capabilities?: Record<string, string>;
    raiPolicyName?: string;
    rateLimits?: { key?: string; renewalPeriod?: number; count?: number }[];
    scaleSettings?: { capacity?: number };
  };
}

/** The subset of the SDK's `Account` this module reads. */
export interface ArmAccount {
  id?: string;
  name?: string;
  kind?: string;
  location?: string;
  properties?: { endpoint?: string; endpoints?: Record<string, string> };
}

/** Account kinds that serve Azure OpenAI deployments. */
export function servesOpenAI(kind: string | undefined): kind is BackendKind {
  return BACKEND_KINDS.some((k) => k.toLowerCase() === (kind ?? '').toLowerCase());
}

export function accountKind(kind: string): BackendKind {
  return BACKEND_KINDS.find((k) => k.toLowerCase() === kind.toLowerCase()) ?? 'OpenAI';
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/...` -> rg. */
export function resourceGroupOf(id: string): string | undefined {
  return /\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
}

/**
 * The data-plane origin: AI Services accounts list the Azure OpenAI endpoint
 * under `endpoints["OpenAI Language Model Instance API"]`; OpenAI accounts
 * have it as `endpoint`.
 */
export function accountEndpoint(a: ArmAccount): string | undefined {
  const candidates = [a.properties?.endpoints?.['OpenAI Language Model Instance API'], a.properties?.endpoint];
  for (const c of candidates) {
    if (!c) continue;
    try {
      return new URL(c).origin;
    } catch {
      // not a URL: try the next one
    }
  }
  return undefined;
}

function perMinute(rules: NonNullable<ArmDeployment['properties']>['rateLimits'], key: string): number | undefined {
  const r = rules?.find((x) => x.key?.toLowerCase() === key);
  if (!r || typeof r.count !== 'number' || !(r.count >= 0)) return undefined;
  const period = typeof r.renewalPeriod === 'number' && r.renewalPeriod > 0 ? r.renewalPeriod : 60;
  return Math.round((r.count * 60) / period);
}

function intCapability(caps: Record<string, string> | undefined, key: string): number | undefined {
  const v = caps?.[key];
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

export function toDeployment(d: ArmDeployment): DiscoveredDeployment {
  const p = d.properties ?? {};
  const sku = d.sku?.name;
  const capacity = d.sku?.capacity ?? p.scaleSettings?.capacity;
  // Rate limits are what Azure enforces; without them a Standard SKU's capacity still says the TPM.
  const tpm = perMinute(p.rateLimits, 'token') ?? (capacity !== undefined && sku && !isProvisioned(sku) ? capacity * 1000 : undefined);
  return {
    name: d.name ?? '',
    model: p.model?.name,
    modelVersion: p.model?.version,
    modelFormat: p.model?.format,
    sku,
    capacity,
    tpm,
    rpm: perMinute(p.rateLimits, 'request'),
    contentFilter: p.raiPolicyName,
    maxContextTokens: intCapability(p.capabilities, 'maxContextToken'),
    maxOutputTokens: intCapability(p.capabilities, 'maxOutputToken'),
    provisioningState: p.provisioningState,
  };
}

/** "403 AuthorizationFailed: The client ... does not have authorization ..." from an SDK error. */
export function armErrorText(e: unknown): string {
  const err = e as { statusCode?: number; code?: string; message?: string } | undefined;
  const status = typeof err?.statusCode === 'number' ? `${err.statusCode} ` : '';
  const code = err?.code && !/^\d+$/.test(err.code) ? `${err.code}: ` : '';
  const message = (err?.message ?? String(e)).split('\n')[0]!.slice(0, 500);
  return `${status}${code}${message}`.trim();
}
