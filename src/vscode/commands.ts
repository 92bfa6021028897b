/**
 * Every command, registered from one table (rust-analyzer's createCommands).
 * The table is typed by the manifest's CommandId: a command contributed in
 * package.json without a handler here does not compile. Each handler runs
 * inside the shared error wrapper.
 */
import * as vscode from 'vscode';
import { COMMANDS, type CommandId } from '../core/view';
import { addBackend } from './commands/addBackend';
import { addBackendsFromAzure } from './discover/command';
import { generateApimPool } from './commands/apim';
import { connectTool } from './commands/connectTool';
import { clearApiKey, disableBackend, enableBackend, removeBackend, reviewWorkspaceBackends, setApiKey, signIn } from './commands/backends';
import {
  copyClientKey, copyProxyUrl, probeBackends, restartProxy, showActions, showLog, startProxy, stopProxy, trySimulated,
} from './commands/proxy';
import { openDashboard } from './commands/dashboard';
import { wrapHandler } from './errors';
import type { Shell } from './shell';

type Handler = (shell: Shell, ...args: never[]) => unknown;

const HANDLERS: Record<CommandId, Handler> = {
  'aoaiPool.startProxy': startProxy,
  'aoaiPool.stopProxy': stopProxy,
  'aoaiPool.restartProxy': restartProxy,
  'aoaiPool.addBackend': addBackend,
  'aoaiPool.addBackendsFromAzure': addBackendsFromAzure,
  'aoaiPool.removeBackend': removeBackend,
  'aoaiPool.enableBackend': enableBackend,
  'aoaiPool.disableBackend': disableBackend,
  'aoaiPool.setApiKey': setApiKey,
  'aoaiPool.clearApiKey': clearApiKey,
  'aoaiPool.signIn': signIn,
  'aoaiPool.reviewWorkspaceBackends': reviewWorkspaceBackends,
  'aoaiPool.probeBackends': probeBackends,
  'aoaiPool.copyProxyUrl': copyProxyUrl,
  'aoaiPool.copyClientKey': copyClientKey,
  'aoaiPool.showLog': showLog,
  'aoaiPool.generateApimPool': generateApimPool,
  'aoaiPool.trySimulated': trySimulated,
  'aoaiPool.showActions': showActions,
  'aoaiPool.openDashboard': openDashboard,
  'aoaiPool.connectTool': connectTool,
};

export function registerCommands(shell: Shell): vscode.Disposable[] {
  return COMMANDS.map(({ id }) => {
    const handler = HANDLERS[id] as (shell: Shell, ...args: unknown[]) => unknown;
    return vscode.commands.registerCommand(id, wrapHandler(id, (...args: unknown[]) => handler(shell, ...args), shell));
  });
}
