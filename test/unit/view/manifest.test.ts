import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/core/config';
import { COMMANDS, POOL_SETTING_KEYS, extensionManifest, settingsToRawConfig, OWNED_MANIFEST_FIELDS } from '../../../src/core/view';

const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as Record<string, unknown>;
const manifest = extensionManifest();
type Section = { title: string; properties: Record<string, { default?: unknown; markdownDescription?: string; description?: string }> };
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

  it('cover every pool option the adapter reads, plus the extension settings', () => {
    const keys = Object.keys(settings).map((k) => k.slice('aoaiPool.'.length)).sort();
    expect(keys).toEqual([...POOL_SETTING_KEYS, 'autoStart', 'terminalEnvironment', 'entra.credential', 'entra.tenant', 'security.credentialHosts'].sort());
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

  it('never carry our schema annotations (x-expect) into package.json', () => {
    expect(JSON.stringify(sections)).not.toContain('x-expect');
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
