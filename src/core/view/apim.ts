/**
 * The few questions "Generate APIM Pool" asks, folded into the generator's
 * input. The generator itself (src/core/generators) is loaded only when the
 * command runs; this file only shares its types.
 */
import { DEFAULT_APIM_API_NAME } from '../config/defaults';
import type { PoolConfig } from '../config/types';
import type { ApimOptions } from '../generators';

export interface ApimAnswers {
  /** Empty = leave it a Bicep parameter. */
  serviceName: string | undefined;
  /** Undefined = no `azure-openai-token-limit`. */
  tokensPerMinute: number | undefined;
  tokenMetrics: boolean;
  /** Attach the policy to an existing API instead of creating one. */
  existingApi: boolean;
  /** Folder the files go to (for the deploy command); `.` until saved. */
  outDir?: string;
  /** Tests: save to this folder at once, as "Save to Folder" would after its dialog. */
  saveTo?: string;
}

/** The API name the generator writes: the prompt shows this one, never another default. */
export function apimApiName(config: PoolConfig): string {
  return config.apim.apiName ?? DEFAULT_APIM_API_NAME;
}

export function apimRequest(config: PoolConfig, a: ApimAnswers): { config: PoolConfig; options: ApimOptions } {
  return {
    config: { ...config, apim: { ...config.apim, serviceName: a.serviceName || config.apim.serviceName } },
    options: { tokensPerMinute: a.tokensPerMinute, tokenMetrics: a.tokenMetrics, existingApi: a.existingApi, outDir: a.outDir },
  };
}

/** Editor language for a generated file; an uninstalled language (bicep) falls back to plain text. */
export function editorLanguage(path: string, available: readonly string[]): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const wanted = ext === 'bicep' ? 'bicep' : ext === 'xml' ? 'xml' : ext === 'json' ? 'json' : 'plaintext';
  return available.includes(wanted) ? wanted : 'plaintext';
}
