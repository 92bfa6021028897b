import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config';
import {
  POOL_SETTING_KEYS, RESTART_SETTINGS, SETTINGS_QUERY, describeSettingIssue, effectiveScope, needsRestart, readShellSettings, settingForIssue,
  settingValue, settingsQueryForIssue, settingsToRawConfig, type InspectedSetting,
} from '../../../src/core/view';

/** A reader over flat settings, as `getConfiguration('aoaiPool').get(key)` answers. */
const reader = (values: Record<string, unknown>) => (key: string) => values[key];

describe('settings -> RawPoolConfig', () => {
  it('exposes every pool option but host/allowedHosts as a flat setting', () => {
    expect(POOL_SETTING_KEYS).toContain('port');
    expect(POOL_SETTING_KEYS).toContain('backends');
    expect(POOL_SETTING_KEYS).toContain('timeouts.connectSec');
    expect(POOL_SETTING_KEYS).toContain('queue.maxWaitSec');
    // The former millisecond names are read, but no setting of their own.
    expect(POOL_SETTING_KEYS).not.toContain('timeouts.connectMs');
    expect(POOL_SETTING_KEYS).not.toContain('queue.maxWaitMs');
    expect(POOL_SETTING_KEYS).toContain('apim.tokensPerMinute');
    expect(POOL_SETTING_KEYS).not.toContain('host');
    expect(POOL_SETTING_KEYS).not.toContain('allowedHosts');
    expect(POOL_SETTING_KEYS).not.toContain('timeouts');
  });

  it('folds dotted keys into nested objects and drops blanks', () => {
    const raw = settingsToRawConfig(reader({
      port: 9000,
      backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com' }],
      'timeouts.connectSec': 5,
      'timeouts.idleSec': 0.5,
      'apim.serviceName': '',
      'apim.tokensPerMinute': null,
      'apim.tokenMetrics': true,
    }));
    expect(raw).toEqual({
      port: 9000,
      backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com' }],
      timeouts: { connectSec: 5, idleSec: 0.5 },
      apim: { tokenMetrics: true },
    });
    const r = validateConfig(raw, { allowEmpty: true });
    expect(r.ok).toBe(true);
  });

  it('still reads a former millisecond setting, which validation converts and warns about', () => {
    const raw = settingsToRawConfig(reader({ 'timeouts.connectMs': 7000, 'queue.maxWaitMs': 2500, 'timeouts.idleSec': 3 }));
    expect(raw).toEqual({ backends: [], timeouts: { connectMs: 7000, idleSec: 3 }, queue: { maxWaitMs: 2500 } });
    const r = validateConfig(raw, { allowEmpty: true });
    expect(r.ok && r.config.timeouts).toMatchObject({ connectMs: 7000, idleMs: 3000 });
    expect(r.ok && r.config.queue.maxWaitMs).toBe(2500);
    expect(r.warnings.map(describeSettingIssue)).toEqual([
      'aoaiPool.timeouts.connectMs: is deprecated: write timeouts.connectSec = 7 (seconds) instead; 7000 ms applies until then',
      'aoaiPool.queue.maxWaitMs: is deprecated: write queue.maxWaitSec = 2.5 (seconds) instead; 2500 ms applies until then',
    ]);
  });

  describe('a renamed setting set under both names, at different scopes', () => {
    // What WorkspaceConfiguration.inspect answers; `get` would give each name's own effective value.
    const scopes = (values: Record<string, InspectedSetting>) => (key: string) => values[key];
    const effective = (values: Record<string, InspectedSetting>) => (key: string) => {
      const i = values[key];
      return i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue ?? i?.defaultValue;
    };
    const timeouts = (values: Record<string, InspectedSetting>) => {
      const r = validateConfig(settingsToRawConfig(effective(values), scopes(values)), { allowEmpty: true });
      return r.ok ? r.config.timeouts.connectMs : r.errors;
    };

    it('takes the most specific scope that sets either name, as VS Code would for one setting', () => {
      // The workspace's old value overrides the user's new one until it is moved.
      expect(timeouts({ 'timeouts.connectSec': { defaultValue: 10, globalValue: 3 }, 'timeouts.connectMs': { workspaceValue: 7000 } })).toBe(7000);
      expect(timeouts({ 'timeouts.connectSec': { defaultValue: 10, workspaceValue: 3 }, 'timeouts.connectMs': { globalValue: 7000 } })).toBe(3000);
      expect(timeouts({ 'timeouts.connectSec': { defaultValue: 10 }, 'timeouts.connectMs': { globalValue: 7000, workspaceFolderValue: 8000 } })).toBe(8000);
    });

    it('lets the new name win within one scope, and falls back to the default when neither is set', () => {
      expect(timeouts({ 'timeouts.connectSec': { defaultValue: 10, globalValue: 3 }, 'timeouts.connectMs': { globalValue: 7000 } })).toBe(3000);
      expect(timeouts({ 'timeouts.connectSec': { defaultValue: 10 }, 'timeouts.connectMs': { defaultValue: null } })).toBe(10_000);
    });
  });

  it('gives an empty pool when nothing is set, which the extension accepts', () => {
    const raw = settingsToRawConfig(reader({}));
    expect(raw).toEqual({ backends: [] });
    expect(validateConfig(raw, { allowEmpty: true }).ok).toBe(true);
  });

  it('hands the core plain copies, not the (frozen) settings objects', () => {
    const backends = Object.freeze([Object.freeze({ name: 'a', endpoint: 'https://a.openai.azure.com' })]);
    const raw = settingsToRawConfig(reader({ backends }));
    expect(raw.backends).toEqual(backends);
    expect(raw.backends).not.toBe(backends);
    expect(Object.isFrozen(raw.backends[0])).toBe(false);
  });

  it('passes a wrong type through so validation reports it with the setting path', () => {
    const r = validateConfig(settingsToRawConfig(reader({ 'cooldown.defaultSec': 'ten' })), { allowEmpty: true });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map(describeSettingIssue)).toEqual(['aoaiPool.cooldown.defaultSec: must be an integer number of seconds 1-3600 (got "ten")']);
  });
});

describe('extension settings', () => {
  it('defaults and sanitises', () => {
    expect(readShellSettings(reader({}))).toEqual({ autoStart: true, terminalEnvironment: true, entraCredential: 'vscode', entraTenant: undefined, credentialHosts: [] });
    expect(readShellSettings(reader({ autoStart: false, 'entra.credential': 'azureCli', 'entra.tenant': '  contoso.onmicrosoft.com ' }))).toEqual({
      autoStart: false, terminalEnvironment: true, entraCredential: 'azureCli', entraTenant: 'contoso.onmicrosoft.com', credentialHosts: [],
    });
    expect(readShellSettings(reader({ 'entra.credential': 'bogus' })).entraCredential).toBe('vscode');
    expect(readShellSettings(reader({ 'security.credentialHosts': [' gw.contoso.com ', 7, '', '*.contoso.com'] })).credentialHosts).toEqual(['gw.contoso.com', '*.contoso.com']);
  });

  describe('which scope a value is taken from', () => {
    const inspected = { defaultValue: [], globalValue: ['user.example'], workspaceValue: ['repo.example'] };
    const effective = () => inspected.workspaceValue;
    it('takes the effective value of an ordinary setting, trusted or not', () => {
      for (const trusted of [true, false]) expect(settingValue('port', trusted, () => 9, () => ({ globalValue: 1, workspaceValue: 9 }))).toBe(9);
    });
    it('ignores the workspace value of a restricted setting only while untrusted', () => {
      expect(settingValue('backends', true, effective, () => inspected)).toEqual(['repo.example']);
      expect(settingValue('backends', false, effective, () => inspected)).toEqual(['user.example']);
      expect(settingValue('backends', false, effective, () => ({ defaultValue: [] }))).toEqual([]);
    });
    it('never takes a workspace value of the credential allow-list, even in a trusted workspace', () => {
      for (const trusted of [true, false]) {
        expect(settingValue('security.credentialHosts', trusted, effective, () => inspected)).toEqual(['user.example']);
        expect(settingValue('security.credentialHosts', trusted, effective, () => ({ defaultValue: [], workspaceValue: ['repo.example'], workspaceFolderValue: ['f'] }))).toEqual([]);
      }
    });
  });
});

describe('restart and issue mapping', () => {
  const cfg = (raw: object) => {
    const r = validateConfig({ backends: [], ...raw }, { allowEmpty: true });
    if (!r.ok) throw new Error('invalid');
    return r.config;
  };

  it('restarts for the port only; everything else reloads live', () => {
    expect(RESTART_SETTINGS).toEqual(['port']);
    expect(needsRestart(cfg({ port: 1 }), cfg({ port: 2 }))).toBe(true);
    expect(needsRestart(cfg({ port: 1 }), cfg({ port: 1, maxAttempts: 5, backends: [{ name: 'a', endpoint: 'https://a.openai.azure.com' }] }))).toBe(false);
  });

  it('maps an issue to the setting to open', () => {
    expect(settingForIssue({ path: 'backends[2].weight', message: '' })).toBe('aoaiPool.backends');
    expect(settingForIssue({ path: 'timeouts.connectSec', message: '' })).toBe('aoaiPool.timeouts.connectSec');
    expect(settingForIssue({ path: 'timeouts.connectMs', message: '' })).toBe('aoaiPool.timeouts.connectMs');
    expect(settingForIssue({ path: 'timeouts', message: '' })).toBe('aoaiPool.timeouts');
    expect(settingForIssue({ path: '', message: '' })).toBe('aoaiPool');
    expect(describeSettingIssue({ path: 'backends[0].endpoint', message: 'must use https' })).toBe('aoaiPool.backends[0].endpoint: must use https');
  });

  it('opens that one setting (@id:) when an issue names one, else all of ours (@ext:)', () => {
    expect(SETTINGS_QUERY).toBe('@ext:aoai-pool.aoai-pool');
    expect(settingsQueryForIssue({ path: 'backends[2].weight', message: '' })).toBe('@id:aoaiPool.backends');
    expect(settingsQueryForIssue({ path: 'timeouts.connectSec', message: '' })).toBe('@id:aoaiPool.timeouts.connectSec');
    expect(settingsQueryForIssue({ path: 'queue.maxWaitMs', message: '' })).toBe('@id:aoaiPool.queue.maxWaitMs');
    // Not one setting: an object of them, or the whole config.
    expect(settingsQueryForIssue({ path: 'timeouts', message: '' })).toBe(SETTINGS_QUERY);
    expect(settingsQueryForIssue({ path: '', message: '' })).toBe(SETTINGS_QUERY);
  });

  it('finds where an array setting lives (arrays do not merge across scopes)', () => {
    expect(effectiveScope(undefined)).toBeUndefined();
    expect(effectiveScope({ globalValue: [] })).toBe('global');
    expect(effectiveScope({ globalValue: [], workspaceValue: [1] })).toBe('workspace');
  });
});
