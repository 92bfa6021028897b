/**
 * Buttons on the extension's notifications (issue 13, item 10): a message
 * never tells the user to run a command by name; it offers the command as a
 * button. Pure, so the wording and which buttons an error gets are unit-tested.
 */
import { SETTINGS_QUERY } from './settings';

/** What a button does, as a command and its arguments. */
export interface UserAction {
  label: string;
  command: string;
  args?: unknown[];
}

export const ACTIONS = {
  addBackend: { label: 'Add Backend', command: 'aoaiPool.addBackend' },
  addFromAzure: { label: 'Add Backends from Azure…', command: 'aoaiPool.addBackendsFromAzure' },
  trySimulated: { label: 'Try with Simulated Backends', command: 'aoaiPool.trySimulated' },
  startProxy: { label: 'Start Proxy', command: 'aoaiPool.startProxy' },
  stopDemo: { label: 'Stop Demo', command: 'aoaiPool.stopProxy' },
  showLog: { label: 'Show Log', command: 'aoaiPool.showLog' },
  signIn: { label: 'Sign in to Azure', command: 'aoaiPool.signIn' },
  setApiKey: { label: 'Set API Key', command: 'aoaiPool.setApiKey' },
  openSettings: { label: 'Open Settings', command: 'workbench.action.openSettings', args: [SETTINGS_QUERY] },
} as const satisfies Record<string, UserAction>;

export type ActionName = keyof typeof ACTIONS;

/** An error whose notification offers these actions as buttons. */
export interface ActionableError extends Error {
  actions: readonly ActionName[];
}

export function actionableError(message: string, ...actions: ActionName[]): ActionableError {
  return Object.assign(new Error(message), { actions });
}

/** The buttons for an error: its own actions, then "Show Log" (every error's details are in the log). */
export function errorActions(e: unknown): UserAction[] {
  const own = e instanceof Error && Array.isArray((e as Partial<ActionableError>).actions) ? (e as ActionableError).actions : [];
  const names = [...new Set<ActionName>([...own, 'showLog'])];
  return names.map((n) => ACTIONS[n]);
}

/** The welcome view's first steps, offered when something needs a backend and there is none. */
export const FIRST_STEPS: readonly ActionName[] = ['addFromAzure', 'addBackend', 'trySimulated'];
