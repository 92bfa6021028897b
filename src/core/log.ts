/**
 * The core logs through this interface; the shell maps it to a VS Code
 * LogOutputChannel, the CLI to stderr. Every message passes the redactor first.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Masks known secrets (api keys, tokens, the client key) and anything shaped
 * like one. Secrets are registered as they are loaded, so a key that shows up
 * inside an upstream error message is masked too.
 */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  add(secret: string | undefined): void {
    // Very short values would mask ordinary words; real keys are long.
    if (!secret || secret.length < 8 || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.pattern = undefined;
  }

  /** Stops masking a secret that was replaced (see RotatingSecrets); keys stay for the process's life. */
  remove(secret: string): void {
    if (this.secrets.delete(secret)) this.pattern = undefined;
  }

  /** How many secrets are masked by value (bounded: replaced tokens leave). */
  get size(): number {
    return this.secrets.size;
  }

  mask(text: string): string {
    if (this.secrets.size > 0) {
      this.pattern ??= new RegExp([...this.secrets].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
      text = text.replace(this.pattern, '***');
    }
    // Shapes of secrets we were never told about: JWTs (Entra tokens inside
    // error messages), Azure OpenAI keys (32 hex, or the 84-character form).
    return text
      .replace(/\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g, '***')
      .replace(/\b[0-9a-fA-F]{32}\b/g, '***')
      .replace(/\b[A-Za-z0-9]{84}\b/g, '***')
      .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1***')
      .replace(/(api[-_]?key["']?\s*[:=]\s*["']?)[^\s"'&,]{8,}/gi, '$1***');
  }
}

/**
 * A replaced Entra token can still be in flight (a request that started with
 * it may be streaming for minutes, and an error body could echo it), so it is
 * not forgotten at the refresh. It stays masked until `graceMs` after it was
 * last handed out: two hours, longer than Entra access tokens live by default
 * (60-90 minutes), so by then it is also useless. JWT-shaped text is masked
 * by shape even after that. Without this, every hourly refresh added a token
 * to the masker for the life of the process, and its pattern with it.
 */
export const TOKEN_MASK_GRACE_MS = 2 * 3_600_000;

export class RotatingSecrets {
  /** secret -> when it was last handed out */
  private readonly lastUsed = new Map<string, number>();

  constructor(
    private readonly redactor: Redactor,
    private readonly graceMs = TOKEN_MASK_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** `secret` is being handed out now: mask it, and let go of those unused for longer than the grace. */
  use(secret: string): void {
    const now = this.now();
    if (!this.lastUsed.has(secret)) {
      this.redactor.add(secret);
      this.sweep(now);
    }
    this.lastUsed.set(secret, now);
  }

  private sweep(now: number): void {
    for (const [s, at] of this.lastUsed) {
      if (now - at <= this.graceMs) continue;
      this.lastUsed.delete(s);
      this.redactor.remove(s);
    }
  }
}

export function maskingLogger(inner: Logger, redactor: Redactor): Logger {
  return {
    debug: (m) => inner.debug(redactor.mask(m)),
    info: (m) => inner.info(redactor.mask(m)),
    warn: (m) => inner.warn(redactor.mask(m)),
    error: (m) => inner.error(redactor.mask(m)),
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
