/**
 * API keys bound to the endpoint they were entered for. The extension keeps
 * one SecretStorage entry per backend name, holding a key per endpoint; a
 * backend gets a key only for its own endpoint. Before this, keys were found
 * by name alone, so a workspace that reused a user's backend name with another
 * endpoint received the user's key (issue 9). Pure, so the rules are unit-tested.
 */

/** What one SecretStorage entry (`aoaiPool.apiKey.<name>`) holds. */
export interface StoredKeys {
  v: 2;
  /** Endpoint origin (`keyEndpoint`) -> key. */
  keys: Record<string, string>;
  /**
   * A key stored by name only, before keys were bound (the whole entry was the
   * key). Kept, never used, until `bindLegacyKey` binds it to an endpoint the
   * user vouched for; see `bindLegacyKey`.
   */
  legacy?: string;
}

/** The endpoint as keys are bound to it: the URL's origin (lower-case host, no default port, no slash). */
export function keyEndpoint(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return endpoint;
  }
}

/** Reads an entry: the JSON form, or a bare key from before binding (`legacy`). */
export function parseStoredKeys(raw: string | undefined): StoredKeys | undefined {
  if (!raw) return undefined;
  if (raw.startsWith('{')) {
    try {
      const j = JSON.parse(raw) as Partial<StoredKeys>;
      if (j.v === 2 && j.keys && typeof j.keys === 'object') {
        const keys = Object.fromEntries(Object.entries(j.keys).filter(([, k]) => typeof k === 'string' && k));
        return { v: 2, keys, ...(typeof j.legacy === 'string' && j.legacy ? { legacy: j.legacy } : {}) };
      }
    } catch {
      // Not ours: treat as a bare key below (a key never starts with "{", so this is a damaged entry).
    }
  }
  return { v: 2, keys: {}, legacy: raw };
}

/** The entry's text, or undefined when it holds nothing (delete it). */
export function serializeStoredKeys(s: StoredKeys | undefined): string | undefined {
  if (!s || (Object.keys(s.keys).length === 0 && !s.legacy)) return undefined;
  return JSON.stringify(s);
}

/** Every secret an entry holds (for the redactor). */
export function storedSecrets(s: StoredKeys | undefined): string[] {
  return s ? [...Object.values(s.keys), ...(s.legacy ? [s.legacy] : [])] : [];
}

export function withKey(s: StoredKeys | undefined, endpoint: string, key: string): StoredKeys {
  return { v: 2, keys: { ...s?.keys, [keyEndpoint(endpoint)]: key }, ...(s?.legacy ? { legacy: s.legacy } : {}) };
}

/** Removes the key of one endpoint; `endpoint` undefined removes everything, the legacy key too. */
export function withoutKey(s: StoredKeys | undefined, endpoint?: string): StoredKeys | undefined {
  if (!s || endpoint === undefined) return undefined;
  const { [keyEndpoint(endpoint)]: _gone, ...keys } = s.keys;
  return { v: 2, keys, ...(s.legacy ? { legacy: s.legacy } : {}) };
}

export type KeyLookup =
  | { key: string }
  | { key: undefined; /** Endpoints this name has keys for. */ boundTo: string[]; /** A name-only key waits to be bound. */ legacy: boolean };

/** The key for this backend's endpoint, or what exists instead. */
export function lookupKey(s: StoredKeys | undefined, endpoint: string): KeyLookup {
  // Config endpoints are origins already (validateConfig): try as is before parsing (this runs per request).
  const key = s && (own(s.keys, endpoint) ?? own(s.keys, keyEndpoint(endpoint)));
  if (key) return { key };
  return { key: undefined, boundTo: Object.keys(s?.keys ?? {}).sort(), legacy: !!s?.legacy };
}

/**
 * Migration of a name-only key: it is bound to `userEndpoint`, the endpoint of
 * the backend of that name in the user's own (User-level) settings, and to
 * nothing else. A workspace's backend list never vouches for an endpoint: that
 * is the list the attack comes from. Without such a user backend the key stays
 * aside, unused, and the backend shows "key missing" saying why. Returns
 * undefined when nothing changes.
 */
export function bindLegacyKey(s: StoredKeys | undefined, userEndpoint: string | undefined): StoredKeys | undefined {
  if (!s?.legacy || userEndpoint === undefined) return undefined;
  const endpoint = keyEndpoint(userEndpoint);
  // A key the user entered for that endpoint since wins over the old one.
  const keys = own(s.keys, endpoint) ? s.keys : { ...s.keys, [endpoint]: s.legacy };
  return { v: 2, keys };
}

/** Why `name` has no key for `endpoint`, and what to do, in the extension's words. */
export function missingKeyHint(name: string, endpoint: string, lookup: KeyLookup): string {
  const set = `run "AOAI Pool: Set API Key" for ${name}`;
  if (lookup.key !== undefined) return set;
  const here = keyEndpoint(endpoint);
  if (lookup.boundTo.length > 0) {
    const there = lookup.boundTo.length === 1 ? lookup.boundTo[0] : `${lookup.boundTo.length} other endpoints`;
    return `the key stored for "${name}" was entered for ${there}, not for ${here}, and keys go only to the endpoint they were entered for: ${set} to enter the key of ${here}`;
  }
  if (lookup.legacy) {
    return `the key stored for "${name}" by an older version is not bound to an endpoint, and no backend "${name}" in your User settings says which one it belongs to: ${set} to enter the key of ${here}`;
  }
  return set;
}

/** A key stored under exactly this endpoint (never something inherited, such as `constructor`). */
function own(keys: Record<string, string>, endpoint: string): string | undefined {
  const v = Object.hasOwn(keys, endpoint) ? keys[endpoint] : undefined;
  return typeof v === 'string' && v ? v : undefined;
}
