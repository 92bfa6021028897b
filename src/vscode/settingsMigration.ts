/**
 * Moves the former millisecond settings (`aoaiPool.timeouts.connectMs`) to
 * seconds (`aoaiPool.timeouts.connectSec`) where they are set, once on
 * activation (issue 13, item 12). Which moves: core/view/settingsMigration.ts.
 * Until a move is done, or when it fails, the old value still applies
 * (settingsToRawConfig reads it).
 */
import * as vscode from 'vscode';
import type { Logger } from '../core';
import { SETTINGS_SECTION, describeFailedMove, describeMoves, planSettingMoves, type MigrationScope, type SettingMove } from '../core/view';
import { errorText } from './errors';

interface Place {
  scope: MigrationScope;
  target: vscode.ConfigurationTarget;
  config: vscode.WorkspaceConfiguration;
}

/** User settings, the workspace's, and each folder's in a multi-root workspace (in a single folder they are the workspace's). */
function places(): Place[] {
  const ws = vscode.workspace;
  const config = ws.getConfiguration(SETTINGS_SECTION);
  const out: Place[] = [{ scope: 'global', target: vscode.ConfigurationTarget.Global, config }];
  if (ws.workspaceFile || ws.workspaceFolders?.length) out.push({ scope: 'workspace', target: vscode.ConfigurationTarget.Workspace, config });
  if (ws.workspaceFile) {
    for (const f of ws.workspaceFolders ?? []) {
      out.push({ scope: 'workspaceFolder', target: vscode.ConfigurationTarget.WorkspaceFolder, config: ws.getConfiguration(SETTINGS_SECTION, f.uri) });
    }
  }
  return out;
}

const relative = (key: string) => key.slice(SETTINGS_SECTION.length + 1);

/** Makes every move; logs one line for those done and one per failure. Returns the moves done. */
export async function migrateRenamedSettings(log: Logger): Promise<SettingMove[]> {
  const done: SettingMove[] = [];
  for (const p of places()) {
    for (const m of planSettingMoves(p.scope, (key) => p.config.inspect(key))) {
      let wrote = false;
      try {
        if (m.value !== undefined) {
          await p.config.update(relative(m.to), m.value, p.target);
          wrote = true;
        }
        await p.config.update(relative(m.from), undefined, p.target);
        done.push(m);
      } catch (e) {
        // Once the new value is written it wins, whether or not the old one could go.
        log.warn(describeFailedMove(wrote ? { ...m, value: undefined } : m, errorText(e)));
      }
    }
  }
  const line = describeMoves(done);
  if (line) log.info(line);
  return done;
}
