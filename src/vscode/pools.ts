/**
 * What one proxy run serves: the settings' pool with keys from SecretStorage
 * and tokens from EntraAuth, or the in-memory simulated pool.
 */
import { formatIssue, validateConfig, type BackendSnapshot, type CredentialSource, type PoolConfig, type RawPoolConfig, type Redactor } from '../core';
import type { SimulatedBackend } from '../core/simulator';
import { simulatedBackendOptions, simulatedRawConfig, simulatorCredentials } from '../core/simulator/demo';
import type { WorkspaceApproval } from './approval';
import type { EntraAuth } from './auth';
import type { ShellLog } from './log';
import type { Secrets } from './secrets';

export interface PoolPlan {
  config: PoolConfig;
  credentials: CredentialSource;
}

/**
 * The settings pool's credentials. Issue 9: a key is looked up by name AND
 * endpoint; backends from workspace settings are withheld until approved; the
 * extra hosts that may receive credentials come from the User settings only
 * (`credentialHosts` is read live, so an edit applies without a restart).
 */
export function settingsCredentials(secrets: Secrets, auth: EntraAuth, approval: WorkspaceApproval, credentialHosts: () => readonly string[]): CredentialSource {
  return {
    apiKey: (b) => secrets.apiKey(b.name, b.endpoint),
    tokenCredential: () => auth.tokenCredential(),
    missingKeyHint: (b) => secrets.missingKeyHint(b.name, b.endpoint),
    signInHint: () => 'run "AOAI Pool: Sign in to Azure"',
    withheld: (b) => approval.withheld(b),
    credentialHosts,
    allowHostHint: (host) => `if you trust it, add "${host}" to aoaiPool.security.credentialHosts in your User settings (workspace settings cannot)`,
  };
}

/** Starts the three simulators; the module is loaded only now (nobody pays for it otherwise). */
export async function startSimulators(redactor: Redactor): Promise<SimulatedBackend[]> {
  const { startSimulatedBackends } = await import('../core/simulator');
  const sims = await startSimulatedBackends(simulatedBackendOptions());
  for (const s of sims) redactor.add(s.apiKey);
  return sims;
}

/**
 * The user's pool options over the simulators. If those options are invalid
 * right now the demo still runs, on defaults and the configured port.
 */
export function simulatedPlan(base: RawPoolConfig, sims: readonly SimulatedBackend[], disabled: ReadonlySet<string> = new Set()): PoolPlan {
  let result = validateConfig(simulatedRawConfig(base, sims), { allowEmpty: true });
  if (!result.ok) result = validateConfig(simulatedRawConfig({ backends: [], port: base.port }, sims), { allowEmpty: true });
  if (!result.ok) result = validateConfig(simulatedRawConfig({ backends: [] }, sims), { allowEmpty: true });
  if (!result.ok) throw new Error(`cannot build the simulated pool: ${result.errors.map(formatIssue).join('; ')}`);
  // Demo backends the user disabled from the tree stay disabled, in memory like the demo itself.
  const backends = result.config.backends.map((b) => (disabled.has(b.name) ? { ...b, enabled: false } : b));
  return { config: { ...result.config, backends }, credentials: simulatorCredentials(sims) };
}

/** Logs each backend's status changes once ("eastus: healthy -> cooling (429 ...)"), not every event. */
export class TransitionLog {
  private readonly statuses = new Map<string, string>();

  constructor(private readonly log: ShellLog) {}

  record(s: BackendSnapshot): void {
    const before = this.statuses.get(s.name);
    if (before === s.status) return;
    this.statuses.set(s.name, s.status);
    // A backend starts "not checked yet"; its first answer making it healthy is no news.
    if ((before === undefined || before === 'unknown') && (s.status === 'healthy' || s.status === 'unknown')) return;
    const line = `backend ${s.name}: ${before ?? 'new'} -> ${s.status}${s.reason ? ` (${s.reason})` : ''}`;
    if (s.status === 'healthy' || s.status === 'disabled') this.log.info(line);
    else this.log.warn(line);
  }

  clear(): void {
    this.statuses.clear();
  }
}
