/**
 * Golden files for every config under test/fixtures/apim/<case>/config.json
 * (optional options.json next to it). `UPDATE_GOLDEN=1 npx vitest run
 * test/unit/generators` rewrites the expected/ folders; review the diff.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/core/config';
import { generateApim, type ApimOptions } from '../../../src/core/generators';
import { bicepSyntaxProblems } from './helpers/bicepGrammar';
import { parsePolicyXml } from './helpers/policyXmlParser';

const FIXTURES = fileURLToPath(new URL('../../fixtures/apim/', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const cases = readdirSync(FIXTURES).filter((d) => statSync(join(FIXTURES, d)).isDirectory()).sort();

function outputs(caseDir: string): Record<string, string> {
  const parsed = parseConfigText(readFileSync(join(caseDir, 'config.json'), 'utf8'));
  if (!parsed.ok) throw new Error(`fixture config is invalid: ${JSON.stringify(parsed.errors)}`);
  const optionsFile = join(caseDir, 'options.json');
  const options = existsSync(optionsFile) ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as ApimOptions) : {};
  const result = generateApim(parsed.config, { outDir: 'out', ...options });
  if (!result.ok) return { 'errors.txt': `${result.errors.join('\n')}\n` };
  return {
    ...Object.fromEntries(result.files.map((f) => [f.path, f.content])),
    'warnings.txt': `${result.warnings.join('\n')}\n`,
    'deploy.txt': `${result.deployCommand}\nprompted: ${result.promptedParameters.join(', ') || '(none)'}\n`,
  };
}

it('has the fixture cases the issue asks for', () => {
  expect(cases).toEqual(expect.arrayContaining(['one-backend', 'classic-three', 'mixed-auth', 'awkward-names', 'missing-weights', 'over-limit']));
});

describe.each(cases)('fixture %s', (name) => {
  const dir = join(FIXTURES, name);
  const expectedDir = join(dir, 'expected');
  const actual = outputs(dir);

  it('matches the golden files', () => {
    if (UPDATE) {
      rmSync(expectedDir, { recursive: true, force: true });
      mkdirSync(expectedDir, { recursive: true });
      for (const [file, content] of Object.entries(actual)) writeFileSync(join(expectedDir, file), content);
    }
    expect(Object.keys(actual).sort()).toEqual(readdirSync(expectedDir).sort());
    for (const [file, content] of Object.entries(actual)) {
      expect(content, `${name}/expected/${file} (UPDATE_GOLDEN=1 rewrites it)`).toBe(readFileSync(join(expectedDir, file), 'utf8'));
    }
  });

  it('produces Bicep that the Bicep grammar accepts', async () => {
    for (const [file, content] of Object.entries(actual).filter(([f]) => f.endsWith('.bicep'))) {
      expect(await bicepSyntaxProblems(content), file).toEqual([]);
    }
  });

  it('produces a well-formed policy', () => {
    if (!('policy.xml' in actual)) return;
    expect(parsePolicyXml(actual['policy.xml']!).name).toBe('policies');
  });

  it('writes nothing but an error when the config is over a limit', () => {
    if (!('errors.txt' in actual)) return;
    expect(Object.keys(actual)).toEqual(['errors.txt']);
  });
});
