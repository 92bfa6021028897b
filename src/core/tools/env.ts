/**
 * The environment that points the OpenAI and Azure OpenAI SDKs at the pool:
 * one list, used for the integrated terminals (src/vscode/terminalEnv.ts, via
 * view/state.ts terminalEnvironment) and for the `.env` that "Connect a
 * Tool…" writes. The key is always the pool's client key, never an Azure key.
 * - OpenAI SDKs read OPENAI_BASE_URL and OPENAI_API_KEY
 *   (https://github.com/openai/openai-node#usage, openai-python likewise);
 * - the Azure clients (`AzureOpenAI` in openai-node and openai-python) read
 *   AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and OPENAI_API_VERSION
 *   (https://learn.microsoft.com/azure/ai-foundry/openai/supported-languages).
 */

/** The api-version written for the Azure clients: the newest GA version the pool and its simulator know. */
export const POOL_API_VERSION = '2024-10-21';

/** The variable names, in the order they are written. */
export const SDK_VARIABLES = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'OPENAI_API_VERSION'] as const;

export type SdkVariable = (typeof SDK_VARIABLES)[number];

/** What an SDK needs to reach the pool at `url` (`http://127.0.0.1:PORT`) with its client key. */
export function sdkEnvironment(url: string, clientKey: string): Record<SdkVariable, string> {
  return {
    OPENAI_BASE_URL: `${url}/v1`,
    OPENAI_API_KEY: clientKey,
    AZURE_OPENAI_ENDPOINT: url,
    AZURE_OPENAI_API_KEY: clientKey,
    OPENAI_API_VERSION: POOL_API_VERSION,
  };
}
