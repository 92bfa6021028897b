/**
 * Errors with a stable `code` and a brand check instead of `instanceof`, so a
 * second copy of the core (the extension bundle and the CLI bundle) still
 * recognises them.
 */
const BRAND = Symbol.for('aoai-pool.error');

/** Codes of errors the core throws (the HTTP answers are catalogued in proxy/poolErrors.ts). */
export type PoolErrorCode = 'PortInUse' | 'ListenFailed';

export class PoolError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly code: PoolErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'PoolError';
  }
}

export function isPoolError(e: unknown, code?: PoolErrorCode): e is PoolError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true && (code === undefined || (e as PoolError).code === code);
}

/** The body shape Azure OpenAI uses for errors, so SDKs surface our messages as they do Azure's. */
export function azureErrorBody(code: string, message: string, extra?: Record<string, unknown>): string {
  return JSON.stringify({ error: { code, message, ...extra } });
}
