/**
 * The package.json fields the extension shell owns, as data.
 * `node scripts/gen-contributes.mjs` writes them into package.json; a unit
 * test fails when package.json drifts from this.
 */
import { poolConfigSchema } from '../../config/schema';
import { configurationContribution } from './configuration';
import { CATEGORY, COMMANDS, LM_VENDOR, MENUS, VIEW_CONTAINER_ID, VIEW_ID, VIEWS_WELCOME } from './commands';

export { COMMANDS, CONTEXT_KEYS, LM_VENDOR, VIEW_ID, type CommandId } from './commands';
export { configurationContribution, toSettingSchema } from './configuration';

const ACTIVITY_ICON = 'media/aoai-pool.svg';

/** The config file the CLI reads by default, and where its schema ships in the extension (written by gen-contributes). */
export const CONFIG_FILE_NAME = 'aoai-pool.json';
export const CONFIG_SCHEMA_PATH = 'schema/aoai-pool.schema.json';

/**
 * The schema VS Code's JSON support validates `aoai-pool.json` with, so the
 * CLI's file gets completion, hovers and red squiggles in the editor: the
 * config schema itself (the one the pool validates with), as a file.
 */
export function configFileSchema(): Record<string, unknown> {
  return { ...poolConfigSchema, description: `The config file of the aoai-pool CLI (${CONFIG_FILE_NAME}); the extension's settings take the same fields.` };
}

export const OWNED_MANIFEST_FIELDS = ['categories', 'keywords', 'icon', 'galleryBanner', 'activationEvents', 'contributes'] as const;

export function extensionManifest(): Record<(typeof OWNED_MANIFEST_FIELDS)[number], unknown> {
  return {
    categories: ['AI', 'Other'],
    keywords: ['azure openai', 'openai', 'load balancer', 'proxy', 'failover', 'rate limit', '429', 'entra id', 'api management', 'apim'],
    icon: 'media/icon.png',
    galleryBanner: { color: '#0b2a4a', theme: 'dark' },
    // Auto-start needs an activation without user action; commands and the
    // view activate the extension on their own (VS Code >= 1.74).
    activationEvents: ['onStartupFinished'],
    contributes: {
      commands: COMMANDS.map((c) => ({ command: c.id, title: c.title, category: CATEGORY, ...('icon' in c ? { icon: c.icon } : {}) })),
      menus: MENUS,
      viewsContainers: { activitybar: [{ id: VIEW_CONTAINER_ID, title: 'AOAI Pool', icon: ACTIVITY_ICON }] },
      views: { [VIEW_CONTAINER_ID]: [{ id: VIEW_ID, name: 'Backends', contextualTitle: 'AOAI Pool', icon: ACTIVITY_ICON }] },
      viewsWelcome: VIEWS_WELCOME,
      configuration: configurationContribution(),
      // The pool's aliases as chat models. VS Code derives the activation event
      // onLanguageModelChatProvider:aoai-pool from this (1.104+).
      languageModelChatProviders: [{ vendor: LM_VENDOR, displayName: 'AOAI Pool' }],
      jsonValidation: [{ fileMatch: CONFIG_FILE_NAME, url: `./${CONFIG_SCHEMA_PATH}` }],
      // The CLI reads the file with comments allowed: so does the editor (as it does tsconfig.json).
      languages: [{ id: 'jsonc', filenames: [CONFIG_FILE_NAME] }],
    },
  };
}
