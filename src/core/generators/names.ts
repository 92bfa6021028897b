/**
 * APIM entity names and Bicep identifiers, derived deterministically from the
 * config so that re-running the generator yields the same resources (an ARM
 * redeploy then updates them in place instead of creating twins).
 */

/** APIM backends and APIs: 1-80 alphanumerics and hyphens, starting with a letter and ending with an alphanumeric. */
export const APIM_NAME_MAX = 80;
const APIM_NAME = /^[A-Za-z](?:[A-Za-z0-9-]{0,78}[A-Za-z0-9])?$/;

/** APIM service names (1-50, same character rules as above). */
const APIM_SERVICE_NAME = /^[A-Za-z](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?$/;

/** True when `name` is already a valid APIM entity name. */
export function isApimName(name: string): boolean {
  return APIM_NAME.test(name);
}

/** True when `name` is a valid APIM service name. */
export function isApimServiceName(name: string): boolean {
  return APIM_SERVICE_NAME.test(name);
}

/**
 * `raw` reduced to a valid APIM name: every run of other characters becomes
 * one hyphen, a leading digit gets `prefix-` in front, and the result is cut
 * to 80 characters. Never returns an empty string.
 */
export function toApimName(raw: string, prefix: string): string {
  let s = raw.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (s === '') s = prefix;
  else if (!/^[A-Za-z]/.test(s)) s = `${prefix}-${s}`;
  return clip(s, APIM_NAME_MAX);
}

/**
 * Makes every name unique, case-insensitively (APIM compares names that way):
 * the first keeps its name, later ones get `-2`, `-3`, ... in input order.
 * `taken` holds names reserved elsewhere (for example the pool's).
 */
export function uniqueApimNames(names: readonly string[], taken: Iterable<string> = []): string[] {
  const used = new Set([...taken].map((n) => n.toLowerCase()));
  return names.map((name) => {
    let candidate = name;
    for (let i = 2; used.has(candidate.toLowerCase()); i++) {
      const suffix = `-${i}`;
      candidate = `${clip(name, APIM_NAME_MAX - suffix.length)}${suffix}`;
    }
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

/** `east-us.2` -> `EastUs2`: the readable part of a Bicep identifier. */
export function pascalCase(raw: string): string {
  const words = raw.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return joined === '' ? 'X' : joined;
}

/**
 * Bicep identifiers for each name, unique among themselves; `PascalCase` of
 * the name plus a counter when two names fold to the same identifier. The
 * caller adds a lowercase prefix, so keywords can never come out.
 */
export function uniqueIdentifiers(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const base = pascalCase(name);
    let candidate = base;
    for (let i = 2; used.has(candidate.toLowerCase()); i++) candidate = `${base}${i}`;
    used.add(candidate.toLowerCase());
    return candidate;
  });
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max).replace(/-+$/, '');
}
