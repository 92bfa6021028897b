/**
 * The Language Model Chat Provider API, finalized in VS Code 1.104, declared
 * here for exactly what this extension uses: `@types/vscode` stays at the
 * oldest supported engine (1.100), which has none of it. Shapes copied from
 * vscode.d.ts 1.104 (LanguageModelChatProvider, LanguageModelChatInformation,
 * LanguageModelChatRequestMessage, ProvideLanguageModelChatResponseOptions);
 * LanguageModelDataPart (1.106) is only duck-typed.
 */
import * as vscode from 'vscode';

export interface LanguageModelChatInformation {
  readonly id: string;
  readonly name: string;
  readonly family: string;
  readonly version: string;
  readonly tooltip?: string;
  readonly detail?: string;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  readonly capabilities: { readonly imageInput?: boolean; readonly toolCalling?: boolean | number };
}

export interface LanguageModelChatRequestMessage {
  /** 1 user, 2 assistant; 3 is the system role of the proposed languageModelSystem API that Copilot Chat sends. */
  readonly role: number;
  readonly content: ReadonlyArray<unknown>;
  readonly name: string | undefined;
}

export interface ProvideLanguageModelChatResponseOptions {
  readonly modelOptions?: { readonly [name: string]: unknown };
  readonly tools?: readonly vscode.LanguageModelChatTool[];
  readonly toolMode: vscode.LanguageModelChatToolMode;
}

export type LanguageModelResponsePart = vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart;

export interface LanguageModelChatProvider<T extends LanguageModelChatInformation = LanguageModelChatInformation> {
  readonly onDidChangeLanguageModelChatInformation?: vscode.Event<void>;
  provideLanguageModelChatInformation(options: { readonly silent: boolean }, token: vscode.CancellationToken): vscode.ProviderResult<T[]>;
  provideLanguageModelChatResponse(
    model: T,
    messages: readonly LanguageModelChatRequestMessage[],
    options: ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Thenable<void>;
  provideTokenCount(model: T, text: string | LanguageModelChatRequestMessage, token: vscode.CancellationToken): Thenable<number>;
}

type Register = (vendor: string, provider: LanguageModelChatProvider) => vscode.Disposable;

/** The version that finalized the API: older hosts may expose a proposed function of the same name that throws. */
export const LM_PROVIDER_MIN_VERSION = '1.104.0';

/** `vscode.lm.registerLanguageModelChatProvider` when this VS Code has the finalized API; otherwise undefined. */
export function languageModelProviderApi(): Register | undefined {
  const lm = (vscode as { lm?: { registerLanguageModelChatProvider?: Register } }).lm;
  if (typeof lm?.registerLanguageModelChatProvider !== 'function') return undefined;
  if (!atLeast(vscode.version, LM_PROVIDER_MIN_VERSION)) return undefined;
  return (vendor, provider) => lm.registerLanguageModelChatProvider!(vendor, provider);
}

/** `1.139.1-insider` >= `1.104.0`, numerically per part. */
export function atLeast(version: string, min: string): boolean {
  const a = version.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  const b = min.split('.').map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < 3; i++) {
    const d = (a[i] || 0) - (b[i] || 0);
    if (d !== 0) return d > 0;
  }
  return true;
}
