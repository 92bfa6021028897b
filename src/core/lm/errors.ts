/**
 * Errors the language model provider shows. VS Code hands the message of an
 * error thrown by a provider to the caller as it is, so every message says
 * what happened and what to do, and carries no secret.
 */
export type LmErrorCode =
  /** The proxy is not running (no answer on its port). */
  | 'stopped'
  /** Every backend for the alias rests after a 429; `retryAfterMs` says for how long. */
  | 'throttled'
  /** The pool refused the client key. */
  | 'unauthorized'
  /** No backend serves the alias (any more). */
  | 'notFound'
  /** Azure (or the pool) answered with an error. */
  | 'upstream'
  /** Azure's content filter stopped the answer. */
  | 'filtered'
  /** The response stream was malformed or cut. */
  | 'stream';

export class LmError extends Error {
  override readonly name = 'AoaiPoolLmError';

  constructor(
    readonly code: LmErrorCode,
    message: string,
    /** For `throttled`: when the first backend is back. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Brand check rather than instanceof: bundles may hold two copies of the class. */
export function isLmError(e: unknown, code?: LmErrorCode): e is LmError {
  return e instanceof Error && e.name === 'AoaiPoolLmError' && (code === undefined || (e as LmError).code === code);
}

/** The command palette titles named in messages; the manifest test keeps them equal to the contributed titles. */
export const START_PROXY_COMMAND = 'AOAI Pool: Start Proxy';
export const TRY_SIMULATED_COMMAND = 'AOAI Pool: Try with Simulated Backends';

export function stoppedError(url: string | undefined): LmError {
  const where = url ? ` at ${url}` : '';
  return new LmError('stopped', `AOAI Pool is not running${where}: run "${START_PROXY_COMMAND}" (or "${TRY_SIMULATED_COMMAND}" for the demo), then send the request again.`);
}

/**
 * A 429 from the pool: every backend serving the alias rests. The wait comes
 * from the pool's `retry-after-ms` (then `retry-after` in seconds).
 */
export function throttledError(alias: string, headers: Readonly<Record<string, string | string[] | undefined>>, now = Date.now()): LmError {
  const ms = retryAfterMs(headers);
  if (ms === undefined) {
    return new LmError('throttled', `AOAI Pool: every backend serving "${alias}" is throttled right now; try again shortly or pick another model.`);
  }
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const at = new Date(now + ms).toLocaleTimeString('en-GB', { hour12: false });
  return new LmError('throttled', `AOAI Pool: every backend serving "${alias}" is throttled; the first is back in ${seconds} s (at ${at}). Try again then, or pick another model.`, ms);
}

function retryAfterMs(headers: Readonly<Record<string, string | string[] | undefined>>): number | undefined {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ms = Number(one(headers['retry-after-ms']));
  if (Number.isFinite(ms) && ms >= 0 && one(headers['retry-after-ms']) !== undefined) return ms;
  const s = Number(one(headers['retry-after']));
  if (Number.isFinite(s) && s >= 0 && one(headers['retry-after']) !== undefined) return s * 1000;
  return undefined;
}
