/**
 * Reads `aoaiPool.*` through the pure adapter in core/view and writes the
 * backend list back. In an untrusted workspace the workspace's value of a
 * restricted setting is ignored, as `restrictedConfigurations` would do; the
 * credential allow-list is read from the User settings only, trusted or not.
 */
import * as vscode from 'vscode';
import { validateConfig, type ConfigIssue, type ConfigResult, type Logger, type PoolConfig, type RawBackendConfig, type RawPoolConfig } from '../core';
import {
  SETTINGS_SECTION, describeSettingIssue, effectiveScope, rawIdentity, readShellSettings, settingValue, settingsToRawConfig,
  type SettingReader, type SettingScope, type ShellSettings,
} from '../core/view';

export interface SettingsSnapshot {
  raw: RawPoolConfig;
  shell: ShellSettings;
  result: ConfigResult;
}

export function readSettings(): SettingsSnapshot {
  const read = reader();
  const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  // inspect: a former millisecond setting not moved yet still applies at its scope (settingsMigration.ts).
  const raw = settingsToRawConfig(read, (key) => cfg.inspect(key));
  return { raw, shell: readShellSettings(read), result: validateConfig(raw, { allowEmpty: true }) };
}

function reader(): SettingReader {
  const cfg = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return (key) => settingValue(key, vscode.workspace.isTrusted, () => cfg.get(key), () => cfg.inspect(key));
}

/** The backend list in the User settings (`globalValue`), whatever the workspace says. */
export function userBackends(): unknown[] | undefined {
  const v = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown>('backends')?.globalValue;
  return Array.isArray(v) ? (v as unknown[]) : undefined;
}

/** The endpoint of the backend named `name` in the User settings (never a workspace's), as an origin. */
export function userBackendEndpoint(name: string): string | undefined {
  return userBackends()?.map(rawIdentity).find((id) => id?.name === name)?.endpoint;
}

export function toTarget(scope: SettingScope): vscode.ConfigurationTarget {
  return scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

/** Where `key` is effectively set (`global` when nowhere): edits go there so they take effect. */
export function scopeOf(key: string): SettingScope {
  return effectiveScope(vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect(key)) ?? 'global';
}

/** The backend list as stored at one scope (plain copies, safe to edit). */
export function backendsAt(scope: SettingScope): RawBackendConfig[] {
  const i = vscode.workspace.getConfiguration(SETTINGS_SECTION).inspect<unknown>('backends');
  const value = scope === 'workspace' ? i?.workspaceValue : i?.globalValue;
  return Array.isArray(value) ? (JSON.parse(JSON.stringify(value)) as RawBackendConfig[]) : [];
}

/** Rewrites the backend list at `scope` (default: where the effective list lives). */
export async function editBackends(edit: (list: RawBackendConfig[]) => RawBackendConfig[], scope: SettingScope = scopeOf('backends')): Promise<void> {
  const next = edit(backendsAt(scope));
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update('backends', next, toTarget(scope));
}

export async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SETTINGS_SECTION).update(key, value, toTarget(scopeOf(key)));
}

/** The latest settings and the last valid pool config; each distinct set of problems is logged once. */
export class SettingsState {
  current: SettingsSnapshot;
  lastGood: PoolConfig | undefined;
  private logged = '';

  constructor(private readonly log: Logger) {
    this.current = readSettings();
    this.take();
  }

  get errors(): readonly ConfigIssue[] {
    return this.current.result.ok ? [] : this.current.result.errors;
  }

  /** Reads the settings again; returns their problems (none: `lastGood` is now theirs). */
  refresh(): readonly ConfigIssue[] {
    this.current = readSettings();
    return this.take();
  }

  private take(): readonly ConfigIssue[] {
    const r = this.current.result;
    const key = JSON.stringify([r.warnings, this.errors]);
    if (key !== this.logged) {
      this.logged = key;
      for (const w of r.warnings) this.log.warn(describeSettingIssue(w));
      if (!r.ok) this.log.error(`settings have ${r.errors.length} problem(s); a running pool keeps its last good config:\n  ${r.errors.map(describeSettingIssue).join('\n  ')}`);
    }
    if (r.ok) this.lastGood = r.config;
    return this.errors;
  }
}
