/**
 * The demo pool: three simulated Azure OpenAI resources and a pool on them,
 * shared by the CLI's `serve` without a config and the extension's "Try with
 * simulated backends", so the whole product can be seen without Azure.
 * Nothing of it is written to settings. This file does not load the
 * simulator's server, so the extension can import it at activation.
 */
import type { CredentialSource } from '../auth/credentials';
import type { RawPoolConfig } from '../config/types';

export const SIMULATED_DEPLOYMENTS: readonly string[] = ['gpt-4o-mini', 'text-embedding-3-small'];

/** sim-1 and sim-2 share priority 1; sim-3 is the fallback group. */
export const SIMULATED_BACKENDS: readonly { name: string; priority: number }[] = [
  { name: 'sim-1', priority: 1 },
  { name: 'sim-2', priority: 1 },
  { name: 'sim-3', priority: 2 },
];

const DEMO_TPM = 10_000_000;

/** What to pass to `startSimulatedBackends` for the demo. */
export function simulatedBackendOptions(): { name: string; deployments: string[]; tokensPerMinute: number }[] {
  // The demo enforces no quota; its headers say so with a quota no demo reaches (10M TPM), or quota routing
  // would hold the demo's traffic to what the default 120k TPM allows (about 5 requests per 10 s without max_tokens).
  return SIMULATED_BACKENDS.map((b) => ({ name: b.name, deployments: [...SIMULATED_DEPLOYMENTS], tokensPerMinute: DEMO_TPM }));
}

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


/** Each simulator's own key, as the pool's credential source. */
export function simulatorCredentials(sims: readonly { name: string; apiKey: string }[]): CredentialSource {
  const keys = new Map(sims.map((s) => [s.name, s.apiKey]));
  return { apiKey: (b) => keys.get(b.name), tokenCredential: () => undefined };
}
