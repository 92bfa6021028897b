/**
 * API keys and the client key, kept only in SecretStorage. The core asks for
 * a key synchronously (CredentialSource.apiKey), so keys are cached in memory:
 * loaded before the proxy starts and refreshed on `secrets.onDidChange`, which
 * also fires when another window changes them.
 *
 * A key is bound to the endpoint it was entered for (issue 9): the entry
 * `aoaiPool.apiKey.<name>` holds a key per endpoint (core/auth/keyBinding.ts),
 * and a backend of that name with another endpoint gets none. Keys stored by
 * an older version under the name alone are bound on load to the endpoint of
 * the backend of that name in the USER settings (never a workspace's list,
 * which is where the attack comes from); without one they stay unused.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Redactor } from '../core';
import {
  bindLegacyKey, lookupKey, missingKeyHint, parseStoredKeys, serializeStoredKeys, storedSecrets, withKey, withoutKey,
  type KeyLookup, type StoredKeys,
} from '../core/auth/keyBinding';

const API_KEY_PREFIX = 'aoaiPool.apiKey.';
const CLIENT_KEY = 'aoaiPool.clientKey';

export type SecretChange = { kind: 'apiKey'; backend: string } | { kind: 'clientKey' };

/** The endpoint of the backend named so in the User settings, if any: the only thing that may bind an old key. */
export type UserEndpointOf = (name: string) => string | undefined;

export class Secrets implements vscode.Disposable {
  /** Backend name -> its entry; `undefined` = read, nothing stored. */
  private readonly entries = new Map<string, StoredKeys | undefined>();
  private client: Promise<string> | undefined;
  private readonly changed = new vscode.EventEmitter<SecretChange>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly redactor: Redactor,
    private readonly userEndpointOf: UserEndpointOf,
  ) {
    this.subscription = storage.onDidChange((e) => void this.reloadKey(e.key));
  }

  /**
   * Loads the entries of these backend names not cached yet, binding old
   * name-only keys where the User settings allow (again for an old key still
   * unbound: the User settings may have gained its backend since).
   */
  async load(names: readonly string[]): Promise<void> {
    const todo = [...new Set(names)].filter((n) => !this.entries.has(n) || this.entries.get(n)?.legacy);
    await Promise.all(todo.map((n) => this.fetch(n)));
  }

  /**
   * Reads these names again, cached or not. Before taking over the pool of a
   * window that went away (issue 13): keys set there may not have announced
   * themselves here (code-server's pages do not pass SecretStorage events on).
   */
  async reload(names: readonly string[]): Promise<void> {
    await Promise.all([...new Set(names)].map((n) => this.fetch(n)));
  }

  /** Synchronous, for the core: the key entered for exactly this endpoint, or undefined. */
  apiKey(name: string, endpoint: string): string | undefined {
    return lookupKey(this.entries.get(name), endpoint).key;
  }

  hasApiKey(name: string, endpoint: string): boolean {
    return !!this.apiKey(name, endpoint);
  }

  /** Any key at all under this name (for "Clear API Key" and removal). */
  hasAnyApiKey(name: string): boolean {
    return storedSecrets(this.entries.get(name)).length > 0;
  }

  /** What is stored for this name instead of a key for `endpoint`. */
  lookup(name: string, endpoint: string): KeyLookup {
    return lookupKey(this.entries.get(name), endpoint);
  }

  /** Why the backend has no key, in words the tree and `/_pool/health` show (never the key). */
  missingKeyHint(name: string, endpoint: string): string {
    return missingKeyHint(name, endpoint, this.lookup(name, endpoint));
  }

  /** Stores `key` for backend `name` at `endpoint`; keys of the name's other endpoints stay. */
  async setApiKey(name: string, endpoint: string, key: string): Promise<void> {
    this.redactor.add(key);
    await this.write(name, withKey(await this.current(name), endpoint, key));
  }

  /** Deletes the key of `name` at `endpoint`, or every key of `name` when `endpoint` is undefined. */
  async deleteApiKey(name: string, endpoint?: string): Promise<void> {
    await this.write(name, withoutKey(await this.current(name), endpoint));
  }

  /** The key clients send to the pool: generated once per install, shared by all windows. */
  clientKey(): Promise<string> {
    this.client ??= (async () => {
      let key = await this.storage.get(CLIENT_KEY);
      if (!key) {
        key = `aoai-pool-${randomBytes(24).toString('base64url')}`;
        await this.storage.store(CLIENT_KEY, key);
      }
      this.redactor.add(key);
      return key;
    })();
    // A failed read is retried next time instead of being cached.
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  /** The stored entry, read again: another window may have changed it since we cached it. */
  private async current(name: string): Promise<StoredKeys | undefined> {
    const entry = parseStoredKeys(await this.storage.get(API_KEY_PREFIX + name));
    for (const s of storedSecrets(entry)) this.redactor.add(s);
    return entry;
  }

  private async write(name: string, entry: StoredKeys | undefined): Promise<void> {
    const text = serializeStoredKeys(entry);
    this.entries.set(name, text === undefined ? undefined : entry);
    if (text === undefined) await this.storage.delete(API_KEY_PREFIX + name);
    else await this.storage.store(API_KEY_PREFIX + name, text);
    this.changed.fire({ kind: 'apiKey', backend: name });
  }

  private async fetch(name: string): Promise<void> {
    let entry = await this.current(name);
    const bound = bindLegacyKey(entry, this.userEndpointOf(name));
    if (bound) {
      // Written back at once, so every window (and the next start) sees the bound form.
      await this.storage.store(API_KEY_PREFIX + name, serializeStoredKeys(bound)!);
      entry = bound;
    }
    this.entries.set(name, entry);
  }

  private async reloadKey(id: string): Promise<void> {
    if (id === CLIENT_KEY) {
      this.client = undefined;
      await this.clientKey();
      this.changed.fire({ kind: 'clientKey' });
    } else if (id.startsWith(API_KEY_PREFIX)) {
      const name = id.slice(API_KEY_PREFIX.length);
      const before = serializeStoredKeys(this.entries.get(name));
      await this.fetch(name);
      if (serializeStoredKeys(this.entries.get(name)) !== before) this.changed.fire({ kind: 'apiKey', backend: name });
    }
  }
}
