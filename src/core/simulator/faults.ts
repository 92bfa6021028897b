import { closest } from '../util/didYouMean';
import { RETRY_HEADER_MODES, type FailSpec, type Faults, type RetryHeaderMode } from './types';

export const DEFAULT_RETRY_AFTER_MS = 2000;
export const DEFAULT_CHUNK_DELAY_MS = 5;
export const DEFAULT_CHUNKS = 8;

const RATE_KEYS = ['rate429', 'rate5xx', 'hangRate', 'resetBeforeHeadersRate', 'midStreamResetRate'] as const;
// An hour is far beyond any client timeout; larger values are almost surely a unit mistake (s vs ms).
const MS_KEYS = ['latencyMs', 'retryAfterMs', 'chunkDelayMs'] as const;
const MAX_MS = 3_600_000;
const MAX_CHUNKS = 100_000;
const FAULT_KEYS: readonly string[] = [...RATE_KEYS, ...MS_KEYS, 'retryHeader', 'status5xx', 'chunks'];

/**
 * Checks untrusted fault settings (the `/_sim/faults` body, `--faults` JSON)
 * and returns a clean copy. Throws one Error listing every problem.
 */
export function parseFaults(input: unknown): Faults {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('faults must be a JSON object');
  }
  const src = input as Record<string, unknown>;
  const out: Faults = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(src)) {
    if (!FAULT_KEYS.includes(key)) {
      const hint = closest(key, FAULT_KEYS);
      problems.push(`unknown fault "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
      continue;
    }
    if (value === undefined || value === null) continue;
    if (key === 'retryHeader') {
      if (RETRY_HEADER_MODES.includes(value as RetryHeaderMode)) out.retryHeader = value as RetryHeaderMode;
      else problems.push(`retryHeader must be one of ${RETRY_HEADER_MODES.join(', ')}`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push(`${key} must be a number`);
      continue;
    }
    if ((RATE_KEYS as readonly string[]).includes(key)) {
      if (value < 0 || value > 1) problems.push(`${key} must be between 0 and 1`);
      else out[key as (typeof RATE_KEYS)[number]] = value;
    } else if ((MS_KEYS as readonly string[]).includes(key)) {
      if (value < 0 || value > MAX_MS) problems.push(`${key} must be between 0 and ${MAX_MS}`);
      else out[key as (typeof MS_KEYS)[number]] = value;
    } else if (key === 'status5xx') {
      if (!Number.isInteger(value) || value < 500 || value > 599) problems.push('status5xx must be an integer 500..599');
      else out.status5xx = value;
    } else if (key === 'chunks') {
      if (!Number.isInteger(value) || value < 1 || value > MAX_CHUNKS) problems.push(`chunks must be an integer 1..${MAX_CHUNKS}`);
      else out.chunks = value;
    }
  }
  if (problems.length) throw new Error(`invalid faults: ${problems.join('; ')}`);
  return out;
}

/** Checks a `failNext` request; status 0 = reset before headers, -1 = hang. */
export function parseFailNext(input: unknown): { spec: FailSpec; count: number } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('fail-next body must be a JSON object');
  const { status, count = 1, headers } = input as Record<string, unknown>;
  if (typeof status !== 'number' || !(status === 0 || status === -1 || (Number.isInteger(status) && status >= 200 && status <= 599))) {
    throw new Error('status must be 0 (reset), -1 (hang) or an HTTP status 200..599');
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1_000_000) {
    throw new Error('count must be a positive integer');
  }
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)
      || !Object.values(headers).every((v) => typeof v === 'string')) {
      throw new Error('headers must be an object of strings');
    }
  }
  return { spec: { status, headers: headers as Record<string, string> | undefined }, count };
}

export type FaultAction = 'none' | 'reset' | 'hang' | '5xx' | '429';

/** One draw, cumulative shares: the order is documented on `Faults`. */
export function pickFault(f: Faults, random: () => number): FaultAction {
  const r = random();
  let edge = 0;
  const order: [FaultAction, number | undefined][] = [
    ['reset', f.resetBeforeHeadersRate], ['hang', f.hangRate], ['5xx', f.rate5xx], ['429', f.rate429],
  ];
  for (const [action, share] of order) {
    edge += share ?? 0;
    if (share && r < edge) return action;
  }
  return 'none';
}

/** Go-style duration, as OpenAI writes x-ratelimit-reset-*: "250ms", "2s", "1m30s". */
export function formatResetDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const totalSec = ms / 1000;
  if (totalSec < 60) return `${Number(totalSec.toFixed(3))}s`;
  const min = Math.floor(totalSec / 60);
  return `${min}m${Number((totalSec - min * 60).toFixed(3))}s`;
}

export function throttleHeaders(mode: RetryHeaderMode, waitMs: number): Record<string, string> {
  const ms = String(Math.max(0, Math.round(waitMs)));
  const secs = String(Math.max(0, Math.ceil(waitMs / 1000)));
  switch (mode) {
    case 'none': return {};
    case 'retry-after': return { 'retry-after': secs };
    case 'retry-after-ms': return { 'retry-after-ms': ms };
    case 'x-ms-retry-after-ms': return { 'x-ms-retry-after-ms': ms };
    case 'x-ratelimit-reset-requests': return { 'x-ratelimit-reset-requests': formatResetDuration(waitMs) };
    case 'x-ratelimit-reset-tokens': return { 'x-ratelimit-reset-tokens': formatResetDuration(waitMs) };
    case 'all': return { 'retry-after': secs, 'retry-after-ms': ms, 'x-ms-retry-after-ms': ms };
  }
}

/** FIFO of deterministic failures; each entry serves `left` requests. */
export class FailQueue {
  private readonly entries: { spec: FailSpec; left: number }[] = [];

  push(spec: FailSpec, count: number): void {
    this.entries.push({ spec, left: count });
  }

  take(): FailSpec | undefined {
    const head = this.entries[0];
    if (!head) return undefined;
    if (--head.left <= 0) this.entries.shift();
    return head.spec;
  }

  get pending(): number {
    return this.entries.reduce((n, e) => n + e.left, 0);
  }
}
