import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { appendGitignore, mergeDotenv, clientEnvironment, SDK_VARIABLES, POOL_API_VERSION } from '../../../src/core/tools';

const KEY = 'aoai-pool-0123456789abcdef';
const vars = clientEnvironment('http://127.0.0.1:8787', KEY);

describe('.env for the OpenAI and Azure OpenAI SDKs', () => {
  it('names the five variables, with the pool client key and never anything else as key', () => {
    expect(Object.keys(vars)).toEqual([...SDK_VARIABLES]);
    expect(vars).toEqual({
      OPENAI_BASE_URL: 'http://127.0.0.1:8787/v1',
      OPENAI_API_KEY: KEY,
      AZURE_OPENAI_ENDPOINT: 'http://127.0.0.1:8787',
      AZURE_OPENAI_API_KEY: KEY,
      OPENAI_API_VERSION: POOL_API_VERSION,
    });
  });

  it('writes a new .env that dotenv reads back as exactly these variables', () => {
    expect(parse(mergeDotenv(undefined, vars))).toEqual(vars);
  });

  it('replaces the variables where they stand and keeps every other line, comment, export and multi-line value', () => {
    const existing = [
      '# my project',
      'DATABASE_URL=postgres://localhost/db',
      'export OPENAI_API_KEY=sk-old-should-go',
      'PRIVATE_KEY="-----BEGIN KEY-----',
      'OPENAI_BASE_URL=https://inside.a.multiline.value',
      '-----END KEY-----"',
      '',
      "GREETING='hello # not a comment'",
      'OPENAI_BASE_URL=https://api.openai.com/v1 # trailing comment',
      '',
    ].join('\n');
    const out = mergeDotenv(existing, vars);
    const parsed = parse(out);
    const before = parse(existing);
    expect(parsed).toEqual({ ...before, ...vars });
    expect(parsed.PRIVATE_KEY).toBe('-----BEGIN KEY-----\nOPENAI_BASE_URL=https://inside.a.multiline.value\n-----END KEY-----');
    expect(out).toContain('# my project\n');
    expect(out).toContain(`export OPENAI_API_KEY=${KEY}\n`);
    expect(out).not.toContain('sk-old-should-go');
    // Written once each (two replaced in place, three appended); the look-alike line inside PRIVATE_KEY stays.
    const outside = out.replace(/PRIVATE_KEY="[^"]*"/, 'PRIVATE_KEY=...');
    for (const k of SDK_VARIABLES) expect(outside.split('\n').filter((l) => l.replace(/^export /, '').startsWith(`${k}=`)), k).toHaveLength(1);
  });

  it('keeps CRLF line endings and quotes values that need it', () => {
    const out = mergeDotenv('A=1\r\nB=2\r\n', { OPENAI_API_KEY: 'with space # and hash' });
    expect(out).toMatch(/^A=1\r\nB=2\r\n/);
    expect(out.replace(/\r\n/g, '')).not.toContain('\n');
    expect(parse(out)).toEqual({ A: '1', B: '2', OPENAI_API_KEY: 'with space # and hash' });
  });
});

describe('.gitignore', () => {
  it('adds .env so git ignores it, keeps the rest, and adds nothing when it is already there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aoai-gitignore-'));
    try {
      execFileSync('git', ['init', '-q'], { cwd: dir });
      const ignored = (file: string) => {
        try {
          execFileSync('git', ['check-ignore', '-q', file], { cwd: dir });
          return true;
        } catch {
          return false;
        }
      };
      writeFileSync(join(dir, '.gitignore'), 'node_modules/\ndist');
      expect(ignored('.env')).toBe(false);
      const next = appendGitignore('node_modules/\ndist', '.env');
      writeFileSync(join(dir, '.gitignore'), next);
      expect(ignored('.env')).toBe(true);
      expect(ignored('node_modules/x')).toBe(true);
      expect(ignored('dist')).toBe(true);
      expect(appendGitignore(next, '.env')).toBe(next);
      expect(appendGitignore(undefined, '.env')).toBe('# local secrets (AOAI Pool client key)\n.env\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
