/**
 * Interchangeability of an alias's members (issue 11). The pool sends a
 * request for an alias to any of its members, so they must behave alike: the
 * same model and version, the same kind of SKU, the same content filter and
 * the same output ceiling. Pure: used by the proposal, the tree and
 * `aoai-pool check`. Only metadata both members carry is compared; unknown
 * is never a difference.
 */
import type { BackendConfig, DeploymentInfo } from './types';

/** One deployment serving an alias, on one backend. */
export interface AliasMember {
  backend: string;
  alias: string;
  info: DeploymentInfo;
}

export type DifferenceField = 'model' | 'modelVersion' | 'skuFamily' | 'contentFilter' | 'maxOutputTokens';

export interface AliasDifference {
  field: DifferenceField;
  /** Each distinct value with the backends that have it, in first-seen order. */
  values: { value: string; backends: string[] }[];
}

export interface AliasWarning {
  alias: string;
  differences: AliasDifference[];
  /** One sentence for a tooltip, a log line or `aoai-pool check`. */
  message: string;
}

const LABELS: Record<DifferenceField, string> = {
  model: 'model',
  modelVersion: 'model version',
  skuFamily: 'SKU family',
  contentFilter: 'content filter',
  maxOutputTokens: 'max output tokens',
};

/**
 * The family of a deployment SKU, as far as it changes what a request gets.
 * Provisioned (PTU) and Standard deployments serve the same synchronous API:
 * PTU first with pay-as-you-go spillover is the pairing Azure itself
 * recommends (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/spillover-traffic-management),
 * so they are one family. Batch deployments only take batch jobs and
 * Developer deployments carry no SLA nor data residency: mixing those with
 * the others changes behaviour.
 */
export function skuFamily(sku: string): string {
  if (/batch$/i.test(sku)) return 'Batch';
  if (/^developer/i.test(sku)) return 'Developer';
  if (/^(Global|DataZone)?(Standard|ProvisionedManaged)$/i.test(sku) || /^Standard$/i.test(sku)) return 'Standard/Provisioned';
  return sku;
}

function valueOf(field: DifferenceField, info: DeploymentInfo): string | undefined {
  switch (field) {
    case 'skuFamily':
      return info.sku === undefined ? undefined : skuFamily(info.sku);
    case 'maxOutputTokens':
      return info.maxOutputTokens === undefined ? undefined : String(info.maxOutputTokens);
    default:
      return info[field];
  }
}

/** Warnings for every alias whose members differ; aliases in first-seen order. */
export function interchangeabilityWarnings(members: readonly AliasMember[]): AliasWarning[] {
  const byAlias = new Map<string, AliasMember[]>();
  for (const m of members) byAlias.set(m.alias, [...(byAlias.get(m.alias) ?? []), m]);
  const out: AliasWarning[] = [];
  for (const [alias, group] of byAlias) {
    if (group.length < 2) continue;
    const differences: AliasDifference[] = [];
    for (const field of Object.keys(LABELS) as DifferenceField[]) {
      const values: AliasDifference['values'] = [];
      for (const m of group) {
        const v = valueOf(field, m.info);
        if (v === undefined) continue;
        const seen = values.find((x) => x.value === v);
        if (seen) seen.backends.push(m.backend);
        else values.push({ value: v, backends: [m.backend] });
      }
      if (values.length > 1) differences.push({ field, values });
    }
    if (differences.length) out.push({ alias, differences, message: describe(alias, differences) });
  }
  return out;
}

/** The members of every alias in a validated config (enabled backends only: disabled ones take no traffic). */
export function configAliasMembers(backends: readonly Pick<BackendConfig, 'name' | 'enabled' | 'deploymentInfo'>[]): AliasMember[] {
  return backends.filter((b) => b.enabled).flatMap((b) => Object.entries(b.deploymentInfo).map(([alias, info]) => ({ backend: b.name, alias, info })));
}

function describe(alias: string, differences: AliasDifference[]): string {
  const parts = differences.map((d) => `${LABELS[d.field]} differs (${d.values.map((v) => `${v.value} on ${v.backends.join(', ')}`).join('; ')})`);
  return `the members of "${alias}" are not interchangeable: ${parts.join('; ')}. A request may get either; give them their own aliases unless that is intended`;
}
