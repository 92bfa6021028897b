/**
 * A tiny Bicep printer: values as plain data, one property per line, so the
 * generated files are stable, diffable and need no formatter.
 */

/** A Bicep expression written as is (a symbolic reference, a function call). */
export class Expr {
  constructor(readonly text: string) {}
}

export const expr = (text: string): Expr => new Expr(text);

export type BicepValue =
  | string
  | number
  | boolean
  | Expr
  | readonly BicepValue[]
  | { readonly [key: string]: BicepValue | undefined };

/** A single-quoted Bicep string; `${` is escaped so config text can never become an interpolation. */
export function bicepString(s: string): string {
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\$\{/g, '\\${')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `'${body}'`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function renderValue(value: BicepValue, indent = ''): string {
  if (typeof value === 'string') return bicepString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Expr) return value.text;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v: BicepValue) => `${inner}${renderValue(v, inner)}`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, BicepValue | undefined>).filter(
    (e): e is [string, BicepValue] => e[1] !== undefined,
  );
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => `${inner}${IDENT.test(k) ? k : bicepString(k)}: ${renderValue(v, inner)}`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

export interface ParamSpec {
  name: string;
  type: 'string' | 'int' | 'bool';
  description: string;
  secure?: boolean;
  defaultValue?: string;
  minLength?: number;
  maxLength?: number;
}

export function renderParam(p: ParamSpec): string {
  const lines = [`@description(${bicepString(p.description)})`];
  if (p.secure) lines.push('@secure()');
  if (p.minLength !== undefined) lines.push(`@minLength(${p.minLength})`);
  if (p.maxLength !== undefined) lines.push(`@maxLength(${p.maxLength})`);
  const def = p.defaultValue === undefined ? '' : ` = ${bicepString(p.defaultValue)}`;
  lines.push(`param ${p.name} ${p.type}${def}`);
  return lines.join('\n');
}

export function renderResource(
  symbol: string,
  type: string,
  body: BicepValue,
  opts: { existing?: boolean; comment?: string } = {},
): string {
  const head = opts.comment ? `// ${opts.comment}\n` : '';
  return `${head}resource ${symbol} ${bicepString(type)}${opts.existing ? ' existing' : ''} = ${renderValue(body)}`;
}

export function renderModule(symbol: string, path: string, body: BicepValue, comment?: string): string {
  const head = comment ? `// ${comment}\n` : '';
  return `${head}module ${symbol} ${bicepString(path)} = ${renderValue(body)}`;
}
