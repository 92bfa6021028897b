/** Numbers and times as the dashboard shows them: short, with units, and "—" for "no data". */

export const NONE = '—';

/** 950, 12.3k, 4.5M. */
export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NONE;
  const a = Math.abs(n);
  if (a >= 1e6) return `${trim(n / 1e6)}M`;
  if (a >= 1e4) return `${trim(n / 1e3)}k`;
  if (a >= 100 || Number.isInteger(n)) return Math.round(n).toLocaleString('en-US');
  return trim(n);
}

/** A rate with up to one decimal: 0.4, 12.3, 140. */
export function fmtRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return NONE;
  return n >= 100 ? fmtCount(n) : trim(n);
}

/** 0.4 ms, 12 ms, 1.2 s, 3 min. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  if (ms < 10) return `${trim(ms)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trim(ms / 1000)} s`;
  return `${trim(ms / 60_000)} min`;
}

/** Local wall-clock time of an epoch ms, to the second. */
export function fmtClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "1.4 s" until `until`, or undefined when it has passed. */
export function fmtUntil(until: number, now: number): string | undefined {
  return until > now ? fmtMs(until - now) : undefined;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${trim(n / 1024)} KB`;
  return `${trim(n / 1024 / 1024)} MB`;
}

function trim(n: number): string {
  return String(Math.round(n * 10) / 10);
}
