/**
 * Per-backend commands. From a tree item they get the node; from the palette
 * they ask with a quick pick; from code (tests, other extensions) they take
 * the backend's name as a string, and then skip confirmations.
 */
import * as vscode from 'vscode';
import type { BackendConfig } from '../../core';
import { ACTIONS, actionableError, apiKeyProblem, apiKeyStoredMessage } from '../../core/view';
import { notify } from '../notify';
import { backendsAt, editBackends, scopeOf } from '../settings';
import type { Shell } from '../shell';
import { BackendNode } from '../tree/nodes';

type Target = { name: string; interactive: boolean };

/** The backend a command is about, from its argument or a quick pick of the settings' backends. */
async function pickBackend(shell: Shell, arg: unknown, placeHolder: string, filter: (b: BackendConfig) => boolean = () => true): Promise<Target> {
  if (arg instanceof BackendNode) return { name: arg.name, interactive: true };
  if (typeof arg === 'string' && arg) return { name: arg, interactive: false };
  const backends = (shell.controller.settingsConfig?.backends ?? []).filter(filter);
  if (backends.length === 0) throw actionableError('No backend in settings fits: add one first', 'addBackend');
  // Nothing to choose (issue 13, item 11): the one backend it can be.
  if (backends.length === 1) return { name: backends[0]!.name, interactive: true };
  const pick = await vscode.window.showQuickPick(
    backends.map((b) => ({ label: b.name, description: b.endpoint, detail: `${b.auth === 'entra' ? 'Entra ID' : 'API key'} · priority ${b.priority}${b.enabled ? '' : ' · disabled'}` })),
    { title: 'AOAI Pool', placeHolder },
  );
  if (!pick) throw new vscode.CancellationError();
  return { name: pick.label, interactive: true };
}

function configured(shell: Shell, name: string): BackendConfig {
  const b = shell.controller.settingsConfig?.backends.find((x) => x.name === name);
  if (!b) throw new Error(`"${name}" is not a backend in the aoaiPool.backends setting`);
  return b;
}

export async function removeBackend(shell: Shell, arg?: unknown): Promise<void> {
  const { name, interactive } = await pickBackend(shell, arg, 'Backend to remove from settings');
  configured(shell, name);
  if (interactive) {
    const ok = await vscode.window.showWarningMessage(`Remove backend "${name}" from settings? Its API key is deleted too.`, { modal: true }, 'Remove');
    if (ok !== 'Remove') throw new vscode.CancellationError();
  }
  await editBackends((list) => list.filter((b) => b.name !== name));
  // The key goes with the backend, unless another scope still defines one of that name.
  const stillThere = [...backendsAt('global'), ...backendsAt('workspace')].some((b) => b.name === name);
  if (!stillThere && shell.secrets.hasAnyApiKey(name)) await shell.secrets.deleteApiKey(name);
  shell.log.info(`removed backend ${name}`);
}

export function enableBackend(shell: Shell, arg?: unknown): Promise<void> {
  return setEnabled(shell, arg, true);
}

export function disableBackend(shell: Shell, arg?: unknown): Promise<void> {
  return setEnabled(shell, arg, false);
}

async function setEnabled(shell: Shell, arg: unknown, enabled: boolean): Promise<void> {
  // Issue 13, item 14: the demo's backends can be disabled too, in memory like the demo itself.
  const demoName = arg instanceof BackendNode ? arg.name : typeof arg === 'string' ? arg : undefined;
  if (shell.controller.current.simulated && demoName && shell.controller.simulators.some((s) => s.name === demoName)) {
    await shell.controller.setDemoBackendEnabled(demoName, enabled);
    shell.log.info(`${enabled ? 'enabled' : 'disabled'} demo backend ${demoName}`);
    return;
  }
  const { name } = await pickBackend(shell, arg, enabled ? 'Backend to enable' : 'Backend to disable', (b) => b.enabled !== enabled);
  configured(shell, name);
  const scope = scopeOf('backends');
  if (!backendsAt(scope).some((b) => b.name === name)) throw new Error(`"${name}" is not in the ${scope} settings, where aoaiPool.backends is set`);
  await editBackends((list) =>
    list.map((b) => {
      if (b.name !== name) return b;
      // "enabled": true is the default: leave the field out instead of writing it.
      const { enabled: _drop, ...rest } = b;
      return enabled ? rest : { ...rest, enabled: false };
    }),
  scope);
  shell.log.info(`${enabled ? 'enabled' : 'disabled'} backend ${name}`);
}

/** Stores a key in SecretStorage; `key` as a second argument skips the prompt (for tests). */
export async function setApiKey(shell: Shell, arg?: unknown, key?: unknown): Promise<void> {
  const { name } = await pickBackend(shell, arg, 'Backend whose API key to set', (b) => b.auth === 'apiKey');
  const b = configured(shell, name);
  if (b.auth !== 'apiKey') throw new Error(`"${name}" uses Entra ID ("auth": "entra"): it needs a sign-in, not a key`);
  await storeApiKey(shell, name, b.endpoint, key);
  // Issue 13, item 4: say it worked, and during the demo that the real pool is hidden.
  const demo = shell.controller.current.simulated;
  notify('info', apiKeyStoredMessage(name, demo), demo ? [ACTIONS.stopDemo] : []);
}

/** Prompts for the key unless given, and stores it. Used by Set API Key and at the end of Add Backend. */
export async function storeApiKey(shell: Shell, name: string, endpoint: string, key?: unknown): Promise<void> {
  let value = typeof key === 'string' ? key.trim() : undefined;
  if (value !== undefined && apiKeyProblem(value)) throw new Error(`Not stored: ${apiKeyProblem(value)}`);
  value ??= await vscode.window.showInputBox({
    title: `AOAI Pool: API key for ${name}`,
    prompt: `Key 1 or Key 2 of ${endpoint} (Azure portal > Keys and Endpoint). Stored in VS Code SecretStorage, never in settings.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: apiKeyProblem,
  });
  if (!value) throw new vscode.CancellationError();
  // Bound to this endpoint: a backend of the same name elsewhere never receives it (issue 9).
  await shell.secrets.setApiKey(name, endpoint, value.trim());
  shell.log.info(`API key set for ${name} (${endpoint})`);
}

/**
 * Deletes the key of the backend's endpoint. By name from code (tests, other
 * extensions): every key stored under that name, for any endpoint.
 */
export async function clearApiKey(shell: Shell, arg?: unknown): Promise<void> {
  const { name, interactive } = await pickBackend(shell, arg, 'Backend whose API key to delete', (b) => b.auth === 'apiKey' && shell.secrets.hasApiKey(b.name, b.endpoint));
  const endpoint = interactive ? shell.controller.settingsConfig?.backends.find((b) => b.name === name)?.endpoint : undefined;
  await shell.secrets.deleteApiKey(name, endpoint);
  shell.log.info(`API key deleted for ${name}${endpoint ? ` (${endpoint})` : ''}`);
}

/** "Review Workspace Backends": the approval modal for backends from workspace settings (issue 9). */
export async function reviewWorkspaceBackends(shell: Shell): Promise<void> {
  const backends = shell.controller.settingsConfig?.backends ?? [];
  if (shell.approval.pending(backends).length === 0) {
    void vscode.window.showInformationMessage('AOAI Pool: no backend from this workspace\'s settings waits for approval.');
    return;
  }
  await shell.approval.review(backends);
}

export async function signIn(shell: Shell): Promise<void> {
  await shell.auth.signIn();
}
