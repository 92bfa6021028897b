// Which former millisecond settings move to seconds, at which scope, and the
// log lines about it (issue 13, item 12). The moves themselves are made in a
// real VS Code: test/integration/settingsMigration.integration.test.ts.
import { describe, expect, it } from 'vitest';
import { describeFailedMove, describeMoves, planSettingMoves, type InspectedSetting } from '../../../src/core/view';

const inspect = (values: Record<string, InspectedSetting>) => (key: string) => values[key];

describe('planSettingMoves', () => {
  const values = {
    'timeouts.connectMs': { globalValue: 7000, workspaceValue: 250 },
    'timeouts.headersMs': { globalValue: 5000 },
    'timeouts.headersSec': { defaultValue: 600, globalValue: 3 },
    'timeouts.idleMs': { globalValue: 50 },
    'queue.maxWaitMs': { workspaceFolderValue: 1500 },
  };

  it('moves each valid value to its seconds at the same scope; where the new name is set it only removes the old one', () => {
    expect(planSettingMoves('global', inspect(values))).toEqual([
      { scope: 'global', from: 'aoaiPool.timeouts.connectMs', to: 'aoaiPool.timeouts.connectSec', old: 7000, value: 7 },
      { scope: 'global', from: 'aoaiPool.timeouts.headersMs', to: 'aoaiPool.timeouts.headersSec', old: 5000, value: undefined },
    ]);
    expect(planSettingMoves('workspace', inspect(values))).toEqual([
      { scope: 'workspace', from: 'aoaiPool.timeouts.connectMs', to: 'aoaiPool.timeouts.connectSec', old: 250, value: 0.25 },
    ]);
    expect(planSettingMoves('workspaceFolder', inspect(values))).toEqual([
      { scope: 'workspaceFolder', from: 'aoaiPool.queue.maxWaitMs', to: 'aoaiPool.queue.maxWaitSec', old: 1500, value: 1.5 },
    ]);
  });

  it('leaves an invalid value where it is (validation names it and its range) and has nothing to do without old settings', () => {
    expect(planSettingMoves('global', inspect(values)).map((m) => m.from)).not.toContain('aoaiPool.timeouts.idleMs');
    expect(planSettingMoves('global', inspect({ 'timeouts.connectMs': { globalValue: 'fast' } }))).toEqual([]);
    expect(planSettingMoves('global', inspect({}))).toEqual([]);
  });
});

describe('the log lines', () => {
  const moves = [
    ...planSettingMoves('global', inspect({ 'timeouts.connectMs': { globalValue: 7000 }, 'timeouts.headersMs': { globalValue: 5000 }, 'timeouts.headersSec': { globalValue: 3 } })),
    ...planSettingMoves('workspace', inspect({ 'queue.maxWaitMs': { workspaceValue: 1500 } })),
  ];

  it('says every move made in one line, with both keys, both values and the scope', () => {
    expect(describeMoves([])).toBeUndefined();
    expect(describeMoves(moves)).toBe('Settings now in seconds: aoaiPool.timeouts.connectMs 7000 -> aoaiPool.timeouts.connectSec 7 in User settings; ' +
      'removed aoaiPool.timeouts.headersMs (5000) from User settings: aoaiPool.timeouts.headersSec is set there and wins; ' +
      'aoaiPool.queue.maxWaitMs 1500 -> aoaiPool.queue.maxWaitSec 1.5 in Workspace settings.');
  });

  it('says what applies after a failed move and what to do by hand', () => {
    expect(describeFailedMove(moves[0]!, 'read-only file')).toBe('Could not move aoaiPool.timeouts.connectMs in User settings (read-only file); its 7000 ms still apply. ' +
      'Set aoaiPool.timeouts.connectSec to 7 and remove aoaiPool.timeouts.connectMs by hand.');
    expect(describeFailedMove(moves[1]!, 'read-only file')).toBe('Could not remove aoaiPool.timeouts.headersMs from User settings (read-only file); it is ignored: ' +
      'aoaiPool.timeouts.headersSec is set there and wins. Remove it by hand.');
  });
});
