/**
 * Every command of the extension, its palette title and icon, and where it
 * shows in menus. The shell's handler table is typed by `CommandId`, so a
 * command without a handler (or a handler without a command) does not compile,
 * and the manifest test keeps package.json equal to this.
 */
import { SETTINGS_QUERY } from '../settings';

export const CATEGORY = 'AOAI Pool';
export const VIEW_CONTAINER_ID = 'aoaiPool';
export const VIEW_ID = 'aoaiPool.backends';

/** Context keys the shell sets with `setContext`. */
export const CONTEXT_KEYS = {
  running: 'aoaiPool.running',
  simulated: 'aoaiPool.simulated',
  /** Some backend from workspace settings waits for approval (issue 9). */
  approvalPending: 'aoaiPool.approvalPending',
  /** The settings hold at least one backend: Start Proxy is no dead end (issue 13, item 3). */
  hasBackends: 'aoaiPool.hasBackends',
  hasEnabledBackend: 'aoaiPool.hasEnabledBackend',
  hasDisabledBackend: 'aoaiPool.hasDisabledBackend',
  hasApiKeyBackend: 'aoaiPool.hasApiKeyBackend',
  hasStoredKey: 'aoaiPool.hasStoredKey',
} as const;

export const COMMANDS = [
  { id: 'aoaiPool.startProxy', title: 'Start Proxy', icon: '$(play)' },
  { id: 'aoaiPool.stopProxy', title: 'Stop Proxy', icon: '$(debug-stop)' },
  { id: 'aoaiPool.restartProxy', title: 'Restart Proxy', icon: '$(debug-restart)' },
  { id: 'aoaiPool.addBackend', title: 'Add Backend', icon: '$(add)' },
  { id: 'aoaiPool.addBackendsFromAzure', title: 'Add Backends from Azure…', icon: '$(azure)' },
  { id: 'aoaiPool.removeBackend', title: 'Remove Backend', icon: '$(trash)' },
  { id: 'aoaiPool.enableBackend', title: 'Enable Backend' },
  { id: 'aoaiPool.disableBackend', title: 'Disable Backend' },
  { id: 'aoaiPool.setApiKey', title: 'Set API Key', icon: '$(key)' },
  { id: 'aoaiPool.clearApiKey', title: 'Clear API Key' },
  { id: 'aoaiPool.signIn', title: 'Sign in to Azure', icon: '$(sign-in)' },
  { id: 'aoaiPool.reviewWorkspaceBackends', title: 'Review Workspace Backends', icon: '$(shield)' },
  { id: 'aoaiPool.probeBackends', title: 'Probe Backends Now', icon: '$(refresh)' },
  { id: 'aoaiPool.copyProxyUrl', title: 'Copy Proxy URL', icon: '$(copy)' },
  { id: 'aoaiPool.copyClientKey', title: 'Copy Client Key' },
  { id: 'aoaiPool.showLog', title: 'Show Log', icon: '$(output)' },
  { id: 'aoaiPool.generateApimPool', title: 'Generate APIM Pool', icon: '$(azure)' },
  { id: 'aoaiPool.trySimulated', title: 'Try with Simulated Backends', icon: '$(beaker)' },
  { id: 'aoaiPool.openDashboard', title: 'Open Dashboard', icon: '$(graph)' },
  { id: 'aoaiPool.showActions', title: 'Choose a Pool Action…' },
  { id: 'aoaiPool.connectTool', title: 'Connect a Tool…', icon: '$(plug)' },
] as const;

/**
 * The vendor of the pool's language models (`vscode.lm.selectChatModels({ vendor })`),
 * contributed as `languageModelChatProviders` (VS Code 1.104+; older versions ignore it).
 */
export const LM_VENDOR = 'aoai-pool';

export type CommandId = (typeof COMMANDS)[number]['id'];

type MenuItem = { command: CommandId; when?: string; group?: string };

const inView = `view == ${VIEW_ID}`;
const running = CONTEXT_KEYS.running;
const hasBackends = CONTEXT_KEYS.hasBackends;
/** Tree item flags, see backendItem.ts `backendFlags`. */
const item = (...flags: string[]) => [inView, ...flags.map((f) => `viewItem =~ /;${f};/`)].join(' && ');

export const MENUS: Record<string, MenuItem[]> = {
  commandPalette: [
    // Issue 13, items 3 and 9: only what can apply. With no backends the welcome view offers the first steps.
    { command: 'aoaiPool.startProxy', when: `!${running} && ${hasBackends}` },
    { command: 'aoaiPool.removeBackend', when: hasBackends },
    { command: 'aoaiPool.enableBackend', when: CONTEXT_KEYS.hasDisabledBackend },
    { command: 'aoaiPool.disableBackend', when: CONTEXT_KEYS.hasEnabledBackend },
    { command: 'aoaiPool.setApiKey', when: CONTEXT_KEYS.hasApiKeyBackend },
    { command: 'aoaiPool.clearApiKey', when: CONTEXT_KEYS.hasStoredKey },
    { command: 'aoaiPool.stopProxy', when: running },
    { command: 'aoaiPool.restartProxy', when: running },
    { command: 'aoaiPool.probeBackends', when: running },
    { command: 'aoaiPool.copyProxyUrl', when: running },
    // Only when there is something to review; the tree item has it inline too.
    { command: 'aoaiPool.reviewWorkspaceBackends', when: CONTEXT_KEYS.approvalPending },
  ],
  'view/title': [
    { command: 'aoaiPool.startProxy', when: `${inView} && !${running} && ${hasBackends}`, group: 'navigation@1' },
    { command: 'aoaiPool.stopProxy', when: `${inView} && ${running}`, group: 'navigation@1' },
    { command: 'aoaiPool.addBackendsFromAzure', when: inView, group: 'navigation@2' },
    { command: 'aoaiPool.addBackend', when: inView, group: 'navigation@3' },
    { command: 'aoaiPool.probeBackends', when: `${inView} && ${running}`, group: 'navigation@4' },
    { command: 'aoaiPool.openDashboard', when: inView, group: 'navigation@5' },
    { command: 'aoaiPool.restartProxy', when: `${inView} && ${running}`, group: '1_proxy@1' },
    { command: 'aoaiPool.copyProxyUrl', when: `${inView} && ${running}`, group: '1_proxy@2' },
    { command: 'aoaiPool.copyClientKey', when: inView, group: '1_proxy@3' },
    { command: 'aoaiPool.connectTool', when: inView, group: '1_proxy@4' },
    { command: 'aoaiPool.trySimulated', when: inView, group: '2_setup@1' },
    { command: 'aoaiPool.signIn', when: inView, group: '2_setup@2' },
    { command: 'aoaiPool.generateApimPool', when: inView, group: '3_apim@1' },
    { command: 'aoaiPool.showLog', when: inView, group: '4_log@1' },
  ],
  'view/item/context': [
    { command: 'aoaiPool.setApiKey', when: item('configured', 'keyMissing'), group: 'inline' },
    { command: 'aoaiPool.signIn', when: item('signedOut'), group: 'inline' },
    { command: 'aoaiPool.reviewWorkspaceBackends', when: item('awaitingApproval'), group: 'inline' },
    // Configured and demo backends alike (issue 13, item 14): the demo shows failover by disabling one.
    { command: 'aoaiPool.enableBackend', when: item('disabled'), group: '1_state@1' },
    { command: 'aoaiPool.disableBackend', when: item('enabled'), group: '1_state@1' },
    { command: 'aoaiPool.setApiKey', when: item('configured', 'apiKey'), group: '2_auth@1' },
    { command: 'aoaiPool.clearApiKey', when: item('configured', 'keySet'), group: '2_auth@2' },
    { command: 'aoaiPool.signIn', when: item('entra'), group: '2_auth@3' },
    { command: 'aoaiPool.removeBackend', when: item('configured'), group: '9_remove@1' },
  ],
};

export const VIEWS_WELCOME = [
  {
    view: VIEW_ID,
    contents: [
      'No backends yet. Pick your Azure OpenAI deployments and get a weighted pool behind one local endpoint: no endpoint, deployment name or key to type.',
      '[Add Backends from Azure…](command:aoaiPool.addBackendsFromAzure)',
      'Or enter one resource by hand:',
      '[Add Backend](command:aoaiPool.addBackend)',
      'See the whole product without Azure: three simulated backends, in memory.',
      '[Try with simulated backends](command:aoaiPool.trySimulated)',
      'Backends with Entra ID auth use your Microsoft account.',
      '[Sign in to Azure](command:aoaiPool.signIn)',
      `All options are in [Settings](command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify([SETTINGS_QUERY]))}).`,
    ].join('\n'),
  },
];
