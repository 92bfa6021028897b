/** Plain-text views of a discovery and a proposal: the CLI prints them, the extension logs them. */
import { formatCount } from '../view/format';
import type { Proposal } from './proposal';
import type { DiscoveredDeployment, Discovery } from './types';

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** "450K TPM" for Standard SKUs, "100 PTU" for provisioned ones. */
export function capacityText(d: Pick<DiscoveredDeployment, 'tpm' | 'capacity' | 'sku'>): string {
  if (d.tpm !== undefined) return `${formatCount(d.tpm)} TPM`;
  if (d.capacity !== undefined) return /provisioned/i.test(d.sku ?? '') ? `${d.capacity} PTU` : `capacity ${d.capacity}`;
  return '';
}

export function discoveryTable(d: Discovery): string {
  const rows: string[][] = [['SUBSCRIPTION', 'ACCOUNT', 'KIND', 'REGION', 'DEPLOYMENT', 'MODEL', 'VERSION', 'SKU', 'CAPACITY']];
  for (const a of d.accounts) {
    if (a.error) rows.push([a.subscriptionName, a.name, a.kind, a.region, '(cannot list deployments: see below)', '', '', '', '']);
    else if (a.deployments.length === 0) rows.push([a.subscriptionName, a.name, a.kind, a.region, '(no deployments)', '', '', '', '']);
    for (const x of a.deployments) rows.push([a.subscriptionName, a.name, a.kind, a.region, x.name, x.model ?? '?', x.modelVersion ?? '', x.sku ?? '', capacityText(x)]);
  }
  const lines = [formatTable(rows)];
  for (const a of d.accounts) if (a.error) lines.push(`cannot list the deployments of ${a.name}: ${a.error}`);
  for (const p of d.problems) lines.push(`cannot read subscription ${p.name ? `${p.name} (${p.id})` : p.id}: ${p.message}`);
  return lines.join('\n');
}

export function proposalTable(p: Proposal): string {
  const rows: string[][] = [['ALIAS', 'BACKEND', 'PRIORITY', 'WEIGHT', 'DEPLOYMENT', 'SKU', 'CAPACITY', 'REGION']];
  const members = [...p.members].sort((a, b) => a.alias.localeCompare(b.alias) || a.priority - b.priority || b.weight - a.weight);
  for (const m of members) rows.push([m.alias, m.backend, String(m.priority), String(m.weight), m.deployment.name, m.deployment.sku ?? '', capacityText(m.deployment), m.account.region]);
  return [formatTable(rows), ...p.warnings.map((w) => `warning: ${w.message}`)].join('\n');
}
