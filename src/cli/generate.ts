/**
 * `aoai-pool generate apim`: writes what `generateApim` returns and prints the
 * deploy line. All or nothing: on any refusal, or when a file exists and
 * `--force` is absent, nothing is written.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, formatIssue, loadConfigFile } from '../core/config';
import { generateApim, MAX_POOL_MEMBERS } from '../core/generators';

export const GENERATE_USAGE = `Usage: aoai-pool generate apim [--config FILE] [--out DIR] [--force] [--resource-group RG]

Compiles the pool config into Azure API Management Bicep and policy XML:
  main.bicep             backends (one per Azure OpenAI resource), the Pool, the API and its policy
  policy.xml             retry over the pool, auth, optional token limit and token metrics
  main.parameters.json   the values the config supplies; az asks for the rest
  openaiUserRole.bicep   role assignments for Entra members (only when there are some)

Options:
  -c, --config FILE          pool config (default: ${DEFAULT_CONFIG_FILE})
  -o, --out DIR              output directory (default: apim)
  -f, --force                overwrite existing files in DIR
  -g, --resource-group RG    resource group of the APIM service, used in the printed az command
  -h, --help                 show this help

API keys are never read: api-key backends use a Key Vault secret ("keyVaultSecretUri")
or a @secure() parameter that az prompts for. A pool holds at most ${MAX_POOL_MEMBERS} backends.
`;

/** Exit codes: 0 written, 1 refused (config, APIM limits, existing files), 2 usage error. */
export async function runGenerate(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        out: { type: 'string', short: 'o' },
        force: { type: 'boolean', short: 'f' },
        'resource-group': { type: 'string', short: 'g' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    return usageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(GENERATE_USAGE);
    return 0;
  }
  const [target, ...extra] = positionals;
  if (target !== 'apim') return usageError(target === undefined ? 'say what to generate: "apim"' : `unknown target "${target}"; the only target is "apim"`);
  if (extra.length > 0) return usageError(`unexpected argument "${extra[0]}"`);

  const configFile = values.config ?? DEFAULT_CONFIG_FILE;
  const outDir = values.out ?? 'apim';
  const loaded = await loadConfigFile(configFile);
  for (const w of loaded.warnings) process.stderr.write(`warning: ${formatIssue(w)}\n`);
  if (!loaded.ok) {
    process.stderr.write(`aoai-pool: ${configFile} is not a valid pool config:\n`);
    for (const e of loaded.errors) process.stderr.write(`  ${formatIssue(e)}\n`);
    return 1;
  }

  const result = generateApim(loaded.config, { outDir, resourceGroup: values['resource-group'] });
  if (!result.ok) {
    for (const e of result.errors) process.stderr.write(`error: ${e}\n`);
    process.stderr.write('aoai-pool: nothing was written\n');
    return 1;
  }

  const targets = result.files.map((f) => ({ ...f, full: join(outDir, f.path) }));
  if (!values.force) {
    const existing = (await Promise.all(targets.map(async (t) => ((await exists(t.full)) ? t.full : undefined)))).filter(Boolean);
    if (existing.length > 0) {
      process.stderr.write(`aoai-pool: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; pass --force to overwrite. Nothing was written.\n`);
      return 1;
    }
  }
  await mkdir(outDir, { recursive: true });
  for (const t of targets) await writeFile(t.full, t.content, 'utf8');

  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`Wrote ${targets.map((t) => t.full).join(', ')}\n\nDeploy with:\n  ${result.deployCommand}\n`);
  if (result.promptedParameters.length > 0) {
    process.stdout.write(`az will ask for: ${result.promptedParameters.join(', ')}\n`);
  }
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`aoai-pool generate: ${message}\n\n${GENERATE_USAGE}`);
  return 2;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
