/**
 * Activation only wires objects together and hands every disposable to VS
 * Code; behaviour lives in src/vscode (the shell) and src/core (no vscode).
 */
import * as vscode from 'vscode';
import { Redactor } from './core';
import { StopMarks } from './core/peer/stopMarks';
import { createApi, type AoaiPoolApi } from './vscode/api';
import { WorkspaceApproval } from './vscode/approval';
import { EntraAuth } from './vscode/auth';
import { registerCommands } from './vscode/commands';
import { reportStartError } from './vscode/commands/proxy';
import { PoolController } from './vscode/controller';
import { errorText, reportConfigErrors } from './vscode/errors';
import { registerLanguageModels } from './vscode/lm/register';
import { registerPreviewProvider } from './vscode/tools/preview';
import { createLog } from './vscode/log';
import { Secrets } from './vscode/secrets';
import { readSettings, userBackendEndpoint } from './vscode/settings';
import { migrateRenamedSettings } from './vscode/settingsMigration';
import { PoolStatusBar } from './vscode/statusBar';
import { TerminalEnvironment } from './vscode/terminalEnv';
import { PoolTreeView } from './vscode/tree/view';
import { RoleHints } from './vscode/roleHint';
import { ContextKeys } from './vscode/contextKeys';

export type { AoaiPoolApi } from './vscode/api';

let closePool: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<AoaiPoolApi> {
  try {
    // One redactor for the shell and the core: every secret either side loads is masked everywhere.
    const redactor = new Redactor();
    const log = createLog(redactor);
    // Old name-only keys are bound to the endpoint of the same-named backend in the User settings only (issue 9).
    const secrets = new Secrets(context.secrets, redactor, userBackendEndpoint);
    const auth = new EntraAuth(log, readSettings().shell);
    const approval = new WorkspaceApproval(context.workspaceState, log);
    const stopMarks = new StopMarks(context.globalStorageUri.fsPath);
    const controller = new PoolController({ secrets, auth, log, redactor, approval, stopMarks, reportConfigErrors: (errors) => reportConfigErrors(errors, log) });
    const shell = { controller, secrets, auth, log, redactor, approval, memento: context.globalState, extensionUri: context.extensionUri };
    const tree = new PoolTreeView(controller, secrets, auth, redactor);
    const statusBar = new PoolStatusBar(controller);
    const terminals = new TerminalEnvironment(context.environmentVariableCollection, controller, secrets);
    const roleHints = new RoleHints(controller, auth, log);
    const onStartError = (e: unknown) => reportStartError(e, shell);

    context.subscriptions.push(
      log.channel, secrets, auth, approval, controller, tree, statusBar, terminals, roleHints, new ContextKeys(controller, secrets),
      ...registerCommands(shell),
      ...registerLanguageModels(shell),
      registerPreviewProvider(),
      secrets.onDidChange((e) => (e.kind === 'clientKey' ? void controller.clientKeyChanged() : controller.credentialsChanged(true))),
      auth.onDidChange(() => controller.credentialsChanged(true)),
      approval.onDidChange(() => controller.credentialsChanged(true)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('aoaiPool')) return;
        // First, synchronously: which backends are the user's own (fail-closed until then).
        approval.refresh();
        void controller.settingsChanged(onStartError);
      }),
      // Trust lifts the restriction on workspace backends: re-read them.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void controller.settingsChanged(onStartError)),
      // New backends from workspace settings: ask once (a modal listing them); the tree keeps a Review action.
      controller.onDidChangePool(() => void approval.offer(controller.settingsConfig?.backends ?? []).catch((e: unknown) => log.warn(`approval prompt: ${errorText(e)}`))),
    );
    closePool = () => controller.close();

    void controller.autoStart(onStartError);
    // Former millisecond settings move to seconds (issue 13, item 12); they apply meanwhile.
    void migrateRenamedSettings(log).catch((e: unknown) => log.warn(`settings migration: ${errorText(e)}`));
    void approval.offer(controller.settingsConfig?.backends ?? []).catch((e: unknown) => log.warn(`approval prompt: ${errorText(e)}`));
    return createApi(context.extensionMode, {
      controller, tree, statusBar, terminals, auth, log, roleHints, approval, secretStorage: context.secrets, stopMarks,
      migrateSettings: () => migrateRenamedSettings(log),
    });
  } catch (e) {
    // VS Code only logs a failed activation; say it where the user looks.
    void vscode.window.showErrorMessage(`AOAI Pool failed to start: ${errorText(e)}`);
    throw e;
  }
}

/** VS Code waits for this: the proxy and simulators close and free their ports. */
export function deactivate(): Promise<void> | undefined {
  return closePool?.();
}
