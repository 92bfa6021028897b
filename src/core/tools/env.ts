/**
 * The environment that points the official SDKs at the pool, so that
 * `OpenAI()` and `AzureOpenAI()` work with no arguments, in Python and in
 * Node. One list, used by every place that hands it out: the terminals the
 * extension prepares (src/vscode/terminalEnv.ts), the lines `aoai-pool serve`
 * prints, and the `.env` that "Connect a Tool…" writes.
 *
 * What each SDK reads (issue 9 checked them at their source):
 * - openai-python `OpenAI()`: OPENAI_API_KEY, OPENAI_BASE_URL (src/openai/_client.py).
 * - openai-python `AzureOpenAI()`: AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT
 *   (its base becomes ENDPOINT + "/openai") and OPENAI_API_VERSION, which it
 *   requires; it never reads OPENAI_BASE_URL (src/openai/lib/azure.py).
 * - openai-node `new OpenAI()`: OPENAI_API_KEY, OPENAI_BASE_URL (src/client.ts).
 * - openai-node `new AzureOpenAI()`: OPENAI_BASE_URL first, AZURE_OPENAI_ENDPOINT
 *   only without it, AZURE_OPENAI_API_KEY, and OPENAI_API_VERSION, which it
 *   requires (src/azure.ts). With our OPENAI_BASE_URL it sends
 *   `/v1/deployments/{model}/chat/completions?api-version=…` and
 *   `/v1/responses?api-version=…`; the pool routes both as Azure paths
 *   (src/core/proxy/routes.ts).
 */

/**
 * The api-version the Azure clients send. A dated version (the Azure clients
 * put the model in a `/deployments/` path only for dated versions) recent
 * enough for the Responses API on the dated path (`/openai/responses`), which
 * arrived in 2025-03-01-preview:
 * https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
 */
export const POOL_API_VERSION = '2025-04-01-preview';

/** The variable names, in the order they are written. */
export const SDK_VARIABLES = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_API_KEY', 'OPENAI_API_VERSION'] as const;

export type SdkVariable = (typeof SDK_VARIABLES)[number];

/** What an SDK needs to reach the pool at `url` (`http://127.0.0.1:PORT`) with its client key. */
export function clientEnvironment(url: string, clientKey: string): Record<SdkVariable, string> {
  return {
    OPENAI_BASE_URL: `${url}/v1`,
    OPENAI_API_KEY: clientKey,
    AZURE_OPENAI_ENDPOINT: url,
    AZURE_OPENAI_API_KEY: clientKey,
    OPENAI_API_VERSION: POOL_API_VERSION,
  };
}
