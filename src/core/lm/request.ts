/**
 * VS Code chat messages and tools -> a Chat Completions request body, as the
 * Azure OpenAI and OpenAI references describe it
 * (https://learn.microsoft.com/azure/ai-foundry/openai/reference#chat-completions,
 * https://platform.openai.com/docs/api-reference/chat/create):
 * - a tool call is an assistant message's `tool_calls` entry
 *   `{id, type: "function", function: {name, arguments: "<JSON>"}}`;
 * - its result is a `{role: "tool", tool_call_id, content}` message that must
 *   directly follow that assistant message, so tool results that VS Code puts
 *   in a user message go first, before the rest of that user message;
 * - images are `{type: "image_url", image_url: {url: "data:<mime>;base64,..."}}`
 *   content parts of a user message (png, jpeg, gif, webp).
 */
import type { LmDataPart, LmInputPart, LmMessage, LmOtherPart, LmTextPart, LmTool, LmToolMode } from './types';

export interface ChatBodyOptions {
  tools?: readonly LmTool[];
  toolMode?: LmToolMode;
  /** The model takes images; otherwise an image becomes a short note, not a 400 from Azure. */
  images: boolean;
  /** VS Code's `modelOptions`: only the Chat Completions parameters in MODEL_OPTIONS pass. */
  modelOptions?: Readonly<Record<string, unknown>>;
}

export type ChatContent = string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[];

export interface ChatRequestMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: ChatContent | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

export interface ChatRequestBody {
  messages: ChatRequestMessage[];
  stream: true;
  tools?: { type: 'function'; function: { name: string; description: string; parameters: object } }[];
  tool_choice?: 'required';
  [option: string]: unknown;
}

/** Request parameters a caller may set through `modelOptions`; anything else (n, stream, messages...) would break the exchange. */
export const MODEL_OPTIONS: readonly string[] = [
  'temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'stop', 'seed', 'presence_penalty',
  'frequency_penalty', 'logit_bias', 'user', 'response_format', 'reasoning_effort', 'parallel_tool_calls', 'verbosity',
];

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
/** OpenAI's rule for `name`: letters, digits, `_` and `-`, at most 64. */
const VALID_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Builds the streaming request body for `messages`. */
export function toChatBody(messages: readonly LmMessage[], options: ChatBodyOptions): ChatRequestBody {
  const out: ChatRequestMessage[] = [];
  for (const m of messages) {
    const name = m.name && VALID_NAME.test(m.name) ? { name: m.name } : {};
    if (m.role === 'system') {
      out.push({ role: 'system', content: textOf(m.content), ...name });
    } else if (m.role === 'assistant') {
      out.push(assistantMessage(m.content, name));
    } else {
      for (const p of m.content) {
        if (p.type === 'toolResult') out.push({ role: 'tool', tool_call_id: p.callId, content: textOf(p.content) });
      }
      const rest = m.content.filter((p) => p.type !== 'toolResult');
      const content = userContent(rest, options.images);
      if (content !== undefined) out.push({ role: 'user', content, ...name });
    }
  }
  const body: ChatRequestBody = { messages: out, stream: true };
  for (const key of MODEL_OPTIONS) {
    const value = options.modelOptions?.[key];
    if (value !== undefined) body[key] = value;
  }
  if (options.tools?.length) {
    body.tools = options.tools.map((t) => ({
      type: 'function',
      // The API requires an object schema; VS Code tools may have none.
      function: { name: t.name, description: t.description, parameters: t.inputSchema ?? { type: 'object', properties: {} } },
    }));
    if (options.toolMode === 'required') body.tool_choice = 'required';
  }
  return body;
}

function assistantMessage(parts: readonly LmInputPart[], name: { name?: string }): ChatRequestMessage {
  const calls = parts.flatMap((p) => (p.type === 'toolCall'
    ? [{ id: p.callId, type: 'function' as const, function: { name: p.name, arguments: JSON.stringify(p.input ?? {}) } }]
    : []));
  const text = textOf(parts);
  // With tool calls, an empty content is null in the API's own examples.
  return { role: 'assistant', content: calls.length && text === '' ? null : text, ...(calls.length ? { tool_calls: calls } : {}), ...name };
}

/** A string when the message is text only, parts when it carries images; undefined when nothing is left. */
function userContent(parts: readonly LmInputPart[], images: boolean): ChatContent | undefined {
  const hasImage = parts.some((p) => p.type === 'data' && IMAGE_TYPES.has(p.mimeType));
  if (!hasImage || !images) {
    const text = textOf(parts, images ? undefined : '[an image was left out: this model takes no images]');
    // A message of markers only (VS Code's cache hints) says nothing to the model.
    return text === '' ? undefined : text;
  }
  const out: Exclude<ChatContent, string> = [];
  for (const p of parts) {
    if (p.type === 'data' && IMAGE_TYPES.has(p.mimeType)) {
      out.push({ type: 'image_url', image_url: { url: `data:${p.mimeType};base64,${Buffer.from(p.data).toString('base64')}` } });
      continue;
    }
    const text = partText(p);
    if (text) {
      const last = out[out.length - 1];
      if (last?.type === 'text') last.text += text;
      else out.push({ type: 'text', text });
    }
  }
  return out;
}

/** The text of parts, concatenated as VS Code splits it (each part carries its own newlines). */
export function textOf(parts: readonly (LmInputPart | LmTextPart | LmDataPart | LmOtherPart)[], imageNote?: string): string {
  let s = '';
  for (const p of parts) {
    if (p.type === 'data' && IMAGE_TYPES.has(p.mimeType)) s += imageNote ?? '';
    else s += partText(p);
  }
  return s;
}

/** Text of one part: text, text/JSON data, and the strings of an unknown tree (prompt-tsx). Tool calls and markers have none. */
export function partText(p: LmInputPart): string {
  switch (p.type) {
    case 'text':
      return p.text;
    case 'data':
      return p.mimeType.startsWith('text/') || p.mimeType === 'application/json' ? Buffer.from(p.data).toString('utf8') : '';
    case 'other':
      return treeText(p.value, 0);
    case 'toolResult':
      return textOf(p.content);
    default:
      return '';
  }
}

/** prompt-tsx serialises to nested objects whose text leaves are `text` strings; depth-limited against cycles. */
function treeText(value: unknown, depth: number): string {
  if (depth > 64 || value === null || typeof value !== 'object') return typeof value === 'string' && depth === 0 ? value : '';
  if (Array.isArray(value)) return value.map((v) => treeText(v, depth + 1)).join('');
  const o = value as Record<string, unknown>;
  let s = typeof o.text === 'string' ? o.text : '';
  for (const [k, v] of Object.entries(o)) if (k !== 'text' && typeof v === 'object') s += treeText(v, depth + 1);
  return s;
}
