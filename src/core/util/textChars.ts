/** Deeper than any real request body; deeper values are not counted. */
const MAX_DEPTH = 64;

/**
 * Characters of every string under `value` (object keys excluded), without
 * building any copy: how the prompt of a parsed request body is sized by
 * character count, as Azure's rate-limit estimate does (issue 10).
 */
export function textChars(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return 0;
  let n = 0;
  if (Array.isArray(value)) for (const v of value) n += textChars(v, depth + 1);
  else for (const v of Object.values(value)) n += textChars(v, depth + 1);
  return n;
}

/** The strings `textChars` counts, in order. */
export function collectText(value: unknown, out: string[], depth = 0): void {
  if (typeof value === 'string') out.push(value);
  else if (depth <= MAX_DEPTH && typeof value === 'object' && value !== null) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) collectText(v, out, depth + 1);
  }
}
