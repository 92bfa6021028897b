/**
 * Markdown tooltips of tree items. Upstream text (reasons, errors) is masked
 * and escaped: it may carry a key echoed by a misbehaving server, or markdown
 * that would render as a link.
 */
import type { BackendSnapshot, DeploymentSnapshot } from '../balancer/health';
import { escapeMarkdown as esc, formatClock, formatCount, formatLatency } from './format';

export interface TooltipOptions {
  now: number;
  simulated: boolean;
  mask: (text: string) => string;
}

export function backendTooltip(s: BackendSnapshot, word: string, o: TooltipOptions): string {
  const lines: string[] = [];
  lines.push(`**${esc(s.name)}**: ${esc(word)}${s.reason ? `: ${esc(o.mask(s.reason))}` : ''}`);
  lines.push(`Endpoint: \`${s.endpoint.replace(/`/g, '')}\`${o.simulated ? ' (simulated)' : ''}`);
  lines.push(`Priority ${s.priority} · weight ${s.weight}`);
  lines.push(`Auth: ${s.auth === 'apiKey' ? (o.simulated ? 'API key (simulator)' : 'API key, kept in VS Code SecretStorage') : 'Microsoft Entra ID'}`);
  if (s.cooldownUntil > o.now) lines.push(`Cooling down until ${formatClock(s.cooldownUntil)}`);
  if (s.ejectedUntil > o.now) lines.push(`Taken out of rotation until ${formatClock(s.ejectedUntil)}`);
  const latency = formatLatency(s.latencyMs);
  if (latency) lines.push(`Latency: ${latency}`);
  const remaining: string[] = [];
  if (s.remainingTokens !== undefined) remaining.push(`${formatCount(s.remainingTokens)} tokens`);
  if (s.remainingRequests !== undefined) remaining.push(`${formatCount(s.remainingRequests)} requests`);
  if (remaining.length) lines.push(`Remaining (last response): ${remaining.join(', ')}`);
  lines.push(`Requests: ${s.requests} · failures ${s.failures} · throttled ${s.throttled}${s.lastStatus ? ` · last status ${s.lastStatus}` : ''}`);
  if (s.lastError) {
    const when = s.lastErrorAt ? ` (at ${formatClock(s.lastErrorAt)})` : '';
    lines.push(`Last error${when}: ${esc(o.mask(s.lastError))}`);
  }
  if (s.lastProbeAt) lines.push(`Last probe: ${formatClock(s.lastProbeAt)}`);
  // Two trailing spaces: a markdown line break without a paragraph gap.
  return lines.join('  \n');
}

export function deploymentTooltip(d: DeploymentSnapshot, backend: string, word: string): string {
  const lines = [
    `**${esc(d.alias)}**${d.alias !== d.deployment ? ` → deployment \`${d.deployment.replace(/`/g, '')}\`` : ''} on ${esc(backend)}: ${esc(word)}`,
    `Requests: ${d.requests}${d.lastStatus ? ` · last status ${d.lastStatus}` : ''}`,
  ];
  if (d.status === 'misconfigured') lines.push('The resource answered 404 DeploymentNotFound: it has no deployment of this name. Requests go to other backends; this one is asked again a minute later, and shows healthy after a success.');
  return lines.join('  \n');
}
