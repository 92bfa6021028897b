import { badRequest, newId, sendJson } from './azure';
import { contentFilterResults, estimateTokens, promptFilterResults, replyPieces } from './content';
import { DEFAULT_CHUNK_DELAY_MS, DEFAULT_CHUNKS } from './faults';
import type { Ctx, Handler } from './router';
import { SseStream } from './sse';
import { planChat, type ChatPlan } from './tools';

/** Chat completions and legacy completions, JSON and SSE. */

const FINGERPRINT = 'fp_sim0000001';

export function pieces(ctx: Ctx): string[] {
  return replyPieces(ctx.name, ctx.faults.chunks ?? DEFAULT_CHUNKS);
}

export function openStream(ctx: Ctx): SseStream {
  const sse = new SseStream(ctx.res, ctx.signal, ctx.faults.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS);
  sse.open(ctx.headers);
  return sse;
}

/**
 * Sends one event per piece, paced by the chunk delay. When the fault drew
 * this stream, destroys the socket after about half the pieces. Returns false
 * when the stream stopped early (cut, client gone, server closing).
 */
export async function streamPieces(ctx: Ctx, sse: SseStream, parts: string[], emit: (piece: string) => Promise<boolean>): Promise<boolean> {
  const cutAt = ctx.cutStream ? Math.min(parts.length, Math.max(1, Math.floor(parts.length / 2))) : -1;
  for (let i = 0; i < parts.length; i++) {
    if (i === cutAt) break;
    if (!(await sse.tick()) || !(await emit(parts[i]!))) return false;
  }
  if (ctx.cutStream) {
    await sse.tick();
    await sse.cut();
    return false;
  }
  return sse.tick();
}

function usage(prompt: number, completion: number): Record<string, unknown> {
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

function wantsUsage(body: Record<string, unknown>): boolean {
  const so = body.stream_options;
  return typeof so === 'object' && so !== null && (so as Record<string, unknown>).include_usage === true;
}

async function stream(ctx: Ctx, object: string, parts: string[], promptTokens: number,
  piece: (text: string) => Record<string, unknown>, last: Record<string, unknown>, head?: Record<string, unknown>, finishReason = 'stop'): Promise<void> {
  const sse = openStream(ctx);
  const base = { id: newId(object === 'chat.completion.chunk' ? 'chatcmpl-' : 'cmpl-', 15), object, created: Math.floor(Date.now() / 1000), model: ctx.deployment, system_fingerprint: FINGERPRINT };
  const withUsage = wantsUsage(ctx.body);
  const nullUsage = withUsage ? { usage: null } : {};
  // Azure sends the prompt's content-filter verdict first, with no choices: clients that index choices[0] blindly break on it.
  await sse.send({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: promptFilterResults() });
  if (object === 'chat.completion.chunk') {
    await sse.send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: head ? null : '', refusal: null }, finish_reason: null, logprobs: null }], ...nullUsage });
  }
  if (head) await sse.send({ ...base, choices: [{ index: 0, delta: head, finish_reason: null, logprobs: null }], ...nullUsage });
  const finished = await streamPieces(ctx, sse, parts, (text) =>
    sse.send({ ...base, choices: [{ index: 0, ...piece(text), finish_reason: null, logprobs: null, content_filter_results: contentFilterResults() }], ...nullUsage }));
  if (!finished) return;
  await sse.send({ ...base, choices: [{ index: 0, ...last, finish_reason: finishReason, logprobs: null }], ...nullUsage });
  if (withUsage) await sse.send({ ...base, choices: [], usage: usage(promptTokens, parts.length) });
  await sse.send('[DONE]');
  sse.end();
}

export const handleChat: Handler = async (ctx) => {
  const { messages } = ctx.body;
  if (messages === undefined) throw badRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) throw badRequest("Invalid type for 'messages': expected an array.", 'messages', 'invalid_type');
  if (messages.length === 0) throw badRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages', 'empty_array');
  const plan = planChat(ctx.body, ctx.name, ctx.faults.chunks ?? DEFAULT_CHUNKS, () => newId('call_', 12));
  const promptTokens = estimateTokens(messages);
  if (ctx.body.stream === true) {
    if (plan.kind === 'tool') await streamToolCall(ctx, plan, promptTokens);
    else await stream(ctx, 'chat.completion.chunk', plan.pieces, promptTokens, (text) => ({ delta: { content: text } }), { delta: {} });
    return;
  }
  const parts = plan.kind === 'text' ? plan.pieces : plan.fragments;
  const message = plan.kind === 'text'
    ? { role: 'assistant', content: parts.join(''), refusal: null }
    : { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: plan.call.id, type: 'function', function: { name: plan.call.name, arguments: plan.call.arguments } }] };
  sendJson(ctx.res, 200, {
    id: newId('chatcmpl-', 15),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.deployment,
    system_fingerprint: FINGERPRINT,
    prompt_filter_results: promptFilterResults(),
    choices: [{
      index: 0,
      finish_reason: plan.kind === 'text' ? 'stop' : 'tool_calls',
      logprobs: null,
      message,
      content_filter_results: contentFilterResults(),
    }],
    usage: usage(promptTokens, parts.length),
  }, ctx.headers);
};

/** The call's head (id, name, empty arguments), then its arguments in fragments, then `finish_reason: "tool_calls"`. */
function streamToolCall(ctx: Ctx, plan: Extract<ChatPlan, { kind: 'tool' }>, promptTokens: number): Promise<void> {
  const head = { tool_calls: [{ index: 0, id: plan.call.id, type: 'function', function: { name: plan.call.name, arguments: '' } }] };
  return stream(ctx, 'chat.completion.chunk', plan.fragments, promptTokens,
    (fragment) => ({ delta: { tool_calls: [{ index: 0, function: { arguments: fragment } }] } }), { delta: {} }, head, 'tool_calls');
}

export const handleCompletions: Handler = async (ctx) => {
  const { prompt } = ctx.body;
  if (typeof prompt !== 'string' && !Array.isArray(prompt)) throw badRequest("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  const parts = pieces(ctx);
  const promptTokens = estimateTokens(prompt);
  if (ctx.body.stream === true) {
    await stream(ctx, 'text_completion', parts, promptTokens, (text) => ({ text }), { text: '' });
    return;
  }
  sendJson(ctx.res, 200, {
    id: newId('cmpl-', 15),
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.deployment,
    prompt_filter_results: promptFilterResults(),
    choices: [{ text: parts.join(''), index: 0, finish_reason: 'stop', logprobs: null, content_filter_results: contentFilterResults() }],
    usage: usage(promptTokens, parts.length),
  }, ctx.headers);
};
