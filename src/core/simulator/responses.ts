import { SimError, badRequest, newId, sendJson } from './azure';
import { openStream, pieces, streamPieces } from './chat';
import { estimateTokens } from './content';
import type { Handler } from './router';

/**
 * The Responses API (`/openai/responses`, `/openai/v1/responses`): not
 * deployment-scoped, the deployment is the body's `model`. Its stream is
 * typed events (`event:` + `data:`) ending with `response.completed`, and
 * has no `[DONE]` sentinel, unlike chat completions.
 */

/** Stored responses kept per backend; the oldest go first. */
const MAX_STORED = 1000;

function notFound(id: string): SimError {
  return new SimError(404, 'not_found', `Response with id '${id}' not found.`, { type: 'invalid_request_error', param: null });
}

export const handleCreateResponse: Handler = async (ctx) => {
  const { input, instructions } = ctx.body;
  if (input === undefined) throw badRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const parts = pieces(ctx);
  const text = parts.join('');
  const inputTokens = estimateTokens(input) + estimateTokens(instructions);
  const id = newId('resp_', 24);
  const itemId = newId('msg_', 24);
  const base = {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'in_progress',
    error: null,
    incomplete_details: null,
    instructions: typeof instructions === 'string' ? instructions : null,
    max_output_tokens: typeof ctx.body.max_output_tokens === 'number' ? ctx.body.max_output_tokens : null,
    model: ctx.deployment,
    output: [] as unknown[],
    parallel_tool_calls: true,
    previous_response_id: typeof ctx.body.previous_response_id === 'string' ? ctx.body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    store: ctx.body.store !== false,
    temperature: typeof ctx.body.temperature === 'number' ? ctx.body.temperature : 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: typeof ctx.body.top_p === 'number' ? ctx.body.top_p : 1,
    truncation: 'disabled',
    usage: null as unknown,
    metadata: {},
  };
  const part = (t: string) => ({ type: 'output_text', text: t, annotations: [] });
  const item = (status: string, content: unknown[]) => ({ id: itemId, type: 'message', status, role: 'assistant', content });
  const completed = {
    ...base,
    status: 'completed',
    output: [item('completed', [part(text)])],
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: parts.length,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + parts.length,
    },
  };
  const store = (): void => {
    if (!completed.store) return;
    ctx.responses.set(id, completed);
    if (ctx.responses.size > MAX_STORED) ctx.responses.delete(ctx.responses.keys().next().value!);
  };
  if (ctx.body.stream !== true) {
    store();
    sendJson(ctx.res, 200, completed, ctx.headers);
    return;
  }

  const sse = openStream(ctx);
  let seq = 0;
  const emit = (type: string, data: Record<string, unknown>) => sse.send({ type, sequence_number: seq++, ...data }, type);
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  await emit('response.created', { response: base });
  await emit('response.in_progress', { response: base });
  await emit('response.output_item.added', { output_index: 0, item: item('in_progress', []) });
  await emit('response.content_part.added', { ...at, part: part('') });
  const finished = await streamPieces(ctx, sse, parts, (delta) => emit('response.output_text.delta', { ...at, delta, logprobs: [] }));
  // A cut stream leaves nothing to fetch later, like a response that never completed.
  if (!finished) return;
  store();
  await emit('response.output_text.done', { ...at, text, logprobs: [] });
  await emit('response.content_part.done', { ...at, part: part(text) });
  await emit('response.output_item.done', { output_index: 0, item: item('completed', [part(text)]) });
  await emit('response.completed', { response: completed });
  sse.end();
};

export const handleGetResponse: Handler = (ctx) => {
  const id = ctx.route.id ?? '';
  const stored = ctx.responses.get(id);
  if (!stored) throw notFound(id);
  sendJson(ctx.res, 200, stored, ctx.headers);
};

export const handleDeleteResponse: Handler = (ctx) => {
  const id = ctx.route.id ?? '';
  if (!ctx.responses.delete(id)) throw notFound(id);
  sendJson(ctx.res, 200, { id, object: 'response.deleted', deleted: true }, ctx.headers);
};
