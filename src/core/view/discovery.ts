/**
 * What "Add Backends from Azure…" shows, as plain data (issue 11): the
 * subscription picker grouped by tenant, the deployment picker grouped by
 * model (accounts that could not be read say why), the proposal review, and
 * the role-assignment hint after an Entra 403. The shell maps these to quick
 * pick items; vitest checks them without VS Code.
 */
import type { BackendSnapshot } from '../balancer/health';
import type { BackendConfig, RawBackendConfig } from '../config/types';
import { aliasFor, type Proposal, type ProposalMember, type Selection } from '../discovery/proposal';
import { capacityText } from '../discovery/table';
import type { Discovery, Problem, Subscription, Tenant } from '../discovery/types';

/** A quick pick row: a separator, or an item carrying a value (problems carry none and are never used). */
export interface ViewItem<T> {
  label: string;
  description?: string;
  detail?: string;
  picked?: boolean;
  separator?: boolean;
  value?: T;
}

export type SubscriptionChoice = { kind: 'subscription'; subscription: Subscription } | { kind: 'signIn'; tenantId: string };

/** Subscriptions grouped by tenant; tenants that need a sign-in offer one; remembered ones (or all, the first time) checked. */
export function subscriptionItems(subs: readonly Subscription[], tenants: readonly Tenant[], problems: readonly Problem[], remembered: readonly string[] | undefined): ViewItem<SubscriptionChoice>[] {
  const name = (id: string) => tenants.find((t) => t.tenantId === id)?.displayName ?? id;
  const tenantIds = [...new Set([...tenants.map((t) => t.tenantId), ...subs.map((s) => s.tenantId)])];
  const out: ViewItem<SubscriptionChoice>[] = [];
  for (const tid of tenantIds) {
    const own = subs.filter((s) => s.tenantId === tid);
    const problem = problems.find((p) => p.id === tid);
    if (!own.length && !problem) continue;
    out.push({ label: `${name(tid)}${tenants.find((t) => t.tenantId === tid)?.defaultDomain ? ` (${tenants.find((t) => t.tenantId === tid)!.defaultDomain})` : ''}`, separator: true });
    for (const s of own) {
      out.push({
        label: s.displayName,
        description: `${s.subscriptionId}${s.state && s.state !== 'Enabled' ? ` · ${s.state}` : ''}`,
        picked: remembered ? remembered.includes(s.subscriptionId) : true,
        value: { kind: 'subscription', subscription: s },
      });
    }
    if (problem) out.push({ label: `$(sign-in) Sign in to ${name(tid)}`, description: 'its subscriptions need a sign-in to this directory', detail: problem.message, value: { kind: 'signIn', tenantId: tid } });
  }
  return out;
}

/** An existing backend that already serves this deployment of this account (same endpoint and deployment name). */
export function existingBackendFor(s: Selection, backends: readonly RawBackendConfig[]): RawBackendConfig | undefined {
  const origin = s.account.endpoint;
  if (!origin) return undefined;
  return backends.find((b) => {
    let same = false;
    try {
      same = new URL(b.endpoint).origin === origin;
    } catch {
      return false;
    }
    if (!same) return false;
    const d = b.deployments;
    if (d === undefined) return true;
    const names = Array.isArray(d) ? d : Object.values(d).map((v) => (typeof v === 'string' ? v : v.deployment));
    return names.includes(s.deployment.name);
  });
}

/**
 * Deployments grouped by model (one separator per model, largest groups
 * first), then the accounts and subscriptions that could not be read, with why.
 */
export function deploymentItems(found: Discovery, existing: readonly RawBackendConfig[]): ViewItem<Selection>[] {
  const byModel = new Map<string, Selection[]>();
  for (const account of found.accounts) {
    for (const deployment of account.deployments) {
      const key = aliasFor(deployment);
      byModel.set(key, [...(byModel.get(key) ?? []), { account, deployment }]);
    }
  }
  const out: ViewItem<Selection>[] = [];
  for (const [model, group] of [...byModel].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
    out.push({ label: `${model} (${group.length})`, separator: true });
    for (const s of group) {
      const d = s.deployment;
      const already = existingBackendFor(s, existing);
      const notReady = d.provisioningState && d.provisioningState !== 'Succeeded' ? ` · ${d.provisioningState}` : '';
      out.push({
        label: `${s.account.name} / ${d.name}`,
        description: [s.account.region, d.sku, capacityText(d)].filter(Boolean).join(' · ') + notReady,
        detail: [
          d.model ? `${d.model}${d.modelVersion ? ` ${d.modelVersion}` : ''}` : 'model unknown',
          d.contentFilter ? `content filter ${d.contentFilter}` : undefined,
          d.maxOutputTokens ? `max output ${d.maxOutputTokens}` : undefined,
          `${s.account.kind} · ${s.account.subscriptionName}`,
          already ? `already in your pool as "${already.name}": picking it replaces that entry` : undefined,
        ].filter(Boolean).join(' · '),
        value: s,
      });
    }
  }
  const failed = found.accounts.filter((a) => a.error);
  if (failed.length || found.problems.length) {
    out.push({ label: 'Could not be read', separator: true });
    for (const a of failed) out.push({ label: `$(error) ${a.name}`, description: `${a.region} · ${a.subscriptionName}`, detail: a.error });
    for (const p of found.problems) out.push({ label: `$(error) subscription ${p.name ?? p.id}`, description: p.id, detail: p.message });
  }
  const empty = found.accounts.filter((a) => !a.error && a.deployments.length === 0);
  for (const a of empty) out.push({ label: `$(circle-slash) ${a.name}`, description: `${a.region} · no deployments`, detail: `${a.kind} · ${a.subscriptionName}` });
  return out;
}

export type ProposalAction =
  | { kind: 'save' }
  | { kind: 'renameAlias'; alias: string }
  | { kind: 'member'; backend: string };

/** The proposal to review: save first, then each alias with its warning, rename action and members. */
export function proposalItems(p: Proposal): ViewItem<ProposalAction>[] {
  const aliases = [...new Set(p.members.map((m) => m.alias))];
  const out: ViewItem<ProposalAction>[] = [{
    label: `$(check) Save ${p.members.length} backend${p.members.length === 1 ? '' : 's'} to user settings`,
    description: `${aliases.length} alias${aliases.length === 1 ? '' : 'es'}: ${aliases.join(', ')}`,
    detail: p.warnings.length ? `$(warning) ${p.warnings.length} alias${p.warnings.length === 1 ? ' has' : 'es have'} members that are not interchangeable (see below)` : undefined,
    value: { kind: 'save' },
  }];
  for (const alias of aliases) {
    const members = p.members.filter((m) => m.alias === alias).sort((a, b) => a.priority - b.priority || b.weight - a.weight);
    const warning = p.warnings.find((w) => w.alias === alias);
    out.push({ label: alias, separator: true });
    if (warning) out.push({ label: `$(warning) Not interchangeable`, detail: warning.message, value: { kind: 'renameAlias', alias } });
    out.push({ label: `$(edit) Rename alias "${alias}"…`, description: 'or merge it into another alias', value: { kind: 'renameAlias', alias } });
    for (const m of members) out.push(memberItem(m));
  }
  return out;
}

function memberItem(m: ProposalMember): ViewItem<ProposalAction> {
  return {
    label: `$(server) ${m.backend}`,
    description: `priority ${m.priority} · weight ${m.weight}`,
    detail: [`${m.account.name} / ${m.deployment.name}`, m.account.region, m.deployment.sku, capacityText(m.deployment), m.deployment.modelVersion].filter(Boolean).join(' · '),
    value: { kind: 'member', backend: m.backend },
  };
}

/** The exact command that gives `assignee` the data-plane role on the account. */
export function roleAssignmentCommand(assignee: string, resourceId: string): string {
  return `az role assignment create --assignee ${assignee} --role "Cognitive Services OpenAI User" --scope ${resourceId}`;
}

/** True when this snapshot is an Entra backend refused with 403: the signed-in account lacks a data-plane role. */
export function refusedEntra(s: Pick<BackendSnapshot, 'auth' | 'lastStatus' | 'reason' | 'status'>): boolean {
  return s.auth === 'entra' && (s.lastStatus === 403 || (s.status === 'misconfigured' && /^403\b/.test(s.reason ?? '')));
}

/** The plain words of the role hint. */
export function roleHintMessage(backend: Pick<BackendConfig, 'name' | 'resourceId'>, who: string): string {
  const account = backend.resourceId?.split('/').at(-1) ?? backend.name;
  return `${backend.name}: Azure refused your Entra ID token (403). ${who} has no data-plane role on the Azure OpenAI account "${account}": ` +
    'give it "Cognitive Services OpenAI User" (it can take a few minutes to apply).';
}
