/** Proxy lifecycle commands: start, stop, restart, the simulated demo, probes, copy, log, and the status bar menu. */
import * as vscode from 'vscode';
import { isPoolError } from '../../core';
import { ACTIONS, FIRST_STEPS, actionableError, portProblem } from '../../core/view';
import { confirm, notify } from '../notify';
import { reportError } from '../errors';
import { updateSetting } from '../settings';
import type { Shell } from '../shell';

export async function startProxy(shell: Shell): Promise<void> {
  const c = shell.controller;
  // Issue 13, item 3: with no backends, Start is no error (no red status bar, no message over the welcome
  // view): it offers the welcome view's first steps.
  if (!c.settingsConfig?.backends.length && c.current.configErrors.length === 0 && !c.proxyServer) {
    notify('info', 'AOAI Pool: there are no backends to pool yet. Add your Azure OpenAI resources, or try the pool on simulated backends.', FIRST_STEPS.map((a) => ACTIONS[a]));
    return;
  }
  await c.start().catch((e: unknown) => reportStartError(e, shell));
  announceElsewhere(shell);
}

export async function stopProxy(shell: Shell): Promise<void> {
  await shell.controller.stop();
}

export async function restartProxy(shell: Shell): Promise<void> {
  await shell.controller.restart().catch((e: unknown) => reportStartError(e, shell));
  announceElsewhere(shell);
}

export async function trySimulated(shell: Shell): Promise<void> {
  const before = shell.controller.current;
  // Issue 13, item 5: never replace a running pool of the user's without asking.
  if (before.status === 'running' && !before.simulated) {
    const start = 'Start Demo';
    const pick = await confirm(`The demo replaces your running pool on ${before.url} while it runs. When you stop the demo, your pool starts again.`, start);
    if (pick !== start) return;
  }
  try {
    await shell.controller.trySimulated();
  } catch (e) {
    reportStartError(e, shell);
    return;
  }
  const s = shell.controller.current;
  if (s.status !== 'running') return;
  void vscode.window
    .showInformationMessage(
      `AOAI Pool: three simulated backends serve ${s.url}. New terminals get AZURE_OPENAI_ENDPOINT and OPENAI_BASE_URL for it; Stop Proxy ends the demo.`,
      'Open Terminal',
      'Copy Client Key',
    )
    .then((pick) => {
      if (pick === 'Open Terminal') vscode.window.createTerminal('AOAI Pool demo').show();
      if (pick === 'Copy Client Key') void vscode.commands.executeCommand('aoaiPool.copyClientKey');
    });
}

export async function probeBackends(shell: Shell): Promise<void> {
  await vscode.window.withProgress({ location: { viewId: 'aoaiPool.backends' }, title: 'Probing backends' }, () => shell.controller.probe());
  const snaps = shell.controller.snapshots().filter((s) => s.enabled);
  vscode.window.setStatusBarMessage(`AOAI Pool: ${snaps.filter((s) => s.status === 'healthy').length} of ${snaps.length} backends healthy`, 4000);
}

export async function copyProxyUrl(shell: Shell): Promise<void> {
  const url = shell.controller.current.url;
  if (!url) throw actionableError('The proxy is not running: start it first', 'startProxy');
  await vscode.env.clipboard.writeText(url);
  vscode.window.setStatusBarMessage(`AOAI Pool: copied ${url}`, 3000);
}

export async function copyClientKey(shell: Shell): Promise<void> {
  await vscode.env.clipboard.writeText(await shell.controller.clientKey());
  // The key itself is never shown: it is in the clipboard only.
  vscode.window.setStatusBarMessage('AOAI Pool: client key copied to the clipboard', 3000);
}

export function showLog(shell: Shell): void {
  shell.log.show();
}

/** The status bar's click: the actions that make sense in the current state. */
export async function showActions(shell: Shell): Promise<void> {
  const s = shell.controller.current;
  const running = s.status === 'running';
  const items: (vscode.QuickPickItem & { command: string })[] = [
    ...(running || s.status === 'elsewhere' ? [{ label: '$(copy) Copy Proxy URL', description: s.url, command: 'aoaiPool.copyProxyUrl' }] : []),
    { label: '$(key) Copy Client Key', description: 'what clients send as api-key', command: 'aoaiPool.copyClientKey' },
    ...(running
      ? [
          { label: '$(debug-stop) Stop Proxy', command: 'aoaiPool.stopProxy' },
          { label: '$(debug-restart) Restart Proxy', command: 'aoaiPool.restartProxy' },
          { label: '$(refresh) Probe Backends Now', command: 'aoaiPool.probeBackends' },
        ]
      : [
          { label: '$(play) Start Proxy', command: 'aoaiPool.startProxy' },
          { label: '$(beaker) Try with Simulated Backends', command: 'aoaiPool.trySimulated' },
        ]),
    { label: '$(graph) Open Dashboard', description: 'traffic, quota, and the route of each request', command: 'aoaiPool.openDashboard' },
    { label: '$(add) Add Backend', command: 'aoaiPool.addBackend' },
    { label: '$(output) Show Log', command: 'aoaiPool.showLog' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'AOAI Pool', placeHolder: s.url ?? 'The proxy is not running' });
  if (pick) await vscode.commands.executeCommand(pick.command);
}

/**
 * A start that failed. A taken port gets "Use another port", which writes
 * the new port where `aoaiPool.port` is set and starts again.
 */
export function reportStartError(e: unknown, shell: Shell): void {
  if (!isPoolError(e, 'PortInUse')) {
    reportError(e, shell, 'start');
    return;
  }
  shell.log.warn(e.message);
  const other = 'Use another port';
  void vscode.window.showErrorMessage(`AOAI Pool: ${e.message}`, other).then(async (pick) => {
    if (pick !== other) return;
    try {
      const current = vscode.workspace.getConfiguration('aoaiPool').get<number>('port') ?? 8787;
      const value = await vscode.window.showInputBox({
        title: 'AOAI Pool: Use another port',
        prompt: 'Port for the proxy on 127.0.0.1 (saved in the aoaiPool.port setting)',
        value: String(Math.min(65535, current + 1)),
        validateInput: portProblem,
        ignoreFocusOut: true,
      });
      if (!value) return;
      await updateSetting('port', Number(value));
      await shell.controller.start();
    } catch (err) {
      reportStartError(err, shell);
    }
  });
}

function announceElsewhere(shell: Shell): void {
  const s = shell.controller.current;
  if (s.status !== 'elsewhere') return;
  void vscode.window.showInformationMessage(`AOAI Pool: another VS Code window already serves ${s.url}; this window uses it.`);
}
