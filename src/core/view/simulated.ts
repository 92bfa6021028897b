/**
 * "Try with simulated backends": three in-memory Azure OpenAI look-alikes
 * and a pool on them, the same shape as the CLI's demo, so the whole product
 * can be seen without Azure. Nothing of it is written to settings.
 */
import type { RawPoolConfig } from '../config/types';

export const SIMULATED_DEPLOYMENTS: readonly string[] = ['gpt-4o-mini', 'text-embedding-3-small'];

/** sim-1 and sim-2 share priority 1; sim-3 is the fallback group. */
export const SIMULATED_BACKENDS: readonly { name: string; priority: number }[] = [
  { name: 'sim-1', priority: 1 },
  { name: 'sim-2', priority: 1 },
  { name: 'sim-3', priority: 2 },
];

/** The user's pool options (port, timeouts, ...) with the simulators as the only backends. */
export function simulatedRawConfig(base: RawPoolConfig, sims: readonly { name: string; url: string }[]): RawPoolConfig {
  return {
    ...base,
    backends: sims.map((s) => ({
      name: s.name,
      endpoint: s.url,
      priority: SIMULATED_BACKENDS.find((b) => b.name === s.name)?.priority ?? 1,
      deployments: [...SIMULATED_DEPLOYMENTS],
    })),
  };
}

