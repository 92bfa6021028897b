import { describe, expect, it } from 'vitest';
import { ChatStreamDecoder, isLmError, type LmResponsePart } from '../../../src/core/lm';

const sse = (...events: unknown[]) => events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join('');
const delta = (d: Record<string, unknown>, finish: string | null = null) => ({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: d, finish_reason: finish }] });
const call = (index: number, extra: Record<string, unknown>) => delta({ tool_calls: [{ index, ...extra }] });

/** Feeds `text` in pieces of `size` characters, as a network would split it. */
function decode(text: string, size = text.length): LmResponsePart[] {
  const parts: LmResponsePart[] = [];
  const d = new ChatStreamDecoder((p) => parts.push(p));
  for (let i = 0; i < text.length; i += size) d.push(text.slice(i, i + size));
  d.end();
  return parts;
}

const TOOL_STREAM = sse(
  { choices: [], prompt_filter_results: [{ prompt_index: 0 }] },
  delta({ role: 'assistant', content: null }),
  call(0, { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }),
  call(1, { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"tz"' } }),
  call(0, { function: { arguments: '{"ci' } }),
  call(1, { function: { arguments: ':"UTC"}' } }),
  call(0, { function: { arguments: 'ty":"Pa' } }),
  call(0, { function: { arguments: 'ris"}' } }),
  delta({}, 'tool_calls'),
  { choices: [], usage: { total_tokens: 9 } },
  '[DONE]',
);

describe('Chat Completions stream -> VS Code response parts', () => {
  it('reports text deltas as they arrive, skipping Azure chunks without choices', () => {
    const parts: LmResponsePart[] = [];
    const d = new ChatStreamDecoder((p) => parts.push(p));
    d.push(sse({ choices: [], prompt_filter_results: [] }, delta({ role: 'assistant', content: '' }), delta({ content: 'Hel' })));
    expect(parts).toEqual([{ type: 'text', text: 'Hel' }]);
    d.push(sse(delta({ content: 'lo' }), delta({}, 'stop'), '[DONE]'));
    d.end();
    expect(parts).toEqual([{ type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }]);
    expect(d.finishReason).toBe('stop');
  });

  it('assembles interleaved tool-call fragments by index and reports each call once complete', () => {
    expect(decode(TOOL_STREAM)).toEqual([
      { type: 'toolCall', callId: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'toolCall', callId: 'call_b', name: 'get_time', input: { tz: 'UTC' } },
    ]);
  });

  it('gives the same calls whatever way the network splits the bytes (inside lines, JSON and events)', () => {
    const whole = decode(TOOL_STREAM);
    for (const size of [1, 2, 3, 7, 13, 64]) expect(decode(TOOL_STREAM, size)).toEqual(whole);
    // CRLF line endings are SSE too.
    expect(decode(TOOL_STREAM.replace(/\n/g, '\r\n'), 5)).toEqual(whole);
  });

  it('reports no call before its arguments are complete', () => {
    const parts: LmResponsePart[] = [];
    const d = new ChatStreamDecoder((p) => parts.push(p));
    const cut = TOOL_STREAM.indexOf('"finish_reason":"tool_calls"');
    d.push(TOOL_STREAM.slice(0, cut));
    expect(parts).toEqual([]);
    d.push(TOOL_STREAM.slice(cut));
    d.end();
    expect(parts).toHaveLength(2);
  });

  it('treats empty arguments as {} and reports a call at [DONE] when no finish_reason came', () => {
    expect(decode(sse(call(0, { id: 'c', function: { name: 'now', arguments: '' } }), '[DONE]'))).toEqual([{ type: 'toolCall', callId: 'c', name: 'now', input: {} }]);
  });

  it('fails clearly on invalid arguments, an error event, a content filter stop and a stream that just ends', () => {
    const err = (text: string) => {
      try {
        decode(text);
      } catch (e) {
        expect(isLmError(e)).toBe(true);
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
      throw new Error('no error');
    };
    expect(err(sse(call(0, { id: 'c', function: { name: 'f', arguments: '{"a":' } }), delta({}, 'tool_calls')))).toMatch(/^stream: the model called tool "f" with arguments that are not valid JSON: \{"a":/);
    expect(err(sse({ error: { code: 'server_error', message: 'boom' } }))).toBe('upstream: the model stopped with an error: boom');
    expect(err(sse(delta({ content: 'x' }), delta({}, 'content_filter')))).toMatch(/^filtered: .*content filter/);
    expect(err(sse(delta({ content: 'x' })))).toMatch(/^stream: the response ended before the model finished/);
  });
});
