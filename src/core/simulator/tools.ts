/**
 * Tool calling in the simulated chat completions, deterministic so tests can
 * rely on it. The wire shapes follow the Chat Completions reference
 * (https://learn.microsoft.com/azure/ai-foundry/openai/how-to/function-calling,
 * https://platform.openai.com/docs/api-reference/chat/create,
 * https://platform.openai.com/docs/api-reference/chat-streaming): a call is
 * `{id, type: "function", function: {name, arguments}}` with `arguments` a
 * JSON string; streamed, the first `delta.tool_calls[]` entry carries index,
 * id, type, name and empty arguments, the following ones only the index and
 * the next fragment of arguments; the choice ends with `finish_reason:
 * "tool_calls"`.
 *
 * When does the simulated model call a tool (the request must carry `tools`)?
 * - `tool_choice: {"type": "function", "function": {"name": N}}`: it calls N;
 * - `tool_choice: "required"`: the tool the last user message names, else the first;
 * - `tool_choice: "auto"` or none: only when the last message is the user's and
 *   names a tool (so a chat in the demo never calls a tool nobody asked for);
 * - `tool_choice: "none"`, or the last message is a tool result: it answers in
 *   text, and that text quotes the tool result, so a round trip is visible.
 */
import { badRequest } from './azure';
import { replyPieces } from './content';

export interface SimToolCall {
  id: string;
  name: string;
  /** The JSON arguments, as the model writes them. */
  arguments: string;
}

export type ChatPlan = { kind: 'text'; pieces: string[] } | { kind: 'tool'; call: SimToolCall; fragments: string[] };

interface ToolDef {
  name: string;
  parameters: Record<string, unknown> | undefined;
}

type Msg = { role?: unknown; content?: unknown; tool_call_id?: unknown };

/** What the simulated model answers to `body` (messages already checked to be a non-empty array). */
export function planChat(body: Record<string, unknown>, backend: string, chunks: number, callSeq: () => string): ChatPlan {
  const tools = toolDefs(body.tools);
  const messages = body.messages as Msg[];
  const last = messages[messages.length - 1] ?? {};
  const choice = body.tool_choice;
  const named = typeof choice === 'object' && choice !== null ? (choice as { function?: { name?: unknown } }).function?.name : undefined;
  let tool: ToolDef | undefined;
  if (tools.length && choice !== 'none') {
    if (typeof named === 'string') {
      tool = tools.find((t) => t.name === named);
      if (!tool) throw badRequest(`Invalid value for 'tool_choice': no function named '${named}' was specified in the 'tools' parameter.`, 'tool_choice', 'invalid_value');
    } else if (last.role === 'user') {
      tool = mentioned(tools, textOf(last.content)) ?? (choice === 'required' ? tools[0] : undefined);
    } else if (choice === 'required') {
      tool = tools[0];
    }
  }
  if (tool) {
    const args = JSON.stringify(sampleArguments(tool.parameters));
    return { kind: 'tool', call: { id: callSeq(), name: tool.name, arguments: args }, fragments: splitText(args, Math.max(2, chunks)) };
  }
  if (last.role === 'tool') {
    const result = textOf(last.content).slice(0, 500);
    return { kind: 'text', pieces: splitText(`Hello from ${backend}. The tool returned: ${result}`, chunks) };
  }
  return { kind: 'text', pieces: replyPieces(backend, chunks) };
}

function toolDefs(tools: unknown): ToolDef[] {
  if (tools === undefined || tools === null) return [];
  if (!Array.isArray(tools)) throw badRequest("Invalid type for 'tools': expected an array of objects.", 'tools', 'invalid_type');
  return tools.map((t: unknown, i) => {
    const fn = (t as { type?: unknown; function?: { name?: unknown; parameters?: unknown } } | null)?.function;
    if ((t as { type?: unknown })?.type !== 'function' || typeof fn?.name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(fn.name)) {
      throw badRequest(`Invalid 'tools[${i}]': expected {"type": "function", "function": {"name": "<letters, digits, _ or ->"}}.`, `tools[${i}]`, 'invalid_value');
    }
    const params = fn.parameters;
    return { name: fn.name, parameters: typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : undefined };
  });
}

/** The tool whose name appears in the text, the longest name first (`read_file_lines` over `read_file`). */
function mentioned(tools: ToolDef[], text: string): ToolDef | undefined {
  return [...tools].sort((a, b) => b.name.length - a.name.length).find((t) => text.includes(t.name));
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof (p as { text?: unknown })?.text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

/** Arguments that satisfy the schema's required properties, from their type: a stand-in model that always fills them the same way. */
export function sampleArguments(schema: Record<string, unknown> | undefined): Record<string, unknown> {
  const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(schema?.required) ? (schema.required as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  const out: Record<string, unknown> = {};
  for (const key of required) out[key] = sampleValue(props[key] ?? {}, 0);
  return out;
}

function sampleValue(s: Record<string, unknown>, depth: number): unknown {
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if ('const' in s) return s.const;
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return depth > 4 ? {} : sampleArguments(s);
    case 'null':
      return null;
    default:
      return 'simulated';
  }
}

/** `text` in `n` pieces of about equal length, cut anywhere (inside words and JSON tokens too). */
export function splitText(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(Math.floor(n), text.length || 1));
  const out: string[] = [];
  for (let k = 0; k < count; k++) out.push(text.slice(Math.floor((k * text.length) / count), Math.floor(((k + 1) * text.length) / count)));
  return out;
}
