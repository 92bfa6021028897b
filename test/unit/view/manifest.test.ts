import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config';
import { RENAMED_OPTIONS } from '../../../src/core/config';
import { COMMANDS, EXTENSION_ID, POOL_SETTING_KEYS, SETTINGS_QUERY, extensionManifest, settingsToRawConfig, OWNED_MANIFEST_FIELDS } from '../../../src/core/view';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as Record<string, unknown>;
const manifest = extensionManifest();
type Setting = { default?: unknown; type?: unknown; markdownDescription?: string; description?: string; deprecationMessage?: string; markdownDeprecationMessage?: string; order?: number };
type Section = { id?: string; title: string; properties: Record<string, Setting> };
const sections = (manifest.contributes as { configuration: Section[] }).configuration;
const settings = Object.assign({}, ...sections.map((s) => s.properties)) as Section['properties'];

describe('package.json', () => {
  it.each(OWNED_MANIFEST_FIELDS)('"%s" matches src/core/view/manifest (run: node scripts/gen-contributes.mjs)', (field) => {
    expect(pkg[field]).toEqual(manifest[field]);
  });

  it('points at media files that exist', () => {
    for (const f of ['media/icon.png', 'media/aoai-pool.svg']) expect(() => readFileSync(join(__dirname, '../../..', f))).not.toThrow();
  });
});

describe('contributed commands and menus', () => {
  const contributes = manifest.contributes as { commands: { command: string; category: string }[]; menus: Record<string, { command: string }[]> };

  it('gives every command the category and an aoaiPool.verbNoun id', () => {
    for (const c of contributes.commands) {
      expect(c.category).toBe('AOAI Pool');
      expect(c.command).toMatch(/^aoaiPool\.[a-z]+[A-Z][A-Za-z]*$/);
    }
  });

  it('has the commands the issue lists', () => {
    const ids = COMMANDS.map((c) => c.id);
    for (const id of ['startProxy', 'stopProxy', 'restartProxy', 'addBackend', 'removeBackend', 'enableBackend', 'disableBackend', 'setApiKey',
      'clearApiKey', 'signIn', 'probeBackends', 'copyProxyUrl', 'copyClientKey', 'showLog', 'generateApimPool', 'trySimulated']) {
      expect(ids).toContain(`aoaiPool.${id}`);
    }
  });

  it('offers "Review Workspace Backends" where something waits: the tree item inline, the palette only then', () => {
    const menus = contributes.menus as Record<string, { command: string; when?: string; group?: string }[]>;
    expect(menus.commandPalette).toContainEqual({ command: 'aoaiPool.reviewWorkspaceBackends', when: 'aoaiPool.approvalPending' });
    expect(menus['view/item/context']).toContainEqual(expect.objectContaining({
      command: 'aoaiPool.reviewWorkspaceBackends', group: 'inline', when: expect.stringContaining('viewItem =~ /;awaitingApproval;/'),
    }));
  });

  it('menus only name contributed commands', () => {
    const ids = new Set(COMMANDS.map((c) => c.id as string));
    for (const items of Object.values(contributes.menus)) for (const i of items) expect(ids.has(i.command)).toBe(true);
  });
});

describe('contributed settings', () => {
  it('are titled sections with a markdown description on every setting', () => {
    for (const s of sections) expect(s.title).toBeTruthy();
    for (const [key, p] of Object.entries(settings)) {
      expect(key).toMatch(/^aoaiPool\./);
      expect(p.markdownDescription, key).toBeTruthy();
    }
  });

  it('cover every pool option the adapter reads, plus the extension settings and the former millisecond names', () => {
    const keys = Object.keys(settings).map((k) => k.slice('aoaiPool.'.length)).sort();
    const former = RENAMED_OPTIONS.map((o) => o.old);
    expect(keys).toEqual([...POOL_SETTING_KEYS, ...former, 'autoStart', 'terminalEnvironment', 'entra.credential', 'entra.tenant', 'security.credentialHosts'].sort());
  });

  it('declare each former millisecond name deprecated, right after its replacement, with no value of its own', () => {
    expect(RENAMED_OPTIONS.length).toBe(6);
    for (const o of RENAMED_OPTIONS) {
      const section = sections.find((s) => `aoaiPool.${o.old}` in s.properties)!;
      const old = section.properties[`aoaiPool.${o.old}`]!;
      expect(section.properties[`aoaiPool.${o.now}`]?.order, o.old).toBe(old.order! - 1);
      expect(old.deprecationMessage).toContain(`aoaiPool.${o.now} (seconds)`);
      expect(old.markdownDeprecationMessage).toContain(`#aoaiPool.${o.now}#`);
      // null: unset, so `get` answers nothing and the adapter passes nothing on.
      expect(old).toMatchObject({ default: null, type: ['integer', 'null'] });
    }
  });

  it('say "seconds" for every timeout and the queue wait, which take fractions', () => {
    for (const k of POOL_SETTING_KEYS.filter((key) => key.startsWith('timeouts.') || key === 'queue.maxWaitSec')) {
      expect(k).toMatch(/Sec$/);
      expect(settings[`aoaiPool.${k}`], k).toMatchObject({ type: 'number', markdownDescription: expect.stringMatching(/[Ss]econds/) });
    }
  });

  it('keep the credential allow-list out of workspace settings ("scope": "application")', () => {
    // "application": User settings only; "machine" would also read Remote settings and
    // ignore the User value in a remote window (code-server is one).
    expect(settings['aoaiPool.security.credentialHosts']).toMatchObject({ scope: 'application', type: 'array', default: [] });
    // No pool option may be application-scoped by accident, nor the allow-list a pool option.
    expect(POOL_SETTING_KEYS).not.toContain('security.credentialHosts');
  });

  it('have defaults that make the same pool as the core defaults', () => {
    const fromDefaults = validateConfig(settingsToRawConfig((k) => settings[`aoaiPool.${k}`]?.default), { allowEmpty: true });
    const core = validateConfig({ backends: [] }, { allowEmpty: true });
    expect(fromDefaults.ok && core.ok).toBe(true);
    if (fromDefaults.ok && core.ok) expect(fromDefaults.config).toEqual(core.config);
  });

  it('all have a default: VS Code would answer 0 for an integer without one', () => {
    for (const [key, p] of Object.entries(settings)) expect(p.default, key).not.toBeUndefined();
  });

  it('never carry our schema annotations (x-expect, x-renamedTo) into package.json', () => {
    expect(JSON.stringify(sections)).not.toContain('"x-');
  });
});

/**
 * How the Settings editor labels a setting (VS Code 1.100-1.139,
 * settingsTreeModels.ts settingKeyToDisplayFormat + trimCategoryForGroup, read
 * from the workbench bundles in .vscode-test): the key's last part is the
 * label; the rest, minus what the id of the group it is shown under starts
 * with, is the category. The UI test checks the real thing.
 */
function settingsEditorTitle(key: string, groupId: string): string {
  const dot = key.lastIndexOf('.');
  let category = key.slice(0, dot);
  const trim = (forward: boolean): string | null => {
    const parts = groupId.split('.').map((p) => (p.replace(/-/g, '').toLowerCase() === category.toLowerCase() ? p.replace(/-/g, '') : p));
    while (parts.length) {
      const re = new RegExp(`^${parts.join('\\.')}(\\.|$)`, 'i');
      if (re.test(category)) return category.replace(re, '');
      if (forward) parts.pop();
      else parts.shift();
    }
    return null;
  };
  category = trim(true) ?? trim(false) ?? category;
  const words = (s: string) => s.replace(/\.([a-z0-9])/g, (_, c: string) => ` › ${c.toUpperCase()}`).replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^[a-z]/, (c) => c.toUpperCase());
  return category ? `${words(category)}: ${words(key.slice(dot + 1))}` : words(key.slice(dot + 1));
}

describe('settings titles in the Settings editor (issue 13, item 12)', () => {
  it('follow VS Code\'s rule in this copy of it', () => {
    expect(settingsEditorTitle('aoaiPool.timeouts.connectSec', 'searchResultModel')).toBe('Aoai Pool › Timeouts: Connect Sec');
    expect(settingsEditorTitle('aoaiPool.port', 'Proxy')).toBe('Aoai Pool: Port');
    expect(settingsEditorTitle('aoaiPool.port', 'aoaiPool.proxy')).toBe('Port');
  });

  it('read without "Aoai Pool" under our sections in the table of contents, each section with an id of its own', () => {
    const ids = sections.map((s) => s.id);
    expect(new Set(ids).size).toBe(sections.length);
    const titles: string[] = [];
    for (const s of sections) {
      expect(s.id).toMatch(/^aoaiPool\.[a-z]+$/);
      for (const key of Object.keys(s.properties)) titles.push(settingsEditorTitle(key, s.id!));
    }
    for (const t of titles) expect(t).not.toMatch(/Aoai/i);
    expect(titles).toEqual(expect.arrayContaining(['Port', 'Backends', 'Credential', 'Credential Hosts', 'Queue: Max Wait Sec', 'Health Probe: Interval Sec', 'Connect Sec', 'Service Name']));
  });

  it('have readable section titles, Timeouts among them', () => {
    expect(sections.map((s) => s.title)).toEqual(['Proxy', 'Backends', 'Azure Sign-in', 'Security', 'Routing', 'Failover and Health', 'Timeouts', 'APIM Generator']);
  });

  it('are what the extension\'s own links open: all of its settings by the extension filter', () => {
    expect(EXTENSION_ID).toBe(`${pkg.publisher as string}.${pkg.name as string}`);
    expect(SETTINGS_QUERY).toBe(`@ext:${EXTENSION_ID}`);
    const welcome = (manifest.contributes as { viewsWelcome: { contents: string }[] }).viewsWelcome.map((w) => w.contents).join('\n');
    expect(welcome).toContain(`(command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify([SETTINGS_QUERY]))})`);
  });
});

describe('language model provider contribution', () => {
  it('contributes the vendor the provider registers, and names real commands in its errors', async () => {
    const { LM_VENDOR } = await import('../../../src/core/view');
    const { START_PROXY_COMMAND, TRY_SIMULATED_COMMAND } = await import('../../../src/core/lm');
    expect((manifest.contributes as { languageModelChatProviders: unknown }).languageModelChatProviders).toEqual([{ vendor: LM_VENDOR, displayName: 'AOAI Pool' }]);
    const titles = COMMANDS.map((c) => `AOAI Pool: ${c.title}`);
    expect(titles).toContain(START_PROXY_COMMAND);
    expect(titles).toContain(TRY_SIMULATED_COMMAND);
  });
});
