/**
 * Values of the context keys the palette's `when` clauses read (issue 13,
 * item 9): a command that cannot apply is not listed. Pure: the shell only
 * passes them to `setContext`.
 */
import type { BackendConfig } from '../config/types';
import { CONTEXT_KEYS } from './manifest/commands';

export interface PoolFacts {
  /** The settings' backends (the last valid ones). */
  backends: readonly Pick<BackendConfig, 'name' | 'endpoint' | 'enabled' | 'auth'>[];
  /** The demo's backends while it runs: they can be disabled and enabled too (item 14). */
  simulated: readonly { enabled: boolean }[];
  hasKey: (name: string, endpoint: string) => boolean;
}

export function contextKeyValues(f: PoolFacts): Record<string, boolean> {
  const all = [...f.backends, ...f.simulated];
  return {
    [CONTEXT_KEYS.hasBackends]: f.backends.length > 0,
    [CONTEXT_KEYS.hasEnabledBackend]: all.some((b) => b.enabled),
    [CONTEXT_KEYS.hasDisabledBackend]: all.some((b) => !b.enabled),
    [CONTEXT_KEYS.hasApiKeyBackend]: f.backends.some((b) => b.auth === 'apiKey'),
    [CONTEXT_KEYS.hasStoredKey]: f.backends.some((b) => b.auth === 'apiKey' && f.hasKey(b.name, b.endpoint)),
  };
}
