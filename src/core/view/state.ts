/**
 * The shell's run state and what the status bar and terminals derive from it.
 * Pure: the status bar text for every state is unit-tested.
 */
import type { BackendSnapshot } from '../balancer/health';
import type { ConfigIssue } from '../config/types';
import { sdkEnvironment } from '../tools/env';

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

/** Healthy and total among enabled backends: a disabled one is not "down". */
export function healthCount(snapshots: readonly BackendSnapshot[]): { healthy: number; total: number } {
  const enabled = snapshots.filter((s) => s.enabled);
  return { healthy: enabled.filter((s) => s.status === 'healthy').length, total: enabled.length };
}

export function statusBarModel(state: PoolState, snapshots: readonly BackendSnapshot[]): StatusBarModel {
  const { healthy, total } = healthCount(snapshots);
  const lines: string[] = [];
  let text: string;
  let backgroundColorId: string | undefined;
  switch (state.status) {
    case 'running':
      text = `$(pulse) AOAI Pool :${state.port} ${healthy}/${total}${state.simulated ? ' (simulated)' : ''}`;
      lines.push(`**AOAI Pool** running on \`${state.url}\``, `${healthy} of ${total} backends healthy`);
      if (state.simulated) lines.push('Simulated backends in memory: stop the proxy to leave the demo.');
      if (total > 0 && healthy === 0) backgroundColorId = 'statusBarItem.warningBackground';
      break;
    case 'starting':
      text = '$(sync~spin) AOAI Pool';
      lines.push('**AOAI Pool** starting…');
      break;
    case 'elsewhere':
      text = `$(pulse) AOAI Pool :${state.port} (other window)`;
      lines.push(`**AOAI Pool** of another VS Code window serves \`${state.url}\`.`, 'This window uses it; start the proxy here after closing that one.');
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

/**
 * What new integrated terminals get while the pool runs, so the Azure and
 * OpenAI SDKs reach the pool without code changes. The key is the pool's own
 * client key, never an Azure key.
 */
export function terminalEnvironment(url: string, clientKey: string): Record<string, string> {
  // One list of SDK variables (core/tools/env.ts, also behind "Connect a Tool…"'s .env).
  // Terminals leave OPENAI_API_VERSION out for now: whether they get it is the
  // SDK-routing work's call, and it changes what every terminal sees.
  const { OPENAI_API_VERSION: _version, ...vars } = sdkEnvironment(url, clientKey);
  return vars;
}
