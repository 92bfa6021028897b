/**
 * Options renamed when they moved from milliseconds to seconds (issue 13,
 * item 12): `timeouts.connectMs` became `timeouts.connectSec`, and so on. The
 * schema marks each former name with `x-renamedTo`; this module reads that
 * table, says what to write instead, and converts. A config file with the old
 * names keeps working (with a warning); the extension moves old settings.
 */
import { poolConfigSchema } from './schema';
import type { ConfigIssue } from './types';

export interface RenamedOption {
  /** The former name, in milliseconds: `timeouts.connectMs`. */
  old: string;
  /** The name that replaces it, in seconds: `timeouts.connectSec`. */
  now: string;
  /** The range the former name accepted, in milliseconds. */
  minMs: number;
  maxMs: number;
}

type Node = { properties?: Record<string, Node>; minimum?: number; maximum?: number; 'x-renamedTo'?: string };

/** Every renamed option, in schema order. */
export const RENAMED_OPTIONS: readonly RenamedOption[] = Object.entries(poolConfigSchema.properties as Record<string, Node>).flatMap(([section, node]) =>
  Object.entries(node.properties ?? {}).flatMap(([key, p]) =>
    p['x-renamedTo'] ? [{ old: `${section}.${key}`, now: p['x-renamedTo'], minMs: p.minimum ?? 0, maxMs: p.maximum ?? Infinity }] : []),
);

/** Seconds as the runtime's milliseconds: 0.25 -> 250. */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** A former millisecond value as the seconds to write instead: 7000 -> 7, 250 -> 0.25. */
export function msToSeconds(ms: number): number {
  return ms / 1000;
}

/** True when `value` is what the former name accepted (an integer in its range): only such a value is converted. */
export function formerValueValid(option: RenamedOption, value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= option.minMs && value <= option.maxMs;
}

/**
 * A warning for each former name in a raw config: what to write instead, with
 * the value converted; when the new name is set too, that one wins.
 */
export function renamedOptionWarnings(raw: Record<string, unknown>): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const o of RENAMED_OPTIONS) {
    const [section, oldKey] = o.old.split('.') as [string, string];
    const newKey = o.now.split('.')[1]!;
    const obj = raw[section];
    if (typeof obj !== 'object' || obj === null || !(oldKey in obj)) continue;
    const value = (obj as Record<string, unknown>)[oldKey];
    const now = (obj as Record<string, unknown>)[newKey];
    if (now !== undefined) {
      out.push({ path: o.old, message: `ignored: ${o.now} is also set and wins (${JSON.stringify(now)} s); remove ${o.old}` });
    } else if (formerValueValid(o, value)) {
      out.push({ path: o.old, message: `is deprecated: write ${o.now} = ${msToSeconds(value)} (seconds) instead; ${value} ms applies until then` });
    }
    // An invalid value: the schema's error already names the option and its range.
  }
  return out;
}
