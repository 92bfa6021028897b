/**
 * Which hosts may receive an upstream credential (an API key or an Entra
 * token). A backend list can come from somewhere the user does not control: a
 * cloned repository's `.vscode/settings.json`, a config file someone handed
 * over. So before any credential is even looked up, the core checks the
 * endpoint's host: Azure OpenAI / AI Services resources and loopback
 * simulators only, plus the hosts the user allows where only the user can
 * (VS Code: an application-scoped user setting; CLI: a flag or environment
 * variable, never the config file). Issue 9, "Workspace settings must not
 * steer credentials".
 */
import { LOOPBACK_HOSTS } from '../config/defaults';
import { COGNITIVE_SERVICES_SCOPE } from '../config/types';

/**
 * DNS zones of Azure OpenAI / AI Services (Microsoft.CognitiveServices)
 * resources; a resource is `<name>.<zone>`.
 * - Azure public cloud: the "Foundry Tools (Microsoft.CognitiveServices/accounts)"
 *   row of https://learn.microsoft.com/azure/private-link/private-endpoint-dns
 *   (Commercial): cognitiveservices.azure.com, openai.azure.com, services.ai.azure.com.
 * - Azure Government: "Service Endpoints: openai.azure.us" in
 *   https://learn.microsoft.com/azure/ai-services/openai/azure-government, and
 *   cognitiveservices.azure.us in the Government table of the private-endpoint-dns page.
 * - Azure operated by 21Vianet (China): openai.azure.cn and cognitiveservices.azure.cn,
 *   the same zones with the China cloud's `azure.cn` suffix (https://docs.azure.cn).
 * Anything else (an APIM gateway, a private IP) must be allowed by the user.
 */
export const AZURE_AI_HOST_ZONES: readonly string[] = [
  'openai.azure.com',
  'cognitiveservices.azure.com',
  'services.ai.azure.com',
  'openai.azure.us',
  'cognitiveservices.azure.us',
  'openai.azure.cn',
  'cognitiveservices.azure.cn',
];

/** How the wildcard zones read in messages: `*.openai.azure.com, ...`. */
export const AZURE_AI_HOSTS_TEXT = AZURE_AI_HOST_ZONES.map((z) => `*.${z}`).join(', ');

export type HostVerdict =
  | { ok: true; why: 'azure' | 'loopback' | 'allowed' }
  | { ok: false; host: string; reason: string };

/** One entry of a user's allow-list: `gw.contoso.com`, `*.contoso.com`, either with an optional `:port`. */
export interface HostPattern {
  /** Lower case, no trailing dot. */
  host: string;
  /** `*.host`: any subdomain of `host` (not `host` itself). */
  wildcard: boolean;
  port: number | undefined;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** An allow-list entry parsed, or why it is not one (what, and the form to use). */
export function parseHostPattern(entry: string): HostPattern | { error: string } {
  const text = entry.trim().toLowerCase();
  const m = /^(\*\.)?([^:/\s]+?)(?::(\d{1,5}))?$/.exec(text);
  const form = 'use a host name such as "gw.contoso.com", a wildcard such as "*.contoso.com", or either with ":port"';
  if (!m) {
    if (/^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(text)) return { error: `${JSON.stringify(entry)}: IPv6 hosts cannot be allowed here; ${form}` };
    return { error: `${JSON.stringify(entry)} is not a host: ${form} (no scheme, no path)` };
  }
  const wildcard = m[1] !== undefined;
  const host = stripTrailingDot(m[2]!);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) return { error: `${JSON.stringify(entry)}: the port must be 1-65535` };
  const labels = host.split('.');
  if (!labels.every((l) => LABEL.test(l))) return { error: `${JSON.stringify(entry)} is not a valid host name; ${form}` };
  // "*" or "*.com" would switch the protection off for most of the internet.
  if (wildcard && labels.length < 2) return { error: `${JSON.stringify(entry)} is too broad: a wildcard needs at least two labels, such as "*.contoso.com"` };
  return { host, wildcard, port };
}

/**
 * Whether `endpoint` (a backend's origin) may receive credentials. Pure: the
 * same rule for requests, probes, the CLI and the extension.
 */
export function credentialHostVerdict(endpoint: string, allowed: readonly string[] = []): HostVerdict {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { ok: false, host: endpoint, reason: `${JSON.stringify(endpoint)} is not a URL` };
  }
  // WHATWG URL lower-cases the host, decodes %2e and punycodes IDNs, so a
  // lookalike cannot hide a dot or a capital letter from the checks below.
  const hostname = url.hostname;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, host: hostname, reason: `${url.protocol} is not http(s)` };
  if (LOOPBACK_HOSTS.includes(hostname)) return { ok: true, why: 'loopback' };
  // Plain http is for loopback simulators only (validate.ts says the same for the config).
  if (url.protocol !== 'https:') return { ok: false, host: hostname, reason: `${url.host} uses plain http, which only loopback simulators may` };
  const host = stripTrailingDot(hostname);
  if (AZURE_AI_HOST_ZONES.some((zone) => isStrictSubdomain(host, zone))) return { ok: true, why: 'azure' };
  const port = url.port === '' ? 443 : Number(url.port);
  for (const entry of allowed) {
    const p = parseHostPattern(entry);
    if ('error' in p) continue;
    const hostMatches = p.wildcard ? isStrictSubdomain(host, p.host) : host === p.host;
    if (hostMatches && (p.port === undefined || p.port === port)) return { ok: true, why: 'allowed' };
  }
  return {
    ok: false,
    host: url.port ? `${host}:${url.port}` : host,
    reason: `API keys and Entra tokens go only to Azure OpenAI / AI Services hosts (${AZURE_AI_HOSTS_TEXT}) and loopback simulators`,
  };
}

/** `a.b.zone` and `a.zone` are under `zone`; `zone`, `xzone` and `zone.evil` are not. Every label must be a DNS label. */
function isStrictSubdomain(host: string, zone: string): boolean {
  if (!host.endsWith(`.${zone}`)) return false;
  const prefix = host.slice(0, -zone.length - 1);
  return prefix.split('.').every((l) => LABEL.test(l));
}

/** `x.openai.azure.com.` is the same DNS name as `x.openai.azure.com`; two dots are not a name. */
function stripTrailingDot(host: string): string {
  return host.endsWith('.') && !host.endsWith('..') ? host.slice(0, -1) : host;
}

/**
 * The Entra scope for a backend's data plane. Sovereign clouds have their own
 * audience, and a token for the public one is refused there (401): Azure
 * Government's Azure OpenAI page uses `https://cognitiveservices.azure.us/.default`
 * (https://learn.microsoft.com/azure/ai-services/openai/azure-government), the
 * China cloud the same name under `azure.cn`; Azure/azure-sdk-for-net#44021 is
 * the bug a hard-coded public scope causes. Everything else (public cloud,
 * loopback simulators, gateways the user allowed) uses the public scope.
 */
export function entraScopeFor(endpoint: string): string {
  let host: string;
  try {
    host = stripTrailingDot(new URL(endpoint).hostname);
  } catch {
    return COGNITIVE_SERVICES_SCOPE;
  }
  if (host.endsWith('.azure.us')) return 'https://cognitiveservices.azure.us/.default';
  if (host.endsWith('.azure.cn')) return 'https://cognitiveservices.azure.cn/.default';
  return COGNITIVE_SERVICES_SCOPE;
}
