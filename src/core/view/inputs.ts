/**
 * Validation and parsing of what the guided inputs ask for (Add Backend, Set
 * API Key, Use another port, Generate APIM Pool). Each `...Problem` returns
 * the message an InputBox shows as you type, or undefined when the value is fine.
 */
import { endpointProblem } from '../config/validate';
import { BACKEND_NAME_PATTERN, DEPLOYMENT_NAME_PATTERN, apimSchema } from '../config/schema';

const NAME = new RegExp(BACKEND_NAME_PATTERN);
const DEPLOYMENT = new RegExp(DEPLOYMENT_NAME_PATTERN);

export function endpointInputProblem(text: string): string | undefined {
  if (!text.trim()) return 'Enter the resource endpoint, e.g. https://my-resource.openai.azure.com';
  const p = endpointProblem(text.trim());
  return p ? `The endpoint ${p}` : undefined;
}

/** `https://my-resource.openai.azure.com/` -> `https://my-resource.openai.azure.com`. */
export function normalizeEndpoint(text: string): string {
  return new URL(text.trim()).origin;
}

/** A name to prefill: the resource's own name (`my-resource`), or `backend`. */
export function suggestBackendName(endpoint: string, existing: readonly string[]): string {
  let base = 'backend';
  try {
    const label = new URL(endpoint).hostname.split('.')[0] ?? '';
    const clean = label.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60);
    if (clean && !/^\d+$/.test(clean)) base = clean;
  } catch {
    // keep the default
  }
  const taken = new Set(existing.map((n) => n.toLowerCase()));
  if (!taken.has(base.toLowerCase())) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`.toLowerCase())) return `${base}-${i}`;
}

export function backendNameProblem(name: string, existing: readonly string[]): string | undefined {
  if (!name) return 'Enter a name, e.g. eastus';
  if (!NAME.test(name)) return 'Use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';
  if (existing.some((n) => n.toLowerCase() === name.toLowerCase())) return `A backend named "${name}" already exists (names are case-insensitive)`;
  return undefined;
}

export type ParsedDeployments = { ok: true; value: Record<string, string> | string[] | undefined } | { ok: false; message: string };

/**
 * `gpt-4o, text-embedding-3-small` -> a list; `gpt-4o=gpt-4o-prod, mini` -> a
 * map alias -> deployment (a bare entry maps to itself); empty -> undefined
 * (the backend serves any deployment name as it is).
 */
export function parseDeployments(text: string): ParsedDeployments {
  const entries = text.split(/[,\s]+/).map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) return { ok: true, value: undefined };
  const pairs: [string, string][] = [];
  for (const e of entries) {
    const [alias = '', deployment = alias, extra] = e.split('=').map((s) => s.trim());
    if (extra !== undefined) return { ok: false, message: `"${e}": write alias=deployment with one "="` };
    for (const n of [alias, deployment]) {
      if (!DEPLOYMENT.test(n)) return { ok: false, message: `"${n || e}" is not a deployment name: use letters, digits, ".", "_" or "-"` };
    }
    if (pairs.some(([a]) => a.toLowerCase() === alias.toLowerCase())) return { ok: false, message: `"${alias}" is listed twice` };
    pairs.push([alias, deployment]);
  }
  if (pairs.every(([a, d]) => a === d) && !entries.some((e) => e.includes('='))) return { ok: true, value: pairs.map(([a]) => a) };
  return { ok: true, value: Object.fromEntries(pairs) };
}

/**
 * An optional integer field: empty is allowed when `optional`. `field` names
 * it in the message, which replaces the input's prompt while shown (issue 13,
 * item 11): "Priority must be 1-100", never a bare "Must be 1-100".
 */
export function integerProblem(text: string, min: number, max: number, optional = false, field?: string): string | undefined {
  const t = text.trim();
  const whole = field ? `${field}: enter a whole number ${min}-${max}` : `Enter a whole number ${min}-${max}`;
  if (!t) return optional ? undefined : whole;
  if (!/^\d+$/.test(t)) return whole;
  const n = Number(t);
  return n < min || n > max ? `${field ?? 'It'} must be ${min}-${max}` : undefined;
}

export interface NumberChoice {
  label: string;
  description?: string;
  /** undefined: "Custom…", which asks for a number. */
  value: string | undefined;
}

/** Add Backend's priority as picks (issue 13, item 11): the usual groups, and a custom number. */
export function priorityChoices(): NumberChoice[] {
  return [
    { label: '1', description: 'primary: takes traffic first', value: '1' },
    { label: '2', description: 'fallback: used when every priority 1 backend is throttled or down', value: '2' },
    { label: '3', description: 'second fallback', value: '3' },
    { label: 'Custom…', description: 'any priority 1-100', value: undefined },
  ];
}

/** Add Backend's weight as picks: an equal share (empty), a few common weights, and a custom number. */
export function weightChoices(): NumberChoice[] {
  return [
    { label: 'Equal share', description: 'the same weight as the others in its group', value: '' },
    { label: '2', description: 'twice the share of a weight-1 backend', value: '2' },
    { label: '5', value: '5' },
    { label: '10', value: '10' },
    { label: 'Custom…', description: 'any weight 1-100', value: undefined },
  ];
}

export function portProblem(text: string): string | undefined {
  return integerProblem(text, 1, 65535) ? 'Enter a port number 1-65535, e.g. 8788' : undefined;
}

export function apiKeyProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return 'Paste the key from the Azure portal (Keys and Endpoint)';
  if (/\s/.test(t)) return 'A key has no spaces';
  if (/^https?:/i.test(t)) return 'That is the endpoint; paste one of the resource\'s keys';
  if (t.length < 16) return 'That is too short for an Azure OpenAI key';
  return undefined;
}

/** A tenant id (GUID) or a domain such as contoso.onmicrosoft.com; empty = home tenant. */
export function tenantProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  return /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(t) || /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(t)
    ? undefined
    : 'Enter a tenant id (a GUID) or a domain such as contoso.onmicrosoft.com';
}

export function apimServiceNameProblem(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const max = apimSchema.properties.serviceName.maxLength;
  if (t.length > max) return `At most ${max} characters`;
  return /^[A-Za-z][A-Za-z0-9-]*$/.test(t) ? undefined : 'An API Management name: letters, digits and hyphens, starting with a letter';
}
