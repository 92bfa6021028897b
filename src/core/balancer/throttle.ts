/**
 * How long a throttled backend should rest, from the headers Azure OpenAI and
 * the OpenAI-compatible APIs send. Order of trust, most precise first:
 * `retry-after-ms`, `x-ms-retry-after-ms`, `Retry-After` (seconds or an HTTP
 * date), then `x-ratelimit-reset-requests` / `-tokens` (`"1"`, `"6m0s"`, `"20ms"`).
 * A header that is negative, garbage or absurd is skipped, never trusted.
 */
export type HeaderBag = Record<string, string | string[] | undefined>;

export interface ThrottleDelay {
  ms: number;
  /** Which header decided, or 'default'. */
  source: string;
}

export function throttleDelay(headers: HeaderBag, now: number, defaultMs: number, maxMs: number): ThrottleDelay {
  const candidates: [string, (v: string) => number | undefined][] = [
    ['retry-after-ms', parseMs],
    ['x-ms-retry-after-ms', parseMs],
    ['retry-after', (v) => parseRetryAfter(v, now)],
    ['x-ratelimit-reset-requests', parseDuration],
    ['x-ratelimit-reset-tokens', parseDuration],
  ];
  for (const [name, parse] of candidates) {
    const raw = first(headers[name]);
    if (raw === undefined) continue;
    const ms = parse(raw.trim());
    if (ms === undefined) continue;
    return { ms: Math.min(Math.ceil(ms), maxMs), source: name };
  }
  return { ms: defaultMs, source: 'default' };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function parseMs(v: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `Retry-After`: delta-seconds or an HTTP date. A date in the past means "now". */
export function parseRetryAfter(v: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v) * 1000;
    return Number.isFinite(n) ? n : undefined;
  }
  // Only accept something that looks like an HTTP date, not any Date.parse-able text.
  if (!/^[A-Za-z]{3},? /.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** `x-ratelimit-reset-*`: plain seconds, or Go-style durations such as `1m30s`, `250ms`. */
export function parseDuration(v: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== v.length || !Number.isFinite(total)) return undefined;
  return total;
}

/** `x-ratelimit-remaining-*`; the Responses API sends -1 for "not applicable". */
export function parseRemaining(v: string | string[] | undefined): number | undefined {
  const s = first(v);
  if (s === undefined || !/^\d+$/.test(s.trim())) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}
