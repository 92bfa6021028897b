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
