/**
 * What the extension says after it changed something (issue 13, item 4): a
 * change never finishes silently, and during the demo the user learns that
 * the simulated pool is showing instead of theirs, and how to see theirs.
 */

/** Said with every change to the real pool while the demo runs. */
export const DEMO_HIDES_POOL = 'The simulated demo is showing instead of your pool: stop the demo to see and use it.';

export function backendAddedMessage(name: string, scope: 'global' | 'workspace', key: 'stored' | 'missing' | 'entra', demo: boolean): string {
  const where = scope === 'global' ? 'your user settings' : 'this workspace\'s settings';
  const auth = key === 'stored' ? ' Its API key is in VS Code SecretStorage.' : key === 'missing' ? ' It needs an API key: Set API Key is in its context menu.' : ' It signs in with your Microsoft account (Entra ID).';
  return `AOAI Pool: added backend "${name}" to ${where}.${auth}${demo ? ` ${DEMO_HIDES_POOL}` : ''}`;
}

export function apiKeyStoredMessage(name: string, demo: boolean): string {
  return `AOAI Pool: API key for "${name}" stored in VS Code SecretStorage.${demo ? ` ${DEMO_HIDES_POOL}` : ''}`;
}

/** The Backends view's message while the demo runs. */
export function demoViewMessage(settingsBackends: number): string {
  const yours = settingsBackends === 0 ? 'you have no backends of your own yet' : `your ${settingsBackends} backend${settingsBackends === 1 ? '' : 's'} show${settingsBackends === 1 ? 's' : ''} again`;
  return `Demo: simulated backends in memory, instead of your pool. Stop Proxy ends it: ${yours}.`;
}
