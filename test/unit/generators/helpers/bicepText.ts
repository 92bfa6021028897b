/** Slices of generated Bicep text, for assertions about one declaration. */

/** The whole `resource <symbol> ...` or `module <symbol> ...` declaration, braces included. */
export function declaration(source: string, symbol: string): string {
  const start = source.search(new RegExp(`^(resource|module) ${symbol} `, 'm'));
  if (start < 0) throw new Error(`no declaration "${symbol}" in the Bicep`);
  const open = source.indexOf('{', start);
  let depth = 0;
  let inString = false;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === "'") inString = false;
    } else if (c === "'") inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return source.slice(start, i + 1);
  }
  throw new Error(`declaration "${symbol}" is not closed`);
}

/** Symbols of every `resource`/`module` declaration, in file order. */
export function declarationOrder(source: string): string[] {
  return [...source.matchAll(/^(?:resource|module) (\w+) /gm)].map((m) => m[1]!);
}
