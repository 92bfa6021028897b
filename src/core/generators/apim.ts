/**
 * "Generate APIM Pool": the pool config compiled to Bicep and policy XML for
 * Azure API Management (issue 4). Pure: no file system, no environment, and no
 * API key is ever read. The CLI and the extension both call `generateApim`.
 */
import type { PoolConfig } from '../config';
import { renderMainBicep, renderParametersJson, renderRoleModule, ROLE_MODULE_FILE } from './bicep';
import { planApim, type BreakerSettings } from './plan';
import { renderPolicyXml } from './policyXml';
import { apimWarnings } from './warnings';

export interface ApimOptions {
  /** Directory the files will be written to; only used in `deployCommand`. Default `.`. */
  outDir?: string;
  /** Resource group of the APIM service, for `deployCommand`. Default: a `<resource-group>` placeholder. */
  resourceGroup?: string;
  /** Overrides `apim.tokensPerMinute` from the config. */
  tokensPerMinute?: number;
  /** Overrides `apim.tokenMetrics` from the config. */
  tokenMetrics?: boolean;
  /** Circuit breaker of every member; defaults trip on the first 429/5xx for `cooldown.defaultSec`. */
  breaker?: Partial<BreakerSettings>;
  /** Attach the policy to an API that already exists (named by the `apiName` parameter) instead of creating one. */
  existingApi?: boolean;
}

export interface GeneratedFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
}

export type ApimResult =
  | {
      ok: true;
      files: GeneratedFile[];
      warnings: string[];
      /** The `az deployment group create` line for the written files. */
      deployCommand: string;
      /** Parameters with no value in main.parameters.json: `az` asks for them. */
      promptedParameters: string[];
    }
  | { ok: false; errors: string[]; warnings: string[] };

/**
 * Compiles a validated pool config into main.bicep, policy.xml and
 * main.parameters.json (plus the role-assignment module when a member uses
 * Entra). Refuses, with errors and no files, what APIM would refuse.
 */
export function generateApim(config: PoolConfig, options: ApimOptions = {}): ApimResult {
  const planned = planApim(config, options);
  if (!planned.ok) return { ok: false, errors: planned.errors, warnings: [] };
  const plan = planned.plan;

  const files: GeneratedFile[] = [
    { path: 'main.bicep', content: renderMainBicep(plan) },
    { path: 'policy.xml', content: renderPolicyXml(plan) },
    { path: 'main.parameters.json', content: renderParametersJson(plan) },
  ];
  if (plan.members.some((m) => m.role)) files.push({ path: ROLE_MODULE_FILE, content: renderRoleModule() });

  const promptedParameters = plan.params
    .filter((p) => !(plan.existingApi && p.name === 'apiPath'))
    .filter((p) => p.secure || (p.fileValue === undefined && p.defaultValue === undefined))
    .map((p) => p.name);

  return {
    ok: true,
    files,
    warnings: apimWarnings(config, plan),
    deployCommand: deployCommand(options.outDir ?? '.', options.resourceGroup),
    promptedParameters,
  };
}

function deployCommand(outDir: string, resourceGroup: string | undefined): string {
  const dir = outDir.replace(/[\\/]+$/, '') || '.';
  const join = (f: string) => shellQuote(`${dir}/${f}`);
  return [
    'az deployment group create',
    `--resource-group ${resourceGroup === undefined ? '<resource-group>' : shellQuote(resourceGroup)}`,
    `--template-file ${join('main.bicep')}`,
    `--parameters ${join('main.parameters.json')}`,
  ].join(' ');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
