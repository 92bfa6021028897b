/**
 * Registers the pool's language model provider where the running VS Code has
 * the API (1.104+). On older versions nothing happens beyond a log line: the
 * rest of the extension works as before, and the `languageModelChatProviders`
 * contribution is an unknown key those versions ignore.
 */
import * as vscode from 'vscode';
import { LM_VENDOR } from '../../core/view';
import type { Shell } from '../shell';
import { languageModelProviderApi, LM_PROVIDER_MIN_VERSION } from './hostApi';
import { PoolChatProvider } from './provider';

export function registerLanguageModels(shell: Shell): vscode.Disposable[] {
  const register = languageModelProviderApi();
  if (!register) {
    shell.log.info(`VS Code ${vscode.version} has no language model provider API (needs ${LM_PROVIDER_MIN_VERSION}): the pool's models are not in the chat model picker`);
    return [];
  }
  const provider = new PoolChatProvider(shell.controller, shell.log, shell.redactor);
  try {
    return [provider, register(LM_VENDOR, provider)];
  } catch (e) {
    provider.dispose();
    shell.log.warn(`cannot register the pool as a language model provider: ${e instanceof Error ? e.message : String(e)}`);
    return [];
  }
}
