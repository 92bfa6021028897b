/**
 * Writes variables into a `.env` file and keeps everything else: comments,
 * blank lines, other variables, `export` prefixes, the line ending style.
 * A variable already there is replaced where it stands; new ones are
 * appended under one comment. Follows the dotenv format
 * (https://github.com/motdotla/dotenv#what-rules-does-the-parsing-engine-follow):
 * `KEY=value`, optional `export `, `#` comments, quoted values that may span
 * lines (so a line inside such a value is never taken for an assignment).
 */
const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=)(.*)$/;

export const DOTENV_HEADER = '# AOAI Pool: the local pool and its client key (written by "AOAI Pool: Connect a Tool…")';

export function mergeDotenv(existing: string | undefined, vars: Readonly<Record<string, string>>): string {
  const eol = existing?.includes('\r\n') ? '\r\n' : '\n';
  const lines = existing ? existing.split(/\r?\n/) : [];
  // A file ending in a newline splits into a last empty string; put it back at the end.
  const trailing = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailing) lines.pop();
  const written = new Set<string>();
  let openQuote: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (openQuote) {
      if (closes(line, openQuote)) openQuote = undefined;
      continue;
    }
    const m = ASSIGNMENT.exec(line);
    if (!m) continue;
    const [, prefix, key, eq, rest] = m as unknown as [string, string, string, string, string];
    const value = rest.trimStart();
    const q = value[0];
    if ((q === '"' || q === "'" || q === '`') && !closes(value.slice(1), q)) openQuote = q;
    if (!(key in vars)) continue;
    lines[i] = `${prefix}${key}${eq}${quote(vars[key]!)}`;
    written.add(key);
    if (openQuote) {
      // The old value spanned lines: drop its continuation.
      let j = i + 1;
      while (j < lines.length && !closes(lines[j]!, openQuote)) j++;
      lines.splice(i + 1, Math.min(j, lines.length - 1) - i);
      openQuote = undefined;
    }
  }
  const missing = Object.keys(vars).filter((k) => !written.has(k));
  if (missing.length) {
    if (lines.length && lines[lines.length - 1]!.trim() !== '') lines.push('');
    lines.push(DOTENV_HEADER, ...missing.map((k) => `${k}=${quote(vars[k]!)}`));
  }
  return lines.join(eol) + eol;
}

function closes(text: string, q: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === q) return true;
  }
  return false;
}

/** Plain when safe, double-quoted otherwise (spaces, `#`, quotes). */
function quote(value: string): string {
  if (/^[A-Za-z0-9_./:@+,=-]*$/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/**
 * `.gitignore` with `.env` (or another entry) added at the end, keeping the
 * rest; unchanged when a line already names it exactly.
 */
export function appendGitignore(existing: string | undefined, entry: string): string {
  const text = existing ?? '';
  const lines = text.split(/\r?\n/);
  if (lines.some((l) => l.trim() === entry || l.trim() === `/${entry}`)) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const sep = text === '' || text.endsWith('\n') ? '' : eol;
  return `${text}${sep}# local secrets (AOAI Pool client key)${eol}${entry}${eol}`;
}
