/** Reads a config file (JSON with comments allowed) and validates it. */
import { readFile } from 'node:fs/promises';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { validateConfig, type ValidateOptions } from './validate';
import type { ConfigResult } from './types';

export const DEFAULT_CONFIG_FILE = 'aoai-pool.json';

/** Parses config text; syntax errors come back as issues with line:column. */
export function parseConfigText(text: string, options?: ValidateOptions): ConfigResult {
  const errors: ParseError[] = [];
  const raw: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    return {
      ok: false,
      warnings: [],
      errors: errors.map((e) => {
        const { line, column } = lineColumn(text, e.offset);
        return { path: `line ${line}:${column}`, message: `${describe(printParseErrorCode(e.error))}; fix the JSON syntax there` };
      }),
    };
  }
  return validateConfig(raw, options);
}

export async function loadConfigFile(file: string, options?: ValidateOptions): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((e as Error).message);
    return { ok: false, warnings: [], errors: [{ path: file, message: `cannot read the config file (${why}); pass --config with the path of an aoai-pool.json` }] };
  }
  return parseConfigText(text, options);
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function describe(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
