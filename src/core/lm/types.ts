/**
 * Plain mirrors of the VS Code language model types the provider handles
 * (vscode.d.ts 1.104+: LanguageModelChatRequestMessage, LanguageModelTextPart,
 * LanguageModelToolCallPart, LanguageModelToolResultPart, LanguageModelDataPart,
 * LanguageModelChatTool). The shell (src/vscode/lm) maps VS Code's classes to
 * these and back, so every conversion below is tested without VS Code.
 */
export type LmRole = 'system' | 'user' | 'assistant';

export interface LmTextPart {
  type: 'text';
  text: string;
}

export interface LmToolCallPart {
  type: 'toolCall';
  callId: string;
  name: string;
  /** The parsed JSON arguments. */
  input: unknown;
}

/** Bytes with a MIME type: images, and data VS Code attaches (JSON, text, its own markers). */
export interface LmDataPart {
  type: 'data';
  mimeType: string;
  data: Uint8Array;
}

/** A part the provider does not know (prompt-tsx trees, future kinds); its text is extracted where it matters. */
export interface LmOtherPart {
  type: 'other';
  value: unknown;
}

export interface LmToolResultPart {
  type: 'toolResult';
  callId: string;
  content: (LmTextPart | LmDataPart | LmOtherPart)[];
}

export type LmInputPart = LmTextPart | LmToolCallPart | LmToolResultPart | LmDataPart | LmOtherPart;

export interface LmMessage {
  role: LmRole;
  name?: string;
  content: LmInputPart[];
}

export interface LmTool {
  name: string;
  description: string;
  /** JSON schema of the input; VS Code allows none. */
  inputSchema?: object;
}

/** VS Code's LanguageModelChatToolMode: Auto = 1, Required = 2. */
export type LmToolMode = 'auto' | 'required';

/** What the provider reports back as the response streams. */
export type LmResponsePart = LmTextPart | LmToolCallPart;
