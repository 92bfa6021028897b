/**
 * The extension's settings (`aoaiPool.*`) <-> the core's config model. VS Code
 * settings are flat dotted keys (`aoaiPool.timeouts.connectSec`) so each one
 * gets its own row in the Settings UI; the adapter folds them back into the
 * nested RawPoolConfig that validateConfig checks.
 */
import { RENAMED_OPTIONS, type RenamedOption } from '../config/renamed';
import { poolConfigSchema } from '../config/schema';
import type { ConfigIssue, PoolConfig, RawPoolConfig } from '../config/types';

export const SETTINGS_SECTION = 'aoaiPool';

/** `<publisher>.<name>` in package.json. */
export const EXTENSION_ID = 'aoai-pool.aoai-pool';

/**
 * What the extension's "Open Settings" links and buttons search the Settings
 * editor for: the extension filter lists exactly our settings, in section
 * order, with our sections in the table of contents. (A text query sorts by
 * match and may list other extensions' settings.)
 */
export const SETTINGS_QUERY = `@ext:${EXTENSION_ID}`;

/**
 * Config fields that are not settings: the extension always listens on
 * loopback, and talks to Azure, whose quota minute is a minute.
 */
const NOT_SETTINGS: ReadonlySet<string> = new Set(['$schema', 'host', 'allowedHosts', 'quotaMinuteMs']);

type SchemaNode = { type?: string; properties?: Record<string, SchemaNode>; 'x-renamedTo'?: string };

/**
 * Every pool option exposed as a setting, relative to `aoaiPool.`, in schema
 * order. The former millisecond names (RENAMED_OPTIONS) are not among them.
 */
export const POOL_SETTING_KEYS: readonly string[] = Object.entries(poolConfigSchema.properties as Record<string, SchemaNode>).flatMap(
  ([key, node]) => {
    if (NOT_SETTINGS.has(key)) return [];
    if (node.type === 'object' && node.properties) {
      return Object.entries(node.properties).filter(([, sub]) => !sub['x-renamedTo']).map(([sub]) => `${key}.${sub}`);
    }
    return [key];
  },
);

export type EntraCredentialKind = 'vscode' | 'azureCli' | 'default';
export const ENTRA_CREDENTIALS: readonly EntraCredentialKind[] = ['vscode', 'azureCli', 'default'];

/** Settings of the extension itself (not part of the pool config). */
export interface ShellSettings {
  autoStart: boolean;
  terminalEnvironment: boolean;
  entraCredential: EntraCredentialKind;
  /** Tenant id or domain; undefined = the account's home tenant. */
  entraTenant: string | undefined;
  /** Hosts besides Azure OpenAI / AI Services and loopback that may receive keys and tokens (User settings only). */
  credentialHosts: string[];
}

/** `aoaiPool.security.credentialHosts`: see USER_ONLY_SETTINGS. */
export const CREDENTIAL_HOSTS_SETTING = 'security.credentialHosts';

/**
 * Settings whose change needs the proxy restarted; everything else is applied
 * live with `proxy.reload()` (rust-analyzer's `requiresServerReloadOpts`).
 */
export const RESTART_SETTINGS: readonly string[] = ['port'];

/**
 * Settings a workspace may not set unless it is trusted: a backend list from
 * a cloned repo could name a backend like one of yours and send your key or
 * Entra token to its own endpoint. See the Workspace Trust guide,
 * `restrictedConfigurations`.
 */
export const RESTRICTED_SETTINGS: readonly string[] = ['backends', 'entra.credential', 'entra.tenant'];

/**
 * Settings read from the User level only, whatever the workspace says: they
 * decide where credentials may go, so a repository must not be able to widen
 * them. The manifest declares them `"scope": "application"` (VS Code then
 * ignores them in workspace and folder settings); reading `globalValue`
 * ourselves keeps that true on any host version.
 */
export const USER_ONLY_SETTINGS: readonly string[] = [CREDENTIAL_HOSTS_SETTING];

export type SettingReader = (key: string) => unknown;

/** What `WorkspaceConfiguration.inspect` returns, the parts we read. */
export interface InspectedSetting {
  defaultValue?: unknown;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/**
 * The value the extension uses for `key`: the effective one (`get`), except
 * that User-only settings never take a workspace value, and restricted
 * settings take none while the workspace is untrusted.
 */
export function settingValue(key: string, trusted: boolean, get: () => unknown, inspect: () => InspectedSetting | undefined): unknown {
  if (trusted && !USER_ONLY_SETTINGS.includes(key)) return get();
  if (!USER_ONLY_SETTINGS.includes(key) && !RESTRICTED_SETTINGS.includes(key)) return get();
  const i = inspect();
  return i?.globalValue ?? i?.defaultValue;
}

/** Where VS Code looks for a value, most specific first. */
const SCOPES = ['workspaceFolderValue', 'workspaceValue', 'globalValue'] as const;

const isBlank = (v: unknown) => v === undefined || v === null || v === '';

/**
 * Folds the flat settings into a raw config; blanks (cleared fields) are left
 * out. A former millisecond setting still set (not moved yet, or its move
 * failed) is passed on under its old name, which validateConfig converts and
 * warns about. With `inspect`, the two names of a renamed option follow VS
 * Code's precedence as one setting: the most specific scope that sets either
 * decides (the new name wins within it), so a Workspace `connectMs` still
 * overrides a User `connectSec`.
 */
export function settingsToRawConfig(read: SettingReader, inspect?: (key: string) => InspectedSetting | undefined): RawPoolConfig {
  const values = new Map<string, unknown>(POOL_SETTING_KEYS.map((k) => [k, read(k)]));
  for (const o of RENAMED_OPTIONS) {
    for (const [key, value] of renamedValues(o, read, inspect)) values.set(key, value);
  }
  const raw: Record<string, unknown> = {};
  for (const [key, value] of values) {
    if (isBlank(value)) continue;
    const [head, sub] = key.split('.') as [string, string | undefined];
    // Settings values are frozen proxies in VS Code; the core gets plain copies.
    const plain = typeof value === 'object' ? JSON.parse(JSON.stringify(value)) : value;
    if (sub === undefined) raw[head] = plain;
    else raw[head] = { ...(raw[head] as Record<string, unknown> | undefined), [sub]: plain };
  }
  if (!('backends' in raw)) raw.backends = [];
  return raw as unknown as RawPoolConfig;
}

/** The values of a renamed option's two names, by the rule above (without `inspect`: both effective values). */
function renamedValues(o: RenamedOption, read: SettingReader, inspect: ((key: string) => InspectedSetting | undefined) | undefined): [string, unknown][] {
  if (!inspect) return [[o.now, read(o.now)], [o.old, read(o.old)]];
  const now = inspect(o.now);
  const old = inspect(o.old);
  for (const scope of SCOPES) {
    if (!isBlank(now?.[scope]) || !isBlank(old?.[scope])) return [[o.now, now?.[scope]], [o.old, old?.[scope]]];
  }
  return [[o.now, read(o.now)], [o.old, undefined]];
}

export function readShellSettings(read: SettingReader): ShellSettings {
  const credential = read('entra.credential');
  const tenant = read('entra.tenant');
  return {
    autoStart: read('autoStart') !== false,
    terminalEnvironment: read('terminalEnvironment') !== false,
    entraCredential: ENTRA_CREDENTIALS.includes(credential as EntraCredentialKind) ? (credential as EntraCredentialKind) : 'vscode',
    entraTenant: typeof tenant === 'string' && tenant.trim() ? tenant.trim() : undefined,
    credentialHosts: stringList(read(CREDENTIAL_HOSTS_SETTING)),
  };
}

export function needsRestart(prev: PoolConfig, next: PoolConfig): boolean {
  return prev.port !== next.port || prev.host !== next.host;
}

/** The setting to open for an issue: `backends[2].weight` -> `aoaiPool.backends`. */
export function settingForIssue(issue: ConfigIssue): string {
  const head = issue.path.split(/[[]/)[0] ?? '';
  const keys = [...POOL_SETTING_KEYS, ...RENAMED_OPTIONS.map((o) => o.old)];
  const key = keys.find((k) => k === head) ?? keys.find((k) => head.startsWith(`${k}.`)) ?? head.split('.')[0];
  return key ? `${SETTINGS_SECTION}.${key}` : SETTINGS_SECTION;
}

/**
 * The Settings editor query that shows the setting for an issue: that one
 * setting (`@id:`) when the issue names one, else all of ours.
 */
export function settingsQueryForIssue(issue: ConfigIssue): string {
  const setting = settingForIssue(issue);
  const key = setting.slice(SETTINGS_SECTION.length + 1);
  return POOL_SETTING_KEYS.includes(key) || RENAMED_OPTIONS.some((o) => o.old === key) ? `@id:${setting}` : SETTINGS_QUERY;
}

/** An issue worded for settings: `aoaiPool.backends[2].weight: must be ...`. */
export function describeSettingIssue(issue: ConfigIssue): string {
  return issue.path ? `${SETTINGS_SECTION}.${issue.path}: ${issue.message}` : issue.message;
}

export type SettingScope = 'global' | 'workspace';

/**
 * Where a setting's effective value comes from. Arrays are not merged across
 * scopes, so an edit of `backends` must go where the effective list lives.
 */
export function effectiveScope(inspected: { globalValue?: unknown; workspaceValue?: unknown } | undefined): SettingScope | undefined {
  if (inspected?.workspaceValue !== undefined) return 'workspace';
  if (inspected?.globalValue !== undefined) return 'global';
  return undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : [];
}
