/**
 * Moving the former millisecond settings (`aoaiPool.timeouts.connectMs`) to
 * their seconds (`aoaiPool.timeouts.connectSec`), once on activation (issue
 * 13, item 12). Pure: which moves to make at which scope, and the one log
 * line about them; src/vscode/settingsMigration.ts writes them.
 */
import { RENAMED_OPTIONS, formerValueValid, msToSeconds } from '../config/renamed';
import { SETTINGS_SECTION, type InspectedSetting } from './settings';

/** Where a value lives: User settings, the workspace, or one folder of a multi-root workspace. */
export type MigrationScope = 'global' | 'workspace' | 'workspaceFolder';

const VALUE_OF: Record<MigrationScope, keyof InspectedSetting> = {
  global: 'globalValue',
  workspace: 'workspaceValue',
  workspaceFolder: 'workspaceFolderValue',
};

const SCOPE_NAME: Record<MigrationScope, string> = {
  global: 'User settings',
  workspace: 'Workspace settings',
  workspaceFolder: 'Folder settings',
};

export interface SettingMove {
  scope: MigrationScope;
  /** Full keys: `aoaiPool.timeouts.connectMs` -> `aoaiPool.timeouts.connectSec`. */
  from: string;
  to: string;
  /** The former value, in milliseconds. */
  old: number;
  /** The value to write under `to`, in seconds; undefined: `to` is already set there (it wins), so the old one only goes. */
  value: number | undefined;
}

/**
 * The moves for one scope: every former setting set there with a value it
 * accepted. An invalid one stays where it is: validation names it, with the
 * range it takes, and a converted value would be just as wrong.
 */
export function planSettingMoves(scope: MigrationScope, inspect: (key: string) => InspectedSetting | undefined): SettingMove[] {
  const at = VALUE_OF[scope];
  return RENAMED_OPTIONS.flatMap((o) => {
    const old = inspect(o.old)?.[at];
    if (!formerValueValid(o, old)) return [];
    const now = inspect(o.now)?.[at];
    const value = now === undefined || now === null ? msToSeconds(old) : undefined;
    return [{ scope, from: `${SETTINGS_SECTION}.${o.old}`, to: `${SETTINGS_SECTION}.${o.now}`, old, value }];
  });
}

/** The one log line about the moves made, or undefined when there were none. */
export function describeMoves(done: readonly SettingMove[]): string | undefined {
  if (done.length === 0) return undefined;
  const each = done.map((m) =>
    m.value === undefined
      ? `removed ${m.from} (${m.old}) from ${SCOPE_NAME[m.scope]}: ${m.to} is set there and wins`
      : `${m.from} ${m.old} -> ${m.to} ${m.value} in ${SCOPE_NAME[m.scope]}`);
  return `Settings now in seconds: ${each.join('; ')}.`;
}

/** The log line for a move that failed: what applies meanwhile, and what to do by hand. */
export function describeFailedMove(m: SettingMove, why: string): string {
  const where = SCOPE_NAME[m.scope];
  return m.value === undefined
    ? `Could not remove ${m.from} from ${where} (${why}); it is ignored: ${m.to} is set there and wins. Remove it by hand.`
    : `Could not move ${m.from} in ${where} (${why}); its ${m.old} ms still apply. Set ${m.to} to ${m.value} and remove ${m.from} by hand.`;
}
