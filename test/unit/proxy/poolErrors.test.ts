import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { POOL_ERRORS, poolErrorStatus } from '../../../src/core/proxy/poolErrors';

const root = join(__dirname, '..', '..', '..');

/** The rows of the README's "Error codes" table: code -> status. */
function readmeCodes(): Map<string, number> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('### Error codes');
  expect(start).toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf('\n#', start + 1));
  const rows = new Map<string, number>();
  for (const m of section.matchAll(/^\| `([A-Za-z]+)` \| (\d{3}) \|/gm)) rows.set(m[1]!, Number(m[2]));
  return rows;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the error catalogue', () => {
  it('is listed in the README, code for code and status for status', () => {
    const listed = readmeCodes();
    const catalogued = new Map(Object.entries(POOL_ERRORS).map(([code, e]) => [code, e.status]));
    expect(listed.size).toBeGreaterThan(10);
    expect(Object.fromEntries(listed)).toEqual(Object.fromEntries(catalogued));
  });

  it('gives each code one status, a type and a message', () => {
    for (const [code, e] of Object.entries(POOL_ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(poolErrorStatus(code as keyof typeof POOL_ERRORS)).toBe(e.status);
      expect(e.type).toMatch(/_error$/);
      expect(e.when.length).toBeGreaterThan(10);
    }
  });

  it('is the only place in the proxy that writes an error body', () => {
    const offenders = sources(join(root, 'src', 'core', 'proxy'))
      .filter((f) => !f.endsWith('poolErrors.ts'))
      .filter((f) => /azureErrorBody\(|\{\s*error\s*:/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
