/** The extension-lifetime objects every command handler may use. */
import type * as vscode from 'vscode';
import type { Redactor } from '../core';
import type { WorkspaceApproval } from './approval';
import type { EntraAuth } from './auth';
import type { PoolController } from './controller';
import type { ShellLog } from './log';
import type { Secrets } from './secrets';

export interface Shell {
  controller: PoolController;
  secrets: Secrets;
  auth: EntraAuth;
  log: ShellLog;
  redactor: Redactor;
  /** Where the extension's files are (the dashboard's webview bundle). */
  extensionUri: vscode.Uri;
  /** The extension's globalState (e.g. the subscriptions picked last time). */
  memento: vscode.Memento;
  approval: WorkspaceApproval;
}
