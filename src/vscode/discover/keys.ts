/**
 * The one place "Add Backends from Azure…" touches SecretStorage: an
 * account's key, fetched once with `listKeys`, stored for each backend made
 * from that account, bound to that backend's endpoint (issue 9: a key only
 * ever goes to the endpoint it was stored for).
 */
import type { ArmTarget, DiscoveredAccount } from '../../core/discovery';
import type { Shell } from '../shell';

export async function storeAccountKeys(shell: Shell, target: ArmTarget, account: DiscoveredAccount, backends: readonly { name: string; endpoint: string }[]): Promise<void> {
  const { listAccountKeys } = await import('../../core/discovery/arm');
  const { key1 } = await listAccountKeys(target, account);
  if (!key1) throw new Error(`listKeys returned no key for ${account.name}`);
  shell.redactor.add(key1);
  for (const b of backends) await shell.secrets.setApiKey(b.name, b.endpoint, key1);
  shell.log.info(`API key of ${account.name} stored in SecretStorage for ${backends.map((b) => b.name).join(', ')}`);
}
