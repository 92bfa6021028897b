import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runGenerate } from '../../../src/cli/generate';

let dir: string;
let out: string[];
let err: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aoai-pool-gen-'));
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(backends: number): Promise<string> {
  const file = join(dir, 'aoai-pool.json');
  const list = Array.from({ length: backends }, (_, i) => ({
    name: `b${i}`,
    endpoint: `https://b${i}.openai.azure.com`,
    keyVaultSecretUri: `https://kv.vault.azure.net/secrets/b${i}`,
  }));
  await writeFile(file, JSON.stringify({ backends: list, apim: { serviceName: 'my-apim' } }));
  return file;
}

describe('aoai-pool generate apim', () => {
  it('writes main.bicep, policy.xml and main.parameters.json and prints the az line', async () => {
    const config = await writeConfig(3);
    const outDir = join(dir, 'apim');
    expect(await runGenerate(['apim', '--config', config, '--out', outDir, '-g', 'rg-x'])).toBe(0);
    expect((await readdir(outDir)).sort()).toEqual(['main.bicep', 'main.parameters.json', 'policy.xml']);
    expect(await readFile(join(outDir, 'policy.xml'), 'utf8')).toContain('<retry');
    expect(out.join('')).toContain(`az deployment group create --resource-group rg-x --template-file ${outDir}/main.bicep`);
  });

  it('writes nothing and exits 1 over the 30-member limit', async () => {
    const config = await writeConfig(31);
    const outDir = join(dir, 'apim');
    expect(await runGenerate(['apim', '--config', config, '--out', outDir])).toBe(1);
    expect(err.join('')).toMatch(/at most 30 backends/);
    await expect(readdir(outDir)).rejects.toThrow();
  });

  it('refuses to overwrite without --force, and overwrites with it', async () => {
    const config = await writeConfig(1);
    const outDir = join(dir, 'apim');
    await mkdir(outDir);
    await writeFile(join(outDir, 'policy.xml'), 'mine');
    expect(await runGenerate(['apim', '-c', config, '-o', outDir])).toBe(1);
    expect(await readdir(outDir)).toEqual(['policy.xml']);
    expect(await readFile(join(outDir, 'policy.xml'), 'utf8')).toBe('mine');
    expect(await runGenerate(['apim', '-c', config, '-o', outDir, '--force'])).toBe(0);
    expect(await readFile(join(outDir, 'policy.xml'), 'utf8')).toContain('<policies>');
  });

  it('reports config errors with exit code 1', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, '{"backends": [{"name": "x", "endpoint": "ftp://x"}]}');
    expect(await runGenerate(['apim', '--config', file, '--out', join(dir, 'o')])).toBe(1);
    expect(err.join('')).toContain('backends[0].endpoint');
  });

  it('prints help, and exit code 2 on usage errors', async () => {
    expect(await runGenerate(['--help'])).toBe(0);
    expect(out.join('')).toContain('Usage: aoai-pool generate apim');
    expect(await runGenerate(['terraform'])).toBe(2);
    expect(await runGenerate([])).toBe(2);
    expect(await runGenerate(['apim', '--bogus'])).toBe(2);
  });
});
