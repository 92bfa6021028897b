/**
 * Codex CLI's `config.toml` (`$CODEX_HOME/config.toml`, default
 * `~/.codex/config.toml`; https://developers.openai.com/codex/config-reference
 * and https://developers.openai.com/codex/config-advanced): a provider is a
 * `[model_providers.<id>]` table with `name`, `base_url`, `env_key` (the NAME
 * of the environment variable holding the key) and `wire_api`; the root keys
 * `model_provider` and `model` choose the default. Codex speaks the Responses
 * API (`wire_api = "responses"`), which the pool serves on `/v1/responses`.
 *
 * TOML has no comment-preserving editor in npm, so the edit is textual and
 * limited: the `[model_providers.aoai-pool]` table is replaced (or appended)
 * whole, and with `makeDefault` the two root keys are set. The result is then
 * parsed with smol-toml and compared with the original: every other key must
 * be exactly as it was, or nothing is written.
 */
import { parse, stringify } from 'smol-toml';
import { isDeepStrictEqual } from 'node:util';
import { ToolConfigError } from './errors';
import { CODEX_PROVIDER_ID } from './names';

export { CODEX_PROVIDER_ID } from './names';

export interface CodexProvider {
  name: string;
  base_url: string;
  env_key: string;
  wire_api: 'responses';
}

export interface CodexOptions {
  provider: CodexProvider;
  /** Also make the pool Codex's default: `model_provider` and `model` at the root. */
  makeDefault?: { model: string };
  file?: string;
}

const HEADER = new RegExp(`^\\s*\\[\\s*model_providers\\s*\\.\\s*(?:"${CODEX_PROVIDER_ID}"|'${CODEX_PROVIDER_ID}'|${CODEX_PROVIDER_ID})\\s*\\]\\s*(#.*)?$`);
const ANY_HEADER = /^\s*\[/;
const MARKER = '# AOAI Pool: the local pool (written by "AOAI Pool: Connect a Tool…")';

export function mergeCodexConfig(existing: string | undefined, opts: CodexOptions): string {
  const file = opts.file ?? 'config.toml';
  const text = existing ?? '';
  let before: Record<string, unknown>;
  try {
    before = parse(text);
  } catch (e) {
    throw new ToolConfigError(`${file} is not valid TOML (${(e as Error).message.split('\n')[0]}); fix it, then run "Connect a Tool…" again`);
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let lines = text === '' ? [] : text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();

  // Drop our old table, from its header (and our comment above it) to the next header.
  let start = lines.findIndex((l) => HEADER.test(l));
  if (start >= 0) {
    let end = start + 1;
    while (end < lines.length && !ANY_HEADER.test(lines[end]!)) end++;
    if (start > 0 && lines[start - 1] === MARKER) start--;
    lines.splice(start, end - start);
  }
  if (opts.makeDefault) lines = setRootKeys(lines, { model_provider: CODEX_PROVIDER_ID, model: opts.makeDefault.model });
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  const table = stringify({ model_providers: { [CODEX_PROVIDER_ID]: opts.provider } }).trim().split('\n');
  const out = [...lines, ...(lines.length ? [''] : []), MARKER, ...table].join(eol) + eol;
  verify(before, out, opts, file);
  return out;
}

/** Sets root keys where they are, or adds them above the first table. */
function setRootKeys(lines: string[], keys: Record<string, string>): string[] {
  const firstTable = lines.findIndex((l) => ANY_HEADER.test(l));
  const rootEnd = firstTable < 0 ? lines.length : firstTable;
  const out = [...lines];
  const missing: string[] = [];
  for (const [k, v] of Object.entries(keys)) {
    const re = new RegExp(`^\\s*${k}\\s*=`);
    const i = out.slice(0, rootEnd).findIndex((l) => re.test(l));
    const line = `${k} = ${JSON.stringify(v)}`;
    if (i >= 0) out[i] = line;
    else missing.push(line);
  }
  out.splice(rootEnd, 0, ...missing, ...(missing.length && rootEnd < out.length ? [''] : []));
  return out;
}

/** The written text must parse, hold our provider (and defaults), and keep every other value of the original. */
function verify(before: Record<string, unknown>, text: string, opts: CodexOptions, file: string): void {
  let after: Record<string, unknown>;
  try {
    after = parse(text);
  } catch (e) {
    throw new ToolConfigError(`${file} could not be edited safely (${(e as Error).message.split('\n')[0]}); add the [model_providers.${CODEX_PROVIDER_ID}] table by hand`);
  }
  // smol-toml's objects are plain data; compare them as JSON (prototypes and Date instances aside).
  const plain = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  const strip = (o: Record<string, unknown>) => {
    const copy = plain(o) as Record<string, unknown>;
    const providers = copy.model_providers as Record<string, unknown> | undefined;
    if (providers) {
      delete providers[CODEX_PROVIDER_ID];
      if (Object.keys(providers).length === 0) delete copy.model_providers;
    }
    if (opts.makeDefault) {
      delete copy.model_provider;
      delete copy.model;
    }
    return copy;
  };
  const ours = plain((after.model_providers as Record<string, unknown> | undefined)?.[CODEX_PROVIDER_ID]);
  const defaultsOk = !opts.makeDefault || (after.model_provider === CODEX_PROVIDER_ID && after.model === opts.makeDefault.model);
  if (!isDeepStrictEqual(ours, { ...opts.provider }) || !defaultsOk || !isDeepStrictEqual(strip(after), strip(before))) {
    throw new ToolConfigError(`${file} could not be edited safely (its layout defines model_providers.${CODEX_PROVIDER_ID} another way); add the table by hand`);
  }
}
