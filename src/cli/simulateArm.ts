/**
 * `aoai-pool simulate --arm`: the Resource Manager stand-in and the data
 * planes of its accounts, for trying `discover` and "Add Backends from
 * Azure…" without Azure. The test CA is written to a temporary file for
 * NODE_EXTRA_CA_CERTS and removed on exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ARM_USAGE = `  --arm                     also run a Resource Manager stand-in (https, test CA) with
                            subscriptions in two tenants, OpenAI and AIServices accounts,
                            deployments, listKeys, a 403 subscription, paging; prints
                            "arm <url>", "ca <file>" and one "<account> <url> <key>" line
                            per account data plane. Other options are ignored.`;

export async function runArmSimulator(out: (l: string) => void, err: (l: string) => void, wait: () => Promise<void>): Promise<void> {
  const { startArmSimulator } = await import('../core/simulator/arm');
  const sim = await startArmSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'aoai-pool-arm-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sim.ca);
  try {
    out(`arm ${sim.url}`);
    out(`ca ${caFile}`);
    for (const b of sim.backends) out(`${b.name} ${b.url} ${b.apiKey}`);
    err(`Resource Manager stand-in on ${sim.url} (any bearer token is accepted; its "tid" claim picks the tenant). Try:`);
    err(`  NODE_EXTRA_CA_CERTS=${caFile} aoai-pool discover --arm-endpoint ${sim.url} --dry-run`);
    err('In VS Code: set "microsoft-sovereign-cloud.environment": "custom" with customEnvironment.resourceManagerEndpointUrl, and start VS Code with NODE_EXTRA_CA_CERTS.');
    await wait();
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    err('simulated Resource Manager stopped');
  }
}
