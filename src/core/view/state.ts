/**
 * The shell's run state and what the status bar and terminals derive from it.
 * Pure: the status bar text for every state is unit-tested.
 */
import type { BackendSnapshot } from '../balancer/health';
import type { ConfigIssue } from '../config/types';

export type RunStatus = 'stopped' | 'starting' | 'running' | 'elsewhere' | 'failed';

export interface PoolState {
  status: RunStatus;
  /** `http://127.0.0.1:PORT` as the proxy reports it (or the other window's pool for `elsewhere`). */
  url: string | undefined;
  port: number | undefined;
  /** The in-memory pool on simulated backends ("Try with simulated backends"). */
  simulated: boolean;
  /** Problems in the current settings; the last good pool, if any, keeps serving. */
  configErrors: readonly ConfigIssue[];
  /** Why the last start failed. */
  lastError: string | undefined;
}

export const INITIAL_STATE: PoolState = { status: 'stopped', url: undefined, port: undefined, simulated: false, configErrors: [], lastError: undefined };

export interface StatusBarModel {
  text: string;
  tooltipMarkdown: string;
  /** `statusBarItem.warningBackground` / `errorBackground`, the only ones VS Code honours. */
  backgroundColorId: string | undefined;
}

export interface HealthCount {
  /** Healthy with every deployment able to serve. */
  healthy: number;
  /** Healthy, but some deployment rests (throttled) or is missing: not counted as healthy. */
  degraded: number;
  /** Not checked yet (nothing has answered since the proxy started). */
  unknown: number;
  /** Enabled backends: a disabled one is not "down". */
  total: number;
}

/** Counts enabled backends by how healthy they are; only fully healthy ones count as healthy. */
export function healthCount(snapshots: readonly BackendSnapshot[], now = Date.now()): HealthCount {
  const c: HealthCount = { healthy: 0, degraded: 0, unknown: 0, total: 0 };
  for (const s of snapshots) {
    if (!s.enabled) continue;
    c.total++;
    if (s.status === 'unknown') c.unknown++;
    if (s.status !== 'healthy') continue;
    const partial = s.deployments.some((d) => d.cooldownUntil > now || d.status === 'misconfigured');
    if (partial) c.degraded++;
    else c.healthy++;
  }
  return c;
}

/**
 * When the status bar's model changes by itself (a cooldown or an ejection
 * ends, the backend's or a deployment's): the shell redraws then. Undefined
 * when nothing counts down.
 */
export function statusBarRedrawAt(snapshots: readonly BackendSnapshot[], now: number): number | undefined {
  let at = Infinity;
  for (const s of snapshots) {
    for (const t of [s.cooldownUntil, s.ejectedUntil]) if (t > now && t < at) at = t;
    for (const d of s.deployments) if (d.cooldownUntil > now && d.cooldownUntil < at) at = d.cooldownUntil;
  }
  return Number.isFinite(at) ? at : undefined;
}

export function statusBarModel(state: PoolState, snapshots: readonly BackendSnapshot[], now = Date.now()): StatusBarModel {
  const { healthy, degraded, unknown, total } = healthCount(snapshots, now);
  const lines: string[] = [];
  let text: string;
  let backgroundColorId: string | undefined;
  switch (state.status) {
    case 'running':
    case 'elsewhere': {
      // A follower (issue 13) shows the owner's live counts; "another window" is said once, in the tooltip.
      const elsewhere = state.status === 'elsewhere';
      // Something enabled that cannot serve fully (not merely unchecked): a different icon and colour,
      // so 1/3 never looks like 3/3 at a glance (issue 13, item 8).
      const short = total - healthy - unknown > 0;
      text = `$(${short ? 'warning' : 'pulse'}) AOAI Pool :${state.port} ${healthy}/${total}${state.simulated ? ' (simulated)' : ''}`;
      if (short) backgroundColorId = 'statusBarItem.warningBackground';
      lines.push(elsewhere ? `**AOAI Pool** of another VS Code window serves \`${state.url}\`` : `**AOAI Pool** running on \`${state.url}\``, `${healthy} of ${total} backends healthy`);
      if (degraded > 0) lines.push(`${degraded} serving with ${degraded === 1 ? 'a deployment' : 'deployments'} throttled or missing`);
      if (unknown > 0) lines.push(`${unknown} not checked yet`);
      if (state.simulated) lines.push('Simulated backends in memory: stop the proxy to leave the demo.');
      if (elsewhere) lines.push('This window uses it, and takes the port over when that window closes.');
      break;
    }
    case 'starting':
      text = '$(sync~spin) AOAI Pool';
      lines.push('**AOAI Pool** starting…');
      break;
    case 'failed':
      text = '$(error) AOAI Pool';
      lines.push('**AOAI Pool** could not start');
      if (state.lastError) lines.push(state.lastError);
      backgroundColorId = 'statusBarItem.errorBackground';
      break;
    default:
      text = '$(circle-slash) AOAI Pool';
      lines.push('**AOAI Pool** stopped');
  }
  if (state.configErrors.length > 0) {
    text += ' $(warning)';
    lines.push(`${state.configErrors.length} problem${state.configErrors.length === 1 ? '' : 's'} in settings${state.status === 'running' ? ': the last good pool keeps serving' : ''}`);
  }
  return { text, tooltipMarkdown: `${lines.join('  \n')}\n\nClick for actions`, backgroundColorId };
}
