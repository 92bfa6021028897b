/**
 * The proposed pool for a set of discovered deployments (issue 11), pure:
 * - one alias per model (the model name; the deployment name when ARM does
 *   not say the model), editable afterwards;
 * - one backend per account and alias, named after the account, so each
 *   member has its own priority and weight (both are per backend);
 * - provisioned (PTU) members first at priority 1, pay-as-you-go after;
 * - weights 1-100 in proportion to capacity inside each alias and priority;
 * - the deployment's metadata kept in the config, and a warning for every
 *   alias whose members are not interchangeable.
 */
import { defaultApiKeyEnv } from '../config/defaults';
import { interchangeabilityWarnings, type AliasWarning } from '../config/interchange';
import { DEPLOYMENT_NAME_PATTERN } from '../config/schema';
import type { AuthKind, DeploymentInfo, RawBackendConfig } from '../config/types';
import { isProvisioned } from './deployments';
import type { DiscoveredAccount, DiscoveredDeployment } from './types';

export interface Selection {
  account: DiscoveredAccount;
  deployment: DiscoveredDeployment;
}

export interface ProposalMember extends Selection {
  /** Backend name in the config. */
  backend: string;
  alias: string;
  priority: number;
  weight: number;
}

export interface Proposal {
  members: ProposalMember[];
  /** One per alias whose members differ in model, version, SKU family, content filter or output ceiling. */
  warnings: AliasWarning[];
}

const DEPLOYMENT_NAME = new RegExp(DEPLOYMENT_NAME_PATTERN);
const MAX_NAME = 64;

/** The alias a deployment proposes: its model name when that is a valid alias, else the deployment name. */
export function aliasFor(d: DiscoveredDeployment): string {
  return d.model && DEPLOYMENT_NAME.test(d.model) ? d.model : d.name;
}

/** A backend name from free text: letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 64 characters. */
export function toBackendName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, MAX_NAME).replace(/[-.]+$/, '');
  return cleaned || 'backend';
}

/** `base`, or `base-2`, `base-3`, ... whichever is not taken (case-insensitive, as the validator compares). */
export function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 2; taken.has(name.toLowerCase()); i++) {
    const suffix = `-${i}`;
    name = `${base.slice(0, MAX_NAME - suffix.length)}${suffix}`;
  }
  taken.add(name.toLowerCase());
  return name;
}

/** Builds the proposal; `takenNames` are backend names already in use (the user's existing pool). */
export function propose(selection: readonly Selection[], takenNames: Iterable<string> = []): Proposal {
  const taken = new Set([...takenNames].map((n) => n.toLowerCase()));
  const perAccount = new Map<string, Selection[]>();
  for (const s of selection) perAccount.set(s.account.id, [...(perAccount.get(s.account.id) ?? []), s]);
  const members: ProposalMember[] = [];
  for (const group of perAccount.values()) {
    const aliases = new Set(group.map((s) => aliasFor(s.deployment)));
    for (const s of group) {
      const alias = aliasFor(s.deployment);
      const sameAlias = group.filter((x) => aliasFor(x.deployment) === alias).length;
      // The account name alone while it says which member this is; otherwise the alias, then the deployment, after it.
      const base = group.length === 1 ? s.account.name : sameAlias === 1 && aliases.size > 1 ? `${s.account.name}-${alias}` : `${s.account.name}-${s.deployment.name}`;
      members.push({ ...s, backend: uniqueName(toBackendName(base), taken), alias, priority: 1, weight: 1 });
    }
  }
  return rebalance(members);
}

/**
 * Re-derives priorities, weights and warnings from the aliases (after an
 * alias was renamed, or members merged). Members keep their order.
 */
export function rebalance(members: readonly ProposalMember[]): Proposal {
  const byAlias = groupBy(members, (m) => m.alias);
  const next = members.map((m) => ({ ...m }));
  for (const group of byAlias.values()) {
    const hasPtu = group.some((m) => isProvisioned(m.deployment.sku));
    for (const m of group) {
      const own = next.find((x) => x.backend === m.backend)!;
      own.priority = hasPtu && !isProvisioned(m.deployment.sku) ? 2 : 1;
    }
  }
  for (const group of groupBy(next, (m) => `${m.alias}\u0000${m.priority}`).values()) assignWeights(group);
  return withWarnings(next);
}

/** Renames an alias (or merges it into another), then rebalances. */
export function renameAlias(p: Proposal, from: string, to: string): Proposal {
  if (!DEPLOYMENT_NAME.test(to)) throw new Error(`"${to}" is not a valid alias: use letters, digits, ".", "_", "-" (up to 64)`);
  return rebalance(p.members.map((m) => (m.alias === from ? { ...m, alias: to } : m)));
}

/** Sets one member's priority and/or weight by hand (1-100 each); other members keep theirs. */
export function editMember(p: Proposal, backend: string, patch: { priority?: number; weight?: number }): Proposal {
  for (const [k, v] of Object.entries(patch)) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 100)) throw new Error(`${k} must be an integer 1-100 (got ${v})`);
  }
  return withWarnings(p.members.map((m) => (m.backend === backend ? { ...m, ...patch } : m)));
}

/** Leaves members out of the proposal. */
export function dropMembers(p: Proposal, backends: ReadonlySet<string>): Proposal {
  return rebalance(p.members.filter((m) => !backends.has(m.backend)));
}

function withWarnings(members: ProposalMember[]): Proposal {
  return { members, warnings: interchangeabilityWarnings(members.map((m) => ({ backend: m.backend, alias: m.alias, info: deploymentInfo(m.deployment) }))) };
}

/**
 * Weights in proportion to tokens per minute (or capacity when some member's
 * TPM is unknown), scaled so the largest is 100 and none is below 1.
 */
function assignWeights(group: ProposalMember[]): void {
  const basis = group.every((m) => m.deployment.tpm) ? (m: ProposalMember) => m.deployment.tpm!
    : group.every((m) => m.deployment.capacity) ? (m: ProposalMember) => m.deployment.capacity! : () => 1;
  const max = Math.max(...group.map(basis));
  for (const m of group) m.weight = Math.min(100, Math.max(1, Math.round((100 * basis(m)) / max)));
}

/** The deployment's metadata as the config keeps it (unknown fields left out). */
export function deploymentInfo(d: DiscoveredDeployment): DeploymentInfo {
  const info: DeploymentInfo = { deployment: d.name };
  const fields = { model: d.model, modelVersion: d.modelVersion, sku: d.sku, capacity: d.capacity, tpm: d.tpm, rpm: d.rpm, contentFilter: d.contentFilter, maxContextTokens: d.maxContextTokens, maxOutputTokens: d.maxOutputTokens };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '') (info as unknown as Record<string, unknown>)[k] = v;
  return info;
}

export interface BackendOptions {
  /** Auth per account id; default entra. */
  auth?: (accountId: string) => AuthKind;
}

/**
 * The proposal as `aoaiPool.backends` / `aoai-pool.json` entries: Entra ID by
 * default, `apiKey` only where asked (the key itself goes to SecretStorage or
 * an environment variable, never here). Members whose account reports no
 * endpoint are left out (they cannot be called).
 */
export function toRawBackends(p: Proposal, opts: BackendOptions = {}): RawBackendConfig[] {
  return p.members.filter((m) => m.account.endpoint).map((m) => {
    const auth = opts.auth?.(m.account.id) ?? 'entra';
    return {
      name: m.backend,
      endpoint: m.account.endpoint!,
      ...(m.priority !== 1 ? { priority: m.priority } : {}),
      weight: m.weight,
      auth,
      deployments: { [m.alias]: deploymentInfo(m.deployment) },
      resourceId: m.account.id,
      ...(m.account.region ? { region: m.account.region } : {}),
      kind: m.account.kind,
    };
  });
}

/** The environment variable each api-key backend of a CLI config reads its key from. */
export function apiKeyEnvNames(backends: readonly RawBackendConfig[]): Map<string, string> {
  return new Map(backends.filter((b) => b.auth === 'apiKey').map((b) => [b.name, b.apiKeyEnv ?? defaultApiKeyEnv(b.name)]));
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
}
