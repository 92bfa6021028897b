/**
 * VS Code's language model classes <-> the plain mirrors in src/core/lm.
 * instanceof first, then the shape, because parts can come from another
 * extension's copy of a class (or a newer one this code does not know).
 */
import * as vscode from 'vscode';
import type { LmInputPart, LmMessage, LmResponsePart, LmTool, LmToolResultPart } from '../../core/lm';
import type { LanguageModelChatRequestMessage, LanguageModelResponsePart } from './hostApi';

const ROLES: Record<number, LmMessage['role']> = { 1: 'user', 2: 'assistant', 3: 'system' };

export function fromHostMessage(m: LanguageModelChatRequestMessage | vscode.LanguageModelChatMessage): LmMessage {
  return { role: ROLES[m.role as number] ?? 'user', ...(m.name ? { name: m.name } : {}), content: m.content.map(fromHostPart) };
}

export function fromHostPart(p: unknown): LmInputPart {
  if (p instanceof vscode.LanguageModelTextPart) return { type: 'text', text: p.value };
  if (p instanceof vscode.LanguageModelToolCallPart) return { type: 'toolCall', callId: p.callId, name: p.name, input: p.input };
  if (p instanceof vscode.LanguageModelToolResultPart) return toolResult(p.callId, p.content);
  const o = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
  if (typeof o.mimeType === 'string' && o.data instanceof Uint8Array) return { type: 'data', mimeType: o.mimeType, data: o.data };
  if (typeof o.callId === 'string' && typeof o.name === 'string' && 'input' in o) return { type: 'toolCall', callId: o.callId, name: o.name, input: o.input };
  if (typeof o.callId === 'string' && Array.isArray(o.content)) return toolResult(o.callId, o.content);
  if (typeof o.value === 'string') return { type: 'text', text: o.value };
  if (typeof p === 'string') return { type: 'text', text: p };
  return { type: 'other', value: o.value ?? p };
}

function toolResult(callId: string, content: readonly unknown[]): LmToolResultPart {
  const parts = content.map(fromHostPart).filter((c): c is LmToolResultPart['content'][number] => c.type === 'text' || c.type === 'data' || c.type === 'other');
  return { type: 'toolResult', callId, content: parts };
}

export function fromHostTools(tools: readonly vscode.LanguageModelChatTool[] | undefined): LmTool[] | undefined {
  return tools?.map((t) => ({ name: t.name, description: t.description, ...(t.inputSchema ? { inputSchema: t.inputSchema } : {}) }));
}

export function toHostPart(p: LmResponsePart): LanguageModelResponsePart {
  return p.type === 'text' ? new vscode.LanguageModelTextPart(p.text) : new vscode.LanguageModelToolCallPart(p.callId, p.name, (p.input ?? {}) as object);
}
