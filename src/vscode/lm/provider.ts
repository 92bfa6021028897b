/**
 * The pool as a VS Code language model provider: every chat alias is a model
 * in the chat model picker and in `vscode.lm.selectChatModels({ vendor:
 * 'aoai-pool' })`. Requests go over HTTP through the running proxy (this
 * window's, or the one another window runs on the port), so balancing,
 * failover, cooldowns, the log and the tree all see them.
 */
import * as vscode from 'vscode';
import {
  countMessageTokens, listPoolAliases, modelSourcesOf, namedChatModels, poolChatModels, stoppedError, streamChat, toChatBody,
  type PoolChatModel,
} from '../../core/lm';
import type { Redactor } from '../../core';
import type { PoolController } from '../controller';
import type { ShellLog } from '../log';
import { fromHostMessage, fromHostTools, toHostPart } from './convert';
import type {
  LanguageModelChatInformation, LanguageModelChatProvider, LanguageModelChatRequestMessage, LanguageModelResponsePart,
  ProvideLanguageModelChatResponseOptions,
} from './hostApi';

interface PoolModelInformation extends LanguageModelChatInformation {
  /** The name the tokenizer goes by (family, or the alias when the family is unknown). */
  readonly tokenizerModel: string;
}

export class PoolChatProvider implements LanguageModelChatProvider<PoolModelInformation>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  private lastSignature = '';

  constructor(
    private readonly controller: PoolController,
    private readonly log: ShellLog,
    private readonly redactor: Redactor,
  ) {
    // The model list follows the pool: backends, aliases, and which pool runs.
    this.subscriptions = [controller.onDidChangePool(() => this.poolChanged()), controller.onDidChangeState(() => this.poolChanged())];
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }

  async provideLanguageModelChatInformation(): Promise<PoolModelInformation[]> {
    return (await this.models()).map(toInformation);
  }

  async provideLanguageModelChatResponse(
    model: PoolModelInformation,
    messages: readonly LanguageModelChatRequestMessage[],
    options: ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    if (this.controller.current.status === 'starting') await this.controller.whenIdle();
    const state = this.controller.current;
    if ((state.status !== 'running' && state.status !== 'elsewhere') || !state.url) throw stoppedError(undefined);
    const abort = new AbortController();
    const onCancel = token.onCancellationRequested(() => abort.abort());
    if (token.isCancellationRequested) abort.abort();
    try {
      const result = await streamChat({
        url: state.url,
        clientKey: await this.controller.clientKey(),
        alias: model.id,
        body: toChatBody(messages.map(fromHostMessage), {
          images: model.capabilities.imageInput === true,
          tools: fromHostTools(options.tools),
          // LanguageModelChatToolMode.Required = 2.
          toolMode: (options.toolMode as number) === 2 ? 'required' : 'auto',
          modelOptions: options.modelOptions,
        }),
        signal: abort.signal,
        onPart: (p) => progress.report(toHostPart(p)),
        mask: (t) => this.redactor.mask(t),
      });
      if (result.finishReason === 'length') this.log.info(`language model ${model.id}: the answer stopped at the output limit`);
    } catch (e) {
      if (!abort.signal.aborted) this.log.warn(`language model ${model.id}: ${this.redactor.mask(e instanceof Error ? e.message : String(e))}`);
      throw e;
    } finally {
      onCancel.dispose();
    }
  }

  async provideTokenCount(model: PoolModelInformation, text: string | LanguageModelChatRequestMessage): Promise<number> {
    // Older hosts may pass back a copy without our extra field: the family names the encoding as well.
    const name = model.tokenizerModel ?? model.family;
    return countMessageTokens(typeof text === 'string' ? text : fromHostMessage(text), name);
  }

  /** Models of the pool this window talks to: its own (running or from settings), or another window's. */
  private async models(): Promise<PoolChatModel[]> {
    const proxy = this.controller.proxyServer;
    if (proxy) return poolChatModels(modelSourcesOf(proxy.config.backends));
    const fromSettings = poolChatModels(modelSourcesOf(this.controller.settingsConfig?.backends ?? []));
    const state = this.controller.current;
    if (state.status !== 'elsewhere' || !state.url) return fromSettings;
    // Another window's pool may serve other aliases (its own demo, say): ask it, and keep what the settings know about each.
    const aliases = await listPoolAliases(state.url, await this.controller.clientKey());
    if (!aliases) return fromSettings;
    const known = new Map(fromSettings.map((m) => [m.id, m]));
    return namedChatModels(aliases).map((m) => known.get(m.id) ?? m);
  }

  private poolChanged(): void {
    const s = this.controller.current;
    const proxy = this.controller.proxyServer;
    const backends = proxy?.config.backends ?? this.controller.settingsConfig?.backends ?? [];
    const signature = JSON.stringify([s.status, s.url, backends.map((b) => [b.name, b.enabled, b.deployments])]);
    if (signature === this.lastSignature) return;
    this.lastSignature = signature;
    this.changed.fire();
  }
}

function toInformation(m: PoolChatModel): PoolModelInformation {
  return {
    id: m.id,
    name: m.name,
    family: m.family,
    version: m.version,
    detail: m.detail,
    tooltip: m.tooltip,
    maxInputTokens: m.maxInputTokens,
    maxOutputTokens: m.maxOutputTokens,
    // Always an object: the host reads its fields unguarded.
    capabilities: { imageInput: m.imageInput, toolCalling: m.toolCalling },
    tokenizerModel: m.family === 'unknown' ? m.id : m.family,
  };
}
