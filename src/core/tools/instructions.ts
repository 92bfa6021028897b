/**
 * Copy-paste texts for what the pool cannot configure itself. Cline keeps
 * its provider settings in its own VS Code storage, which no other extension
 * can write (https://docs.cline.bot/provider-config/openai-compatible: API
 * Provider "OpenAI Compatible", Base URL, API Key, Model ID). The key appears
 * only as a reference (an environment variable a VS Code terminal has while
 * the pool runs) or as "copied to the clipboard", never in the text itself.
 */
import { POOL_API_VERSION } from './env';

export interface PoolTarget {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The chat alias to suggest first. */
  model: string;
}

export function clineSteps(t: PoolTarget): string {
  return [
    'Cline keeps its provider settings in its own storage, so AOAI Pool cannot write them. In Cline:',
    '1. Open Cline, click the gear icon (Settings).',
    '2. API Provider: OpenAI Compatible',
    `3. Base URL: ${t.url}/v1`,
    '4. API Key: paste the pool\'s client key (use "Copy Client Key").',
    `5. Model ID: ${t.model}`,
    '6. Leave "Use Azure Identity Authentication" off: the pool signs in to Azure for you.',
  ].join('\n');
}

/** A curl line that a VS Code terminal can run as is: it has AZURE_OPENAI_API_KEY = the client key while the pool runs. */
export function curlCommand(t: PoolTarget): string {
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'Hello' }] });
  return `curl -s '${t.url}/openai/deployments/${t.model}/chat/completions?api-version=${POOL_API_VERSION}' `
    + `-H "api-key: $AZURE_OPENAI_API_KEY" -H 'content-type: application/json' -d '${body}'`;
}
