/**
 * Backend and deployment snapshots -> what the sidebar tree shows. Pure, so
 * every state's label, icon and menu flags are unit-tested without VS Code;
 * the shell only wraps the result in a TreeItem.
 */
import type { BackendSnapshot, BackendStatus, DeploymentSnapshot, DeploymentStatus } from '../balancer/health';
import type { BackendConfig } from '../config/types';
import { escapeMarkdown, formatClock, formatCount, formatLatency, truncate } from './format';
import { backendTooltip, deploymentTooltip } from './tooltip';
import { quotaText } from './quota';

export interface TreeItemModel {
  label: string;
  description: string;
  /** A codicon id for ThemeIcon. */
  iconId: string;
  /** A theme color id for the icon; undefined = the default foreground. */
  colorId: string | undefined;
  tooltipMarkdown: string;
  /** `;`-joined flags matched in package.json menus with `viewItem =~ /;flag;/`. */
  contextValue: string;
}

export interface BackendItemOptions {
  now: number;
  /** False while the proxy is stopped: the snapshot then comes from settings alone. */
  running: boolean;
  /** Backends of the in-memory simulated pool: not in settings, so no edit actions. */
  simulated?: boolean;
  /** SecretStorage holds a key for this (apiKey) backend. */
  hasKey?: boolean;
  /** Masks secrets in free text such as upstream error messages. */
  mask?: (text: string) => string;
  /** alias -> why its members are not interchangeable (issue 11): a warning on the alias rows and in tooltips. */
  aliasWarnings?: ReadonlyMap<string, string>;
}

/** Alias warnings of a pool: `interchangeabilityWarnings` keyed by alias. */
export function aliasWarningMap(warnings: readonly { alias: string; message: string }[]): Map<string, string> {
  return new Map(warnings.map((w) => [w.alias, w.message]));
}

export type ItemLook = 'stopped' | 'partial' | BackendStatus;

interface Look {
  iconId: string;
  colorId: string | undefined;
  word: string;
}

export const STATUS_LOOK: Readonly<Record<ItemLook, Look>> = {
  // charts.green, not testing.iconPassed: that one is the same pale #73c991 in light themes,
  // 1.9:1 on a light side bar (issue 13, item 13); charts.green is #388a34 there.
  healthy: { iconId: 'pass', colorId: 'charts.green', word: 'healthy' },
  // Healthy, but some deployment rests: never the green check (issue 13, item 8).
  partial: { iconId: 'warning', colorId: 'list.warningForeground', word: 'partly throttled' },
  unknown: { iconId: 'question', colorId: undefined, word: 'not checked yet' },
  cooling: { iconId: 'watch', colorId: 'list.warningForeground', word: 'cooling down' },
  unhealthy: { iconId: 'error', colorId: 'list.errorForeground', word: 'unhealthy' },
  misconfigured: { iconId: 'warning', colorId: 'list.errorForeground', word: 'misconfigured' },
  signedOut: { iconId: 'account', colorId: 'list.warningForeground', word: 'signed out' },
  keyMissing: { iconId: 'key', colorId: 'list.warningForeground', word: 'API key missing' },
  hostRefused: { iconId: 'lock', colorId: 'list.errorForeground', word: 'credentials refused' },
  awaitingApproval: { iconId: 'shield', colorId: 'list.warningForeground', word: 'waiting for approval' },
  disabled: { iconId: 'circle-slash', colorId: 'disabledForeground', word: 'disabled' },
  stopped: { iconId: 'circle-outline', colorId: undefined, word: 'proxy stopped' },
};

/** Deployment dots: green only when the deployment can serve; the backend row says why not. */
export const DEPLOYMENT_LOOK: Readonly<Record<DeploymentStatus, Look>> = {
  healthy: { iconId: 'circle-filled', colorId: 'charts.green', word: 'healthy' },
  unknown: { iconId: 'circle-outline', colorId: undefined, word: 'not checked yet' },
  cooling: STATUS_LOOK.cooling,
  misconfigured: STATUS_LOOK.misconfigured,
  unavailable: { iconId: 'circle-filled', colorId: 'disabledForeground', word: 'backend unavailable' },
};

const REASON_CHARS = 60;

/** States a stopped proxy knows too: they come from the config, keys and approvals, not from traffic. */
const CONFIG_STATES: ReadonlySet<BackendStatus> = new Set(['disabled', 'keyMissing', 'hostRefused', 'awaitingApproval']);

/** The state to draw: a stopped proxy knows nothing about health, only config and keys. */
export function itemLook(s: BackendSnapshot, running: boolean): ItemLook {
  if (running || CONFIG_STATES.has(s.status)) return s.status;
  return 'stopped';
}

export function backendItem(s: BackendSnapshot, opts: BackendItemOptions): TreeItemModel {
  const mask = opts.mask ?? ((t: string) => t);
  const base = itemLook(s, opts.running);
  const look: ItemLook = base === 'healthy' && s.deployments.some((d) => d.cooldownUntil > opts.now) ? 'partial' : base;
  const { iconId, colorId, word } = STATUS_LOOK[look];
  const parts: string[] = [];
  const reason = s.reason ? truncate(mask(s.reason), REASON_CHARS) : undefined;
  switch (look) {
    case 'healthy':
      parts.push(word, ...metrics(s));
      break;
    case 'partial': {
      // Some deployments throttled while others serve: say which without opening the node.
      const cooling = s.deployments.filter((d) => d.cooldownUntil > opts.now);
      parts.push(cooling.length === 1 ? `${cooling[0]!.alias} cooling until ${formatClock(cooling[0]!.cooldownUntil)}` : `${cooling.length} deployments cooling`, ...metrics(s));
      break;
    }
    case 'cooling':
      parts.push(`${word} until ${formatClock(s.cooldownUntil)}`);
      break;
    case 'unknown':
      parts.push(word, ...metrics(s));
      break;
    case 'unhealthy': {
      const retry = s.ejectedUntil > opts.now ? `, retry at ${formatClock(s.ejectedUntil)}` : '';
      parts.push(`${word}${retry}${reason ? `: ${reason}` : ''}`);
      break;
    }
    case 'misconfigured':
      parts.push(`${word}${reason ? `: ${reason}` : ''}`);
      break;
    case 'hostRefused':
      // The whole reason (what, why, how to allow) is in the tooltip.
      parts.push(`${word}: host not allowed`);
      break;
    default:
      parts.push(word);
  }
  const warned = s.deployments.filter((d) => opts.aliasWarnings?.has(d.alias));
  const warningLines = warned.map((d) => `$(warning) ${escapeMarkdown(opts.aliasWarnings!.get(d.alias)!)}`);
  return {
    label: s.name,
    description: parts.join(' · '),
    iconId,
    colorId,
    tooltipMarkdown: [backendTooltip(s, word, { now: opts.now, simulated: opts.simulated ?? false, mask }), ...warningLines].join('  \n'),
    contextValue: backendFlags(s, opts),
  };
}

export function deploymentItem(d: DeploymentSnapshot, backend: BackendSnapshot, opts: BackendItemOptions): TreeItemModel {
  const running = itemLook(backend, opts.running) !== 'stopped';
  const look = !running ? STATUS_LOOK.stopped : DEPLOYMENT_LOOK[d.status];
  const parts: string[] = [];
  // Most telling first: why it cannot serve, then what it served, then where the alias points (issue 13, item 7).
  if (running && d.status === 'cooling') parts.push(`cooling down until ${formatClock(d.cooldownUntil)}`);
  else if (running && d.status === 'misconfigured') parts.push('not found on this resource');
  else if (running && d.status === 'unavailable') parts.push(`backend ${STATUS_LOOK[backend.status].word}`);
  if (d.requests > 0) parts.push(`${d.requests} ${d.requests === 1 ? 'request' : 'requests'}`);
  const quota = running ? quotaText(d.quota) : undefined;
  if (quota) parts.push(quota);
  if (d.alias !== d.deployment) parts.push(`→ ${d.deployment}`);
  const warning = opts.aliasWarnings?.get(d.alias);
  // A health problem keeps its icon; otherwise the row shows the alias warning.
  const quiet = !running || d.status === 'healthy';
  if (warning) parts.push('⚠ members differ');
  const tooltip = deploymentTooltip(d, backend.name, running ? look.word : STATUS_LOOK.stopped.word);
  return {
    label: d.alias,
    description: parts.join(' · '),
    iconId: warning && quiet ? 'warning' : look.iconId,
    colorId: warning && quiet ? 'list.warningForeground' : look.colorId,
    tooltipMarkdown: warning ? `${tooltip}  \n$(warning) ${escapeMarkdown(warning)}` : tooltip,
    contextValue: `;deployment;${running ? d.status : 'stopped'};${warning ? 'notInterchangeable;' : ''}`,
  };
}

/**
 * True while something on the item ends by itself (a cooldown, an ejection):
 * the shell re-checks it every second and redraws it when it has ended. The
 * rows show when that happens as a clock time, not a countdown: VS Code
 * closes an open hover whenever its row is redrawn, and a countdown redrew
 * every second (issue 13, item 2).
 */
export function hasCountdown(s: BackendSnapshot, now: number): boolean {
  return s.cooldownUntil > now || s.ejectedUntil > now || s.deployments.some((d) => d.cooldownUntil > now);
}

/**
 * What a stopped proxy can still tell: the config, and what keeps the backend
 * from a credential (`credentialProblem` in core/auth, the same rule a running
 * proxy applies). Shaped like a live snapshot so the tree has one code path.
 */
export function idleSnapshot(b: BackendConfig, problem: { state: BackendStatus; reason: string } | undefined): BackendSnapshot {
  // Nothing is known about health while stopped: "not checked yet", never healthy.
  const status: BackendStatus = !b.enabled ? 'disabled' : problem?.state ?? 'unknown';
  return {
    name: b.name, endpoint: b.endpoint, priority: b.priority, weight: b.weight, auth: b.auth, enabled: b.enabled,
    status, reason: b.enabled ? problem?.reason : undefined,
    cooldownUntil: 0, ejectedUntil: 0, latencyMs: undefined, lastStatus: undefined, lastError: undefined, lastErrorAt: undefined,
    remainingRequests: undefined, remainingTokens: undefined, requests: 0, failures: 0, throttled: 0, consecutiveFailures: 0,
    lastProbeAt: undefined,
    deployments: Object.entries(b.deployments ?? {}).map(([alias, deployment]) => ({
      alias, deployment, status: status === 'unknown' ? 'unknown' : 'unavailable', cooldownUntil: 0, lastStatus: undefined, requests: 0,
    })),
  };
}

/**
 * Numbers a backend row shows, most useful first and each saying what it is
 * (issue 13, item 7): the quota left in this minute, then latency. Remaining
 * requests stay in the tooltip: the row must fit the default side bar width.
 */
function metrics(s: BackendSnapshot): string[] {
  const out: string[] = [];
  if (s.remainingTokens !== undefined) out.push(`${formatCount(s.remainingTokens)} tokens left`);
  const latency = formatLatency(s.latencyMs);
  if (latency) out.push(latency);
  return out;
}

function backendFlags(s: BackendSnapshot, opts: BackendItemOptions): string {
  const flags = ['backend', itemLook(s, opts.running), s.enabled ? 'enabled' : 'disabled', s.auth];
  if (s.auth === 'apiKey' && opts.hasKey) flags.push('keySet');
  // Simulated backends live in memory: no settings edits, no keys to manage.
  flags.push(opts.simulated ? 'simulated' : 'configured');
  return `;${flags.join(';')};`;
}
