/** "AOAI Pool: Open Dashboard". The panel's code is a chunk of its own, loaded here on first use. */
import type { Shell } from '../shell';

export async function openDashboard(shell: Shell): Promise<void> {
  const { showDashboard } = await import('../dashboard/panel');
  showDashboard(shell);
}
