/** Small text formatters shared by the tree, the status bar and tooltips. */

/** A wait as the tree shows it: `12s`, `1m 05s`, `1h 02m`. Rounds up so "0s" never shows while still waiting. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (total < 60) return `${total}s`;
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (m < 60) return `${m}m ${String(s).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** How long ago something happened: `just now`, `42s ago`, `3m ago`, `2h ago`. */
export function formatAgo(at: number, now: number): string {
  const s = Math.floor((now - at) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  return `${Math.floor(m / 60)}h ago`;
}

/**
 * A moment as a clock time, `14:03:27` (local time). Tooltips say "until
 * 14:03:27" rather than "for 27s": a text that changes every second would be
 * redrawn every second and close an open hover (issue 13, item 2).
 */
export function formatClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Compact counts for rate-limit headers: `950`, `12.5k`, `118k`, `2.1M`. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${trim((n / 1000).toFixed(1))}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${trim((n / 1_000_000).toFixed(1))}M`;
}

export function formatLatency(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${trim((ms / 1000).toFixed(1))} s`;
}

/** Cuts a reason to fit a tree description; the tooltip carries the whole text. */
export function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** Escapes text for a MarkdownString so upstream error text cannot inject links or formatting. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

function trim(s: string): string {
  return s.replace(/\.0$/, '');
}
